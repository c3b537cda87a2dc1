#include "worker/worker_client.h"

#include "ptl/report_json.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <nlohmann/json.hpp>

#include <csignal>
#include <stdexcept>
#include <utility>

#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

namespace ptl::ui {

namespace {

#ifdef Q_OS_WIN
const QString kWorkerName = QStringLiteral("ptl-studio-cli.exe");
#else
const QString kWorkerName = QStringLiteral("ptl-studio-cli");
#endif

// Lines longer than this are decoded on the thread pool: in practice only the result, whose
// report runs to megabytes for a big model.
constexpr qsizetype kBackgroundDecodeBytes = 256 * 1024;

// "signal 6, SIGABRT": the number for bug reports, the name for people.
QString describeSignal(int signal) {
    static const std::pair<int, const char*> names[] = {
        {SIGABRT, "SIGABRT"}, {SIGSEGV, "SIGSEGV"}, {SIGFPE, "SIGFPE"}, {SIGILL, "SIGILL"}, {SIGTERM, "SIGTERM"},
#ifdef Q_OS_UNIX
        {SIGKILL, "SIGKILL"}, {SIGBUS, "SIGBUS"},
#endif
    };
    for (const auto& [number, name] : names)
        if (number == signal) return QStringLiteral("signal %1, %2").arg(signal).arg(QLatin1String(name));
    return QStringLiteral("signal %1").arg(signal);
}

QByteArray requestLine(const nlohmann::json& request) { return QByteArray::fromStdString(request.dump()) + '\n'; }

}  // namespace

// One line of the worker's stdout, decoded. Pure, so it may run on any thread.
struct WorkerClient::Event {
    enum class Type { Progress, Graph, GraphDetails, Result, Error, Cancelled, Unexpected };
    Type type = Type::Unexpected;
    QString stage;
    double fraction = 0;
    // Result: the one its job produces (Graph: the report; GraphDetails: `early` with its details);
    // all null when it cannot be read.
    std::shared_ptr<const ptl::Report> report;
    std::shared_ptr<const ptl::ConvertResult> convert;
    std::shared_ptr<const ptl::BenchResult> bench;
    std::shared_ptr<const ptl::Comparison> compare;
    QString message;  // Error: for the user; Result without payload and Unexpected: what is wrong

    // `early`: the job's graph event, which a graphDetails event completes.
    static Event decode(const QByteArray& line, const std::shared_ptr<const ptl::Report>& early) {
        Event event;
        nlohmann::json json;
        try {
            json = nlohmann::json::parse(line.cbegin(), line.cend());
            event.readHeader(json);
        } catch (const std::exception& error) {
            event.type = Type::Unexpected;
            event.message = QString::fromUtf8(error.what());
        }
        if (event.type == Type::Unexpected)
            event.message += QStringLiteral(": ") + QString::fromUtf8(line.left(200));
        if (event.type == Type::Result || event.type == Type::Graph || event.type == Type::GraphDetails) {
            try {
                event.readPayload(json, early);
            } catch (const std::exception& error) {  // an exception must not escape the thread pool
                event.message = QString::fromUtf8(error.what());
            }
        }
        // The early graph is drawn without waiting for its document to be freed (on another thread);
        // other events keep the cores for the window meanwhile.
        if (event.type == Type::Graph && line.size() > kBackgroundDecodeBytes)
            (void)QtConcurrent::run([discarded = std::move(json)] {});
        return event;
    }

private:
    void readHeader(const nlohmann::json& json) {
        const std::string name = json.at("event").get<std::string>();
        if (name == "progress") {
            type = Type::Progress;
            stage = QString::fromStdString(json.at("stage").get<std::string>());
            fraction = json.at("fraction").get<double>();
        } else if (name == "error") {
            type = Type::Error;
            message = QString::fromStdString(json.at("message").get<std::string>());
        } else if (name == "cancelled") {
            type = Type::Cancelled;
        } else if (name == "result") {
            type = Type::Result;
        } else if (name == "graph") {
            type = Type::Graph;
        } else if (name == "graphDetails") {
            type = Type::GraphDetails;
        } else {
            message = QStringLiteral("unknown event");
        }
    }

