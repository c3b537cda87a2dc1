// The GUI's side of the worker protocol (docs/worker-protocol.md). Each job runs in its own
// `ptl-studio-cli worker` process, so LibTorch never lives in the GUI: a crash, hang or memory
// blow-up ends that process and becomes a failed() with a message for the user.
#pragma once

#include "ptl/bench.h"
#include "ptl/compare.h"
#include "ptl/convert.h"
#include "ptl/report.h"

#include <QObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>

class QProcess;
class QTimer;

namespace ptl::ui {

// Runs one job at a time. A newer request supersedes an older one, whatever its kind: the older
// worker is killed and its events are dropped, so every signal belongs to the job that
// inspect(), convert() or bench() returned last. (A view that must not interrupt inspection
// with a conversion uses a client of its own for each.) Each job ends with exactly one of its
// result signal (finished(), converted() or benchmarked()), failed() or cancelled(), always on
// the thread that owns the client.
class WorkerClient : public QObject {
    Q_OBJECT

public:
    explicit WorkerClient(QString workerPath, QObject* parent = nullptr);
    ~WorkerClient() override;  // kills any worker still running

    // ptl-studio-cli to run: $PTL_STUDIO_WORKER, else next to the application, else ../cli/
    // from it (the build tree), else on PATH. Empty when none is found.
    static QString defaultWorkerPath();
    // Starts a worker ahead of the first job: it loads LibTorch while the user picks a file, and
    // waits for its request. Each job started later takes it.
    void prestart();

    // Starts inspecting `model` with one sample-input spec per forward argument
    // ("1x3x224x224:float"); returns the job's id for the signals.
    quint64 inspect(const QString& model, const QStringList& inputs = {});
    // Inspects `model` and runs forward over a shape sweep (ptl/sweep.h; "" derives the shapes
    // from the sample inputs): finished() brings the report with its sweep. No early graph.
    quint64 inspectWithSweep(const QString& model, const QStringList& inputs, const QString& sweep);
    // Compares `model` (A) with `other` (B) over a sweep ("" derived from A's sample inputs).
    quint64 compare(const QString& model, const QString& other, const QStringList& inputs, const QString& sweep);
    // Converts `model` to options.output (written by the worker, atomically; nothing is left
    // there when the job fails or is cancelled). Options are checked by the worker, so a bad
    // one arrives as failed().
    quint64 convert(const QString& model, const ptl::ConvertOptions& options);
    // Measures forward latency of `model` in the worker.
    quint64 bench(const QString& model, const ptl::BenchOptions& options);
    bool isRunning() const { return active_ != 0; }  // a job has yet to end

    // A worker that sends no event for this long is hung: it is killed and the job fails. Every
    // job reports progress at least per stage; static quantization also per calibration batch
    // and bench every 8 runs, so the default is far above the longest legitimate silence.
    void setWatchdogTimeout(std::chrono::seconds timeout) { watchdogTimeout_ = timeout; }
    std::chrono::seconds watchdogTimeout() const { return watchdogTimeout_; }
    // Added to the system environment of the workers started from now on (tests use it to set
    // PTL_WORKER_FAULT).
    void setExtraEnvironment(const QProcessEnvironment& environment) { extraEnvironment_ = environment; }

public Q_SLOTS:
    // Ends the running job at once with cancelled(); its worker is asked to stop and exits by
    // itself (within 3 s, whatever LibTorch is doing: docs/worker-protocol.md, "Cancel").
    void cancel();

Q_SIGNALS:
    void progress(quint64 job, const QString& stage, double fraction);
    // The graph and module tree, before the analyses finish: what the view can draw at once.
    // Its nodes lack operator schemas and most source locations (ptl::JobControl::graphReady)...
    void graphReady(quint64 job, std::shared_ptr<const ptl::Report> partial);
    // ...which come right after, in the same report with them filled in.
    void graphDetailsReady(quint64 job, std::shared_ptr<const ptl::Report> partial);
    void finished(quint64 job, std::shared_ptr<const ptl::Report> report);  // inspect()
    void converted(quint64 job, std::shared_ptr<const ptl::ConvertResult> result);
    void benchmarked(quint64 job, std::shared_ptr<const ptl::BenchResult> result);
    void compared(quint64 job, std::shared_ptr<const ptl::Comparison> result);  // compare()
    void failed(quint64 job, const QString& message);
    void cancelled(quint64 job);
    void logLine(const QString& line);  // the worker's stderr, line by line

private:
    struct Event;
    enum class JobKind { Inspect, Convert, Bench, Compare };
    // How a worker no job needs any more goes: left to exit by itself, or killed now (see retire()).
    enum class Retire { WhenItExits, Now };

    quint64 start(JobKind kind, const QString& model, const QByteArray& request);
    void deliver(const Event& event);  // the result event: the signal of the active job's kind
    QString activity() const;          // "inspecting <model>", for messages
    void advance();  // reads the worker's events; ends the job if the worker died without one
    void decodeInBackground(const QByteArray& line);
    void dispatch(const Event& event);
    void readLog();
    void onWatchdog();
    QString exitMessage() const;
    void fail(const QString& message, Retire retire);
    void failLater(quint64 job, const QString& message);
    // Ends the active job's bookkeeping and retires its worker; the caller emits the signal.
    void endJob(Retire retire);
    void retire(QProcess* process, Retire how);

    QString workerPath_;
    QProcessEnvironment extraEnvironment_;
    std::chrono::seconds watchdogTimeout_{120};

    quint64 generation_ = 0;       // id of the newest job
    quint64 active_ = 0;           // the job still owing its terminal signal, 0 when none
    QProcess* process_ = nullptr;  // the active job's worker (null when it could not start)
    QString model_;                // the active job's model, for messages
    JobKind kind_ = JobKind::Inspect;  // and what it does
    bool parsing_ = false;         // a long line is being decoded off the UI thread
    std::shared_ptr<const ptl::Report> early_;  // the active job's graph event, for its details
    QByteArray logPartial_;        // stderr after its last newline
    QTimer* watchdog_;
    QProcess* spare_ = nullptr;             // started ahead, waiting for its request
    QProcessEnvironment spareEnvironment_;  // what it was started with

    QProcess* launch();
    QProcess* takeSpare();
};

}  // namespace ptl::ui
