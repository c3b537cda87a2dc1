// GUI benchmark: one process per model, as a user starts it. Prints the time from process start
// to the first rendered graph, to the full report, the longest stall of the UI thread while
// loading, then the warm figure: the model opened again in the running window once its waiting
// worker has loaded LibTorch (as while a person picks the file), to the first rendered graph,
// beside its target; or (with --expand-all) the time to lay out and draw every group expanded,
// then frame times of scripted pans and zooms over the expanded graph (each frame: the scroll or
// zoom and the paint it causes).
// Usage: QT_QPA_PLATFORM=offscreen bench_gui MODEL [--expand-all]
#include "graph/graph_widget.h"
#include "main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScrollBar>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

namespace {

// Opening in a running window with a warm worker should feel immediate: the targets per model.
double warmTarget(const QString& model) {
    const QString name = QFileInfo(model).fileName();
    if (name.endsWith(QStringLiteral(".ptl"))) return 0.2;
    if (name.contains(QStringLiteral("20k"))) return 1.0;
    if (name.contains(QStringLiteral("bert"))) return 0.3;
    return 0.4;  // MobileNetV2 and other models of its size
}

// CPU time used so far by the window's worker processes (utime + stime, clock ticks).
long long workerCpuTicks(const QObject& window) {
    long long ticks = 0;
    for (const QProcess* process : window.findChildren<QProcess*>()) {
        if (process->state() != QProcess::Running) continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(process->processId()));
        if (!stat.open(QIODevice::ReadOnly)) continue;
        const QByteArray text = stat.readAll();
        // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 12) ticks += fields[11].toLongLong() + fields[12].toLongLong();
    }
    return ticks;
}

// Calls `then` once the workers have used no CPU for 300 ms: the waiting one has loaded LibTorch.
void whenWorkersIdle(const QObject& window, std::function<void()> then) {
    auto* poll = new QTimer;
    auto last = std::make_shared<long long>(-1);
    auto quiet = std::make_shared<int>(0);
    QObject::connect(poll, &QTimer::timeout, [poll, last, quiet, &window, then = std::move(then)] {
        const long long now = workerCpuTicks(window);
        *quiet = now == *last ? *quiet + 1 : 0;
        *last = now;
        if (*quiet < 3) return;
        poll->deleteLater();
        poll->stop();
        then();
    });
    poll->start(100);
}

struct FrameTimes {
    double p50 = -1, p95 = -1, max = -1;
    int frames = 0;
};

// Scripted pans and zooms over the whole graph at the zooms a person uses (readable, boxes without
// text, the overview), each frame timed from the change to the end of the paint it causes.
FrameTimes measurePanZoom(ptl::ui::GraphView* view) {
    std::vector<double> times;
    int paints = 0;
    struct PaintCounter : QObject {
        int* count;
        explicit PaintCounter(int* c) : count(c) {}
        bool eventFilter(QObject*, QEvent* event) override {
            if (event->type() == QEvent::Paint) ++*count;
            return false;
        }
    } counter(&paints);
    view->viewport()->installEventFilter(&counter);
    auto frame = [&](const std::function<void()>& change) {
        QApplication::processEvents();  // nothing of the last frame left to paint
        const int before = paints;
        QElapsedTimer timer;
        timer.start();
        change();
        QApplication::processEvents();  // the paint it asked for
        if (paints == before) view->viewport()->repaint();  // nothing changed on screen: paint anyway
        times.push_back(timer.nsecsElapsed() / 1e6);
    };
    const QRectF area = view->sceneRect();
    auto pan = [&](double scale, int frames, int dx, int dy) {
        view->setTransform(QTransform::fromScale(scale, scale));
        view->centerOn(area.center().x(), area.top() + view->viewport()->height() / (2 * scale));
        for (int i = 0; i < frames; ++i)
            frame([&] {
                view->horizontalScrollBar()->setValue(view->horizontalScrollBar()->value() + ((i / 10) % 2 ? -dx : dx));
                view->verticalScrollBar()->setValue(view->verticalScrollBar()->value() + dy);
            });
    };
    pan(1.0, 60, 30, 40);   // readable: text and edge labels
    pan(0.3, 60, 30, 60);   // boxes without text
    pan(0.1, 60, 30, 80);   // the overview Fit to Window stops at
    // Wheel zooms under the middle of the view: out from readable to the overview and back in.
    view->setTransform(QTransform::fromScale(1.0, 1.0));
    view->centerOn(area.center().x(), area.top() + area.height() / 3);
    for (int i = 0; i < 24; ++i) frame([&] { view->zoomBy(0.9); });
    for (int i = 0; i < 24; ++i) frame([&] { view->zoomBy(1 / 0.9); });
    view->viewport()->removeEventFilter(&counter);
    std::sort(times.begin(), times.end());
    auto at = [&](double q) { return times[std::min(times.size() - 1, size_t(q * times.size()))]; };
    return {at(0.5), at(0.95), times.back(), int(times.size())};
}

}  // namespace