    // A result carries one of "report" (inspect), "convert", "bench" or "compare"; a graph event
    // the early report, a graphDetails event what completes it.
    void readPayload(const nlohmann::json& json, const std::shared_ptr<const ptl::Report>& early) {
        if (type == Type::GraphDetails) {
            if (!early) throw std::invalid_argument("node details without a graph");
            report = std::make_shared<const ptl::Report>(ptl::withNodeDetails(*early, json.at("details")));
        } else if (type == Type::Graph) {
            report = std::make_shared<const ptl::Report>(ptl::earlyGraphFromJson(json.at("report")));
        } else if (json.contains("compare"))
            compare = std::make_shared<const ptl::Comparison>(ptl::comparisonFromJson(json.at("compare")));
        else if (json.contains("convert"))
            convert = std::make_shared<const ptl::ConvertResult>(ptl::convertResultFromJson(json.at("convert")));
        else if (json.contains("bench"))
            bench = std::make_shared<const ptl::BenchResult>(ptl::benchResultFromJson(json.at("bench")));
        else
            report = std::make_shared<const ptl::Report>(ptl::reportFromJson(json.at("report")));
    }
};

WorkerClient::WorkerClient(QString workerPath, QObject* parent)
    : QObject(parent), workerPath_(std::move(workerPath)), watchdog_(new QTimer(this)) {
    watchdog_->setSingleShot(true);
    connect(watchdog_, &QTimer::timeout, this, &WorkerClient::onWatchdog);
}

WorkerClient::~WorkerClient() {
    // Synchronously: a hung worker must not outlive the client, and retired ones may still run.
    for (QProcess* process : findChildren<QProcess*>(Qt::FindDirectChildrenOnly)) {
        process->disconnect(this);
        process->kill();
        process->waitForFinished(1000);
    }
}

QProcess* WorkerClient::launch() {
    auto* process = new QProcess(this);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(extraEnvironment_);
    process->setProcessEnvironment(environment);
#ifdef Q_OS_LINUX
    // A worker must not outlive a GUI that crashed or was killed. (The kernel signals when the
    // forking thread ends; workers start from the UI thread, which lasts as long as the GUI.)
    process->setChildProcessModifier([] { prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    // --verbose: the worker's stage timings belong in the GUI's log.
    process->start(workerPath_, {QStringLiteral("--verbose"), QStringLiteral("worker")});
    return process;
}

void WorkerClient::prestart() {
    if (spare_ || workerPath_.isEmpty()) return;
    spare_ = launch();
    spareEnvironment_ = extraEnvironment_;
}

QProcess* WorkerClient::takeSpare() {
    QProcess* spare = std::exchange(spare_, nullptr);
    if (!spare) return nullptr;
    // A spare started for another environment (tests), or one that died, is not used.
    if (spareEnvironment_ != extraEnvironment_ || spare->state() == QProcess::NotRunning) {
        spare->kill();
        spare->waitForFinished(1000);
        spare->deleteLater();
        return nullptr;
    }
    return spare;
}

QString WorkerClient::defaultWorkerPath() {
    const QString fromEnvironment = qEnvironmentVariable("PTL_STUDIO_WORKER");
    if (!fromEnvironment.isEmpty()) return fromEnvironment;
    // Installed, both programs share a folder; in the build tree they are app/gui and app/cli.
    const QString appDir = QCoreApplication::applicationDirPath();
    for (const QString& candidate : {appDir + QLatin1Char('/') + kWorkerName, appDir + QStringLiteral("/../cli/") + kWorkerName}) {
        const QFileInfo file(candidate);
        if (file.isFile() && file.isExecutable()) return file.canonicalFilePath();
    }
    return QStandardPaths::findExecutable(kWorkerName);
}

quint64 WorkerClient::inspect(const QString& model, const QStringList& inputs) {
    nlohmann::json request{{"job", "inspect"}, {"model", model.toStdString()}, {"inputs", nlohmann::json::array()}};
    for (const QString& input : inputs) request["inputs"].push_back(input.toStdString());
    return start(JobKind::Inspect, model, requestLine(request));
}

quint64 WorkerClient::inspectWithSweep(const QString& model, const QStringList& inputs, const QString& sweep) {
    nlohmann::json request{{"job", "inspect"},          {"model", model.toStdString()}, {"inputs", nlohmann::json::array()},
                           {"sweep", sweep.toStdString()}, {"graph", false}};
    for (const QString& input : inputs) request["inputs"].push_back(input.toStdString());
    return start(JobKind::Inspect, model, requestLine(request));
}

quint64 WorkerClient::compare(const QString& model, const QString& other, const QStringList& inputs, const QString& sweep) {
    nlohmann::json request{{"job", "compare"},       {"model", model.toStdString()}, {"other", other.toStdString()},
                           {"inputs", nlohmann::json::array()}, {"sweep", sweep.toStdString()}};
    for (const QString& input : inputs) request["inputs"].push_back(input.toStdString());
    return start(JobKind::Compare, model, requestLine(request));
}

quint64 WorkerClient::convert(const QString& model, const ptl::ConvertOptions& options) {
    const nlohmann::json request{{"job", "convert"}, {"model", model.toStdString()}, {"options", ptl::toJson(options)}};
    return start(JobKind::Convert, model, requestLine(request));
}

quint64 WorkerClient::bench(const QString& model, const ptl::BenchOptions& options) {
    const nlohmann::json request{{"job", "bench"}, {"model", model.toStdString()}, {"options", ptl::toJson(options)}};
    return start(JobKind::Bench, model, requestLine(request));
}

quint64 WorkerClient::start(JobKind kind, const QString& model, const QByteArray& request) {
    if (active_) endJob(Retire::Now);  // superseded: nobody wants its result, so do not wait for it
    const quint64 job = ++generation_;
    active_ = job;
    model_ = model;
    kind_ = kind;

    if (workerPath_.isEmpty()) {
        failLater(job, tr("PTL Studio cannot find its worker program, %1. Install it next to PTL Studio or set "
                          "PTL_STUDIO_WORKER to its path.")
                           .arg(kWorkerName));
        return job;
    }

    process_ = takeSpare();
    if (!process_) process_ = launch();
    connect(process_, &QProcess::readyReadStandardOutput, this, &WorkerClient::advance);
    connect(process_, &QProcess::readyReadStandardError, this, &WorkerClient::readLog);
    connect(process_, &QProcess::finished, this, &WorkerClient::advance);
    const auto startFailed = [this, job, process = process_] {
        failLater(job, tr("PTL Studio cannot start its worker program %1: %2.")
                           .arg(QDir::toNativeSeparators(workerPath_), process->errorString()));
    };
    connect(process_, &QProcess::errorOccurred, this, [startFailed](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) startFailed();
    });
    // A spare, or a launch that failed at once, reported its error before anyone listened.
    if (process_->state() == QProcess::NotRunning && process_->error() == QProcess::FailedToStart) startFailed();
    process_->write(request);  // stdin stays open: closing it means cancel
    watchdog_->start(watchdogTimeout_);
    return job;
}

void WorkerClient::cancel() {
    if (!active_) return;
    const quint64 job = active_;
    if (process_) process_->write("{\"cancel\":true}\n");
    endJob(Retire::WhenItExits);
    Q_EMIT cancelled(job);
}

void WorkerClient::advance() {
    const quint64 job = active_;
    if (!job || parsing_) return;
    while (active_ == job && !parsing_ && process_->canReadLine()) {
        const QByteArray line = process_->readLine().trimmed();
        if (line.isEmpty()) continue;
        watchdog_->start(watchdogTimeout_);  // any event shows the worker is alive
        if (line.size() > kBackgroundDecodeBytes)
            decodeInBackground(line);
        else
            dispatch(Event::decode(line, early_));
    }
    // Once the worker has exited and all it sent is read, a job still open has crashed.
    if (active_ == job && !parsing_ && process_->state() == QProcess::NotRunning) fail(exitMessage(), Retire::Now);
}

void WorkerClient::decodeInBackground(const QByteArray& line) {
    parsing_ = true;  // later lines wait, so events keep their order
    watchdog_->stop();
    const quint64 job = active_;
    auto* watcher = new QFutureWatcher<Event>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, job] {
        watcher->deleteLater();
        if (active_ != job) return;  // cancelled or superseded meanwhile
        parsing_ = false;
        watchdog_->start(watchdogTimeout_);
        dispatch(watcher->result());
        advance();
    });
    watcher->setFuture(QtConcurrent::run(&Event::decode, line, early_));
}

