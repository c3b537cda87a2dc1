// GUI benchmark: one process per model, as a user starts it. Prints the time from process start
// to the first rendered graph, to the full report, the longest stall of the UI thread while
// loading, then the warm figure: the model opened again in the running window with its worker
// started, to the first rendered graph, beside its target; or (with --expand-all) the time to lay
// out and draw every group expanded.
// Usage: QT_QPA_PLATFORM=offscreen bench_gui MODEL [--expand-all]
#include "graph/graph_widget.h"
#include "main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

namespace {

// Opening in a running window with a warm worker should feel immediate: the targets per model.
double warmTarget(const QString& model) {
    const QString name = QFileInfo(model).fileName();
    if (name.endsWith(QStringLiteral(".ptl"))) return 0.2;
    if (name.contains(QStringLiteral("20k"))) return 1.0;
    if (name.contains(QStringLiteral("bert"))) return 0.3;
    return 0.4;  // MobileNetV2 and other models of its size
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
            QApplication::quit();
            return;
        }
        if (reportDone && !window.graph()->layoutPending()) {
            heartbeat.stop();
            if (!expandAll) {
                warmTimer.start();
                window.openModel(model);
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
                "warm_first_graph_s=%.2f warm_target_s=%.1f\n",
                qPrintable(QFileInfo(model).fileName()), firstGraph, fullReport, static_cast<long long>(longestStall),
                expandAllSeconds, stats.units, warmFirstGraph, warmTarget(model));
    return code;
}