int main(int argc, char** argv) {
    QElapsedTimer sinceStart;
    sinceStart.start();
    Q_INIT_RESOURCE(resources);
    QApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    if (arguments.size() < 2) {
        std::fprintf(stderr, "usage: bench_gui MODEL [--expand-all]\n");
        return 2;
    }
    const QString model = arguments[1];
    const bool expandAll = arguments.contains(QStringLiteral("--expand-all"));

    ptl::ui::MainWindow window;
    window.setProperty("quietErrors", true);
    window.resize(1400, 900);
    window.show();

    // The UI thread's responsiveness: the longest gap between ticks of a 1 ms timer.
    QElapsedTimer tick;
    tick.start();
    qint64 longestStall = 0;
    QTimer heartbeat;
    heartbeat.setInterval(1);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] { longestStall = std::max(longestStall, tick.restart()); });

    double firstGraph = -1, fullReport = -1, expandAllSeconds = -1, warmFirstGraph = -1;
    FrameTimes panZoom;
    QElapsedTimer warmTimer;
    int layouts = 0;
    bool reportDone = false;
    QElapsedTimer expandTimer;
    auto render = [&] {
        window.graph()->view()->viewport()->repaint();  // the first rendered graph is a painted one
    };
    QObject::connect(window.graph(), &ptl::ui::GraphWidget::layoutFinished, [&] {
        ++layouts;
        render();
        if (firstGraph < 0) firstGraph = sinceStart.elapsed() / 1000.0;
        if (warmTimer.isValid()) {
            warmFirstGraph = warmTimer.elapsed() / 1000.0;
            QApplication::quit();
            return;
        }
        if (expandTimer.isValid()) {
            expandAllSeconds = expandTimer.elapsed() / 1000.0;
            expandTimer.invalidate();
            QTimer::singleShot(0, [&] {
                panZoom = measurePanZoom(window.graph()->view());
                QApplication::quit();
            });
            return;
        }
        if (reportDone && !window.graph()->layoutPending()) {
            heartbeat.stop();
            if (!expandAll) {
                whenWorkersIdle(window, [&] {
                    warmTimer.start();
                    window.openModel(model);
                });
                return;
            }
            expandTimer.start();
            window.graph()->expandAll();
        }
    });
    QObject::connect(&window, &ptl::ui::MainWindow::reportShown, [&] {
        if (fullReport >= 0) return;  // the warm run's
        fullReport = sinceStart.elapsed() / 1000.0;
        reportDone = true;
    });
    QObject::connect(&window, &ptl::ui::MainWindow::loadFailed, [&](const QString& message) {
        std::fprintf(stderr, "failed: %s\n", qPrintable(message));
        QApplication::exit(1);
    });
    QTimer::singleShot(0, [&] {
        heartbeat.start();
        tick.restart();
        window.openModel(model);
    });
    QTimer::singleShot(180000, [] { QApplication::exit(3); });
    const int code = app.exec();
    const auto stats = window.graph()->lastLayout();
    std::printf("%s first_graph_s=%.2f full_report_s=%.2f max_ui_stall_ms=%lld expand_all_s=%.2f units=%d "
                "warm_first_graph_s=%.2f warm_target_s=%.1f",
                qPrintable(QFileInfo(model).fileName()), firstGraph, fullReport, static_cast<long long>(longestStall),
                expandAllSeconds, stats.units, warmFirstGraph, warmTarget(model));
    if (panZoom.frames > 0)
        std::printf(" pan_zoom_frames=%d frame_p50_ms=%.1f frame_p95_ms=%.1f frame_max_ms=%.1f frame_target_p95_ms=16",
                    panZoom.frames, panZoom.p50, panZoom.p95, panZoom.max);
    std::printf("\n");
    return code;
}