void WorkerClient::dispatch(const Event& event) {
    const quint64 job = active_;
    switch (event.type) {
    case Event::Type::Progress: Q_EMIT progress(job, event.stage, event.fraction); return;
    case Event::Type::Graph:
        early_ = event.report;
        if (event.report) Q_EMIT graphReady(job, event.report);
        return;
    case Event::Type::GraphDetails:
        if (event.report) Q_EMIT graphDetailsReady(job, event.report);
        else Q_EMIT logLine(tr("worker: ignoring the graph's details (%1)").arg(event.message));
        return;
    case Event::Type::Error: fail(event.message, Retire::WhenItExits); return;
    case Event::Type::Cancelled:
        endJob(Retire::WhenItExits);
        Q_EMIT cancelled(job);
        return;
    case Event::Type::Result: deliver(event); return;
    case Event::Type::Unexpected:
        Q_EMIT logLine(tr("worker: ignoring a line of its output (%1)").arg(event.message));
        return;
    }
}

void WorkerClient::deliver(const Event& event) {
    const quint64 job = active_;
    // The payload must be the one this job produces: another means a worker of another version.
    const bool readable = (kind_ == JobKind::Inspect && event.report) || (kind_ == JobKind::Convert && event.convert) ||
                          (kind_ == JobKind::Bench && event.bench) || (kind_ == JobKind::Compare && event.compare);
    if (!readable) {
        fail(tr("The worker's result on %1 cannot be read (%2). PTL Studio and its worker may be from different "
                "versions.")
                 .arg(QDir::toNativeSeparators(model_),
                      event.message.isEmpty() ? tr("it is not the result of this job") : event.message),
             Retire::Now);
        return;
    }
    endJob(Retire::WhenItExits);
    switch (kind_) {
    case JobKind::Inspect: Q_EMIT finished(job, event.report); return;
    case JobKind::Convert: Q_EMIT converted(job, event.convert); return;
    case JobKind::Bench: Q_EMIT benchmarked(job, event.bench); return;
    case JobKind::Compare: Q_EMIT compared(job, event.compare); return;
    }
}

