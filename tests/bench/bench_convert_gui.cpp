// Convert benchmark through the window: in one process, opens MODEL in a MainWindow, then for R
// rounds alternates (a) a conversion from the Convert dock (click Convert, time until
// ConvertController::variantFinished; the latency measurement the controller starts next is not
// part of it) and (b) the same conversion by `ptl-studio-cli convert` in a QProcess. Both times
// include starting a worker process unless the window's conversion worker had a warm spare
// waiting; the output says which. A 1 ms heartbeat runs from the click until the variant's
// latency is in and the plots are redrawn: its longest gap is the longest UI-thread stall.
// Prints one line per round, where it was measured, and the summary line last.
// Usage: QT_QPA_PLATFORM=offscreen bench_convert_gui MODEL [--quantize static|dynamic]
//        [--rounds N] [--settle-ms MS] [--verbose]
// The worker is $PTL_STUDIO_WORKER (else found as the window finds it); the CLI is the same file.
#include "convert/convert_controller.h"
#include "convert/convert_panel.h"
#include "convert/convert_workflow.h"
#include "graph/graph_widget.h"
#include "main_window.h"
#include "plots/variant_plots.h"
#include "worker/worker_client.h"

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace {

constexpr int kJobTimeoutMs = 600000;

double median(std::vector<double> values) {
    if (values.empty()) return -1;
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

// "AMD EPYC, 2 cores": the CPU's model name and the logical processors /proc/cpuinfo lists.
QString machine() {
    QFile file(QStringLiteral("/proc/cpuinfo"));
    QString model;
    int processors = 0;
    if (file.open(QIODevice::ReadOnly)) {
        for (const QByteArray& line : file.readAll().split('\n')) {
            if (line.startsWith("processor")) ++processors;
            if (model.isEmpty() && line.startsWith("model name")) model = QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
        }
    }
    if (!processors) processors = QThread::idealThreadCount();
    return QStringLiteral("%1, %2 cores").arg(model.isEmpty() ? QStringLiteral("unknown CPU") : model).arg(processors);
}

// Runs the event loop until finish() is called or the timeout passes; true when finished.
class Waiter {
public:
    void finish() {
        done_ = true;
        loop_.quit();
    }
    bool wait(int timeoutMs) {
        if (!done_) {
            QTimer timeout;
            timeout.setSingleShot(true);
            QObject::connect(&timeout, &QTimer::timeout, &loop_, &QEventLoop::quit);
            timeout.start(timeoutMs);
            loop_.exec();
        }
        return std::exchange(done_, false);
    }

private:
    QEventLoop loop_;
    bool done_ = false;
};

void settle(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Processes of the conversion worker client that run while no job does: a warm spare (or a
// retired worker still exiting).
int idleWorkers(const ptl::ui::WorkerClient* client) {
    int running = 0;
    for (const QProcess* process : client->findChildren<QProcess*>(Qt::FindDirectChildrenOnly))
        if (process->state() != QProcess::NotRunning) ++running;
    return running;
}

}  // namespace

int main(int argc, char** argv) {
    Q_INIT_RESOURCE(resources);
    QApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    if (arguments.size() < 2 || arguments[1].startsWith(QLatin1Char('-'))) {
        std::fprintf(stderr, "usage: bench_convert_gui MODEL [--quantize static|dynamic] [--rounds N] [--settle-ms MS] [--verbose]\n");
        return 2;
    }
    const QString model = QFileInfo(arguments[1]).absoluteFilePath();
    auto option = [&](const QString& name, const QString& fallback) {
        const qsizetype at = arguments.indexOf(name);
        return at > 0 && at + 1 < arguments.size() ? arguments[at + 1] : fallback;
    };
    const QString mode = option(QStringLiteral("--quantize"), QStringLiteral("static"));
    const int rounds = std::max(1, option(QStringLiteral("--rounds"), QStringLiteral("3")).toInt());
    const int settleMs = std::max(0, option(QStringLiteral("--settle-ms"), QStringLiteral("3000")).toInt());
    const bool verbose = arguments.contains(QStringLiteral("--verbose"));
    if (mode != QLatin1String("static") && mode != QLatin1String("dynamic")) {
        std::fprintf(stderr, "--quantize: static or dynamic\n");
        return 2;
    }
    const QString cli = ptl::ui::WorkerClient::defaultWorkerPath();
    if (cli.isEmpty()) {
        std::fprintf(stderr, "no ptl-studio-cli: set PTL_STUDIO_WORKER\n");
        return 2;
    }
    QTemporaryDir scratch;

    ptl::ui::MainWindow window;
    window.setProperty("quietErrors", true);
    window.resize(1400, 900);
    window.show();
    ptl::ui::ConvertWorkflow* workflow = window.convertWorkflow();
    workflow->setQuiet(true);
    ptl::ui::ConvertController* controller = workflow->controller();
    ptl::ui::ConvertPanel* panel = workflow->panel();

    // Open the model; wait for its report and the first layout, then let the inspection worker's
    // new spare finish loading LibTorch so it does not compete with the first conversion.
    Waiter opened;
    bool reportShown = false;
    QObject::connect(&window, &ptl::ui::MainWindow::reportShown, [&] {
        reportShown = true;
        if (!window.graph()->layoutPending()) opened.finish();  // laid out already, from the early graph
    });
    QObject::connect(window.graph(), &ptl::ui::GraphWidget::layoutFinished, [&] {
        if (reportShown && !window.graph()->layoutPending()) opened.finish();
    });
    QObject::connect(&window, &ptl::ui::MainWindow::loadFailed, [&](const QString& message) {
        std::fprintf(stderr, "failed: %s\n", qPrintable(message));
        std::exit(1);
    });
    QTimer::singleShot(0, [&] { window.openModel(model); });
    if (!opened.wait(180000)) {
        std::fprintf(stderr, "the model was not shown within 180 s\n");
        return 3;
    }
    settle(settleMs);
    workflow->plotsDock()->raise();

    // The UI thread's responsiveness: the longest gap between ticks of a 1 ms timer, by phase.
    enum Phase { Converting, Measuring, Redrawing, kPhases };
    Phase phase = Converting;
    qint64 longest[kPhases] = {0, 0, 0};
    QElapsedTimer tick;
    QTimer heartbeat;
    heartbeat.setInterval(1);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] { longest[phase] = std::max(longest[phase], tick.restart()); });

    QElapsedTimer sinceClick;
    double convertSeconds = -1, doneEventSeconds = -1;
    Waiter converted, measured;
    QObject::connect(controller, &ptl::ui::ConvertController::progress, [&](const QString& stage, double fraction) {
        if (fraction >= 1.0 && phase == Converting) doneEventSeconds = sinceClick.elapsed() / 1000.0;
        if (verbose) std::fprintf(stderr, "  %7.3f s progress %.2f %s\n", sinceClick.elapsed() / 1000.0, fraction, qPrintable(stage));
    });
    QObject::connect(controller, &ptl::ui::ConvertController::logLine, [&](const QString& line) {
        if (verbose) std::fprintf(stderr, "  %7.3f s log %s\n", sinceClick.elapsed() / 1000.0, qPrintable(line));
    });
    QObject::connect(controller, &ptl::ui::ConvertController::variantFinished, [&](int id) {
        if (phase != Converting) return;
        convertSeconds = sinceClick.elapsed() / 1000.0;  // before the latency job is queued and started
        phase = Measuring;
        const ptl::ui::Variant* variant = controller->variants()->variant(id);
        if (!variant || variant->state != ptl::ui::Variant::State::Ready) {
            std::fprintf(stderr, "GUI conversion failed: %s\n", variant ? qPrintable(variant->error) : "no variant");
            std::exit(1);
        }
        converted.finish();
    });
    double latencySeconds = -1, redrawMs = -1;
    QObject::connect(controller, &ptl::ui::ConvertController::latencyMeasured, [&](int) {
        // The plots replot queued (QCustomPlot's zero timers, posted before ours): let them run,
        // paint the dock, then give the heartbeat one more tick to see the paint.
        latencySeconds = sinceClick.elapsed() / 1000.0;
        phase = Redrawing;
        QTimer::singleShot(0, [&] {
            workflow->plotsDock()->repaint();
            redrawMs = sinceClick.elapsed() - latencySeconds * 1000.0;
            QTimer::singleShot(5, [&] { measured.finish(); });
        });
    });

    std::vector<double> guiTimes, cliTimes;
    qint64 longestStall = 0;
    int sparesAtClick = 0;
    const QString file = QFileInfo(model).fileName();
    for (int round = 1; round <= rounds; ++round) {
        // (a) The window: the Convert dock's settings, then Convert.
        panel->quantizationBox()->setCurrentIndex(panel->quantizationBox()->findData(mode));
        panel->calibrationKindBox()->setCurrentIndex(0);  // random batches shaped like the inputs
        panel->randomBatchesBox()->setValue(8);
        const int spare = idleWorkers(controller->worker());
        sparesAtClick += spare > 0;
        phase = Converting;
        std::fill(std::begin(longest), std::end(longest), 0);
        doneEventSeconds = -1;
        heartbeat.start();
        tick.start();
        sinceClick.start();
        panel->runButton()->click();
        if (!converted.wait(kJobTimeoutMs) || !measured.wait(kJobTimeoutMs)) {
            std::fprintf(stderr, "the GUI conversion or its latency did not finish\n");
            return 3;
        }
        heartbeat.stop();
        const qint64 stall = *std::max_element(std::begin(longest), std::end(longest));
        longestStall = std::max(longestStall, stall);
        guiTimes.push_back(convertSeconds);

        // (b) The CLI, the same conversion in a new process.
        QProcess process;
        process.setProgram(cli);
        QStringList cliArguments{QStringLiteral("convert"), model, QStringLiteral("-o"), scratch.filePath(QStringLiteral("cli.ptl")),
                                 QStringLiteral("--quantize"), mode};
        if (mode == QLatin1String("static")) cliArguments << QStringLiteral("--calib") << QStringLiteral("random:8");
        cliArguments << QStringLiteral("--progress") << QStringLiteral("none");
        process.setArguments(cliArguments);
        Waiter exited;
        double cliSeconds = -1;
        QElapsedTimer cliTimer;
        QObject::connect(&process, &QProcess::finished, [&] {
            cliSeconds = cliTimer.elapsed() / 1000.0;
            exited.finish();
        });
        cliTimer.start();
        process.start();
        if (!exited.wait(kJobTimeoutMs) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
            std::fprintf(stderr, "CLI conversion failed (exit %d): %s\n", process.exitCode(),
                         process.readAllStandardError().constData());
            return 3;
        }
        cliTimes.push_back(cliSeconds);

        std::printf("round %d: GUI %.2f s (worker's last event at %.2f s; warm spare at click: %s), CLI %.2f s; "
                    "latency in at %.2f s, plots redrawn %.0f ms later%s; longest UI stall %lld ms (converting %lld, "
                    "measuring latency %lld, redrawing %lld)\n",
                    round, convertSeconds, doneEventSeconds, spare ? "yes" : "no", cliSeconds, latencySeconds, redrawMs,
                    workflow->plots()->isVisible() ? "" : " (plots hidden!)", static_cast<long long>(stall),
                    static_cast<long long>(longest[Converting]), static_cast<long long>(longest[Measuring]),
                    static_cast<long long>(longest[Redrawing]));
        std::fflush(stdout);
    }

    const double guiMedian = median(guiTimes), cliMedian = median(cliTimes);
    const QString spares = sparesAtClick == rounds ? QStringLiteral("a warm spare worker was waiting at every click")
                           : sparesAtClick == 0    ? QStringLiteral("no warm spare worker: each click started a worker process")
                                                   : QStringLiteral("a warm spare worker at %1 of %2 clicks").arg(sparesAtClick).arg(rounds);
    std::printf("measured on %s, Qt %s offscreen, %d rounds, medians; GUI: click -> variantFinished (%s), latency "
                "measurement excluded; CLI: process start -> exit\n",
                qPrintable(machine()), qVersion(), rounds, qPrintable(spares));
    std::printf("convert %s %s: GUI %.2f s, CLI %.2f s (%.2fx, target <= 1.1x); longest UI stall %lld ms (target <= 100 ms)\n",
                qPrintable(mode), qPrintable(file), guiMedian, cliMedian, cliMedian > 0 ? guiMedian / cliMedian : 0.0, static_cast<long long>(longestStall));
    return 0;
}