QString WorkerClient::activity() const {
    const QString file = QDir::toNativeSeparators(model_);
    switch (kind_) {
    case JobKind::Inspect: return tr("inspecting %1").arg(file);
    case JobKind::Convert: return tr("converting %1").arg(file);
    case JobKind::Bench: return tr("measuring the latency of %1").arg(file);
    case JobKind::Compare: return tr("comparing %1").arg(file);
    }
    return file;
}

void WorkerClient::readLog() {
    if (!process_) return;
    logPartial_ += process_->readAllStandardError();
    for (qsizetype newline; (newline = logPartial_.indexOf('\n')) >= 0;) {
        const QString line = QString::fromUtf8(logPartial_.left(newline)).trimmed();
        logPartial_.remove(0, newline + 1);
        if (!line.isEmpty()) Q_EMIT logLine(line);
    }
}

void WorkerClient::onWatchdog() {
    fail(tr("The worker process did not respond for %1 s while %2 and was stopped. PTL Studio is still running; "
            "the model may be too large for this computer, or LibTorch hung on it.")
             .arg(QString::number(watchdogTimeout_.count()), activity()),
         Retire::Now);
}

QString WorkerClient::exitMessage() const {
    const QString doing = activity();
    if (process_->exitStatus() == QProcess::CrashExit) {
        const int signal = process_->exitCode();  // on Unix, the signal that ended it
#ifdef Q_OS_UNIX
        if (signal == SIGKILL)
            return tr("The worker process was killed (%1) while %2, most likely by the system because memory ran "
                      "out. PTL Studio is still running.")
                .arg(describeSignal(signal), doing);
#endif
        return tr("The worker process crashed while %1 (%2). PTL Studio is still running; the model may be "
                  "malformed or need more memory.")
            .arg(doing, describeSignal(signal));
    }
    return tr("The worker process ended without a result while %1 (exit code %2). PTL Studio is still running; "
              "the log has the worker's messages.")
        .arg(doing, QString::number(process_->exitCode()));
}

void WorkerClient::fail(const QString& message, Retire retire) {
    const quint64 job = active_;
    endJob(retire);
    Q_EMIT failed(job, message);
}

void WorkerClient::failLater(quint64 job, const QString& message) {
    // Not from inside inspect() or its kin: the caller does not know the job's id yet.
    QTimer::singleShot(0, this, [this, job, message] {
        if (active_ == job) fail(message, Retire::Now);
    });
}

void WorkerClient::endJob(Retire retire) {
    readLog();
    if (!logPartial_.isEmpty()) Q_EMIT logLine(QString::fromUtf8(std::exchange(logPartial_, {})).trimmed());
    active_ = 0;
    parsing_ = false;
    early_.reset();
    watchdog_->stop();
    if (process_) this->retire(std::exchange(process_, nullptr), retire);
}

void WorkerClient::retire(QProcess* process, Retire how) {
    process->disconnect(this);  // whatever it still says belongs to no job
    if (process->state() == QProcess::NotRunning) {
        process->deleteLater();
        return;
    }
    connect(process, &QProcess::finished, process, &QObject::deleteLater);
    process->closeWriteChannel();  // end of input asks the worker to stop
    // Stopping a job is the worker's to do, for every client alike (docs/worker-protocol.md,
    // "Cancel"): it stops at the next stage boundary and removes its partial output, and when
    // LibTorch does not return it answers and exits by itself 3 s after the request. After its
    // terminal event it exits at once. So no timer here: a kill could only cut a clean stop short.
    // Killed at once are the workers nobody waits for (superseded, silent, unreadable).
    if (how == Retire::Now) process->kill();
}

}  // namespace ptl::ui
