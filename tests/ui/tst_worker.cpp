// The GUI's worker client against the real ptl-studio-cli: inspect, convert and bench results,
// clear errors, cancel, and recovery from a worker that aborts, hangs or runs out of memory
// (PTL_WORKER_FAULT, test only).
#include "worker/worker_client.h"

#include "ptl/report_json.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>

using ptl::ui::WorkerClient;
using namespace std::chrono_literals;

namespace {

QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }

// LibTorch takes a second or more to start, longer on a busy machine.
constexpr int kJobTimeoutMs = 120000;

QProcessEnvironment fault(const QString& name) {
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("PTL_WORKER_FAULT"), name);
    return environment;
}

// Every signal of a client in arrival order, so tests can check order and job ids.
struct Recorder {
    struct Emission {
        QString name;
        quint64 job = 0;
        QString text;
        std::shared_ptr<const ptl::Report> report;
    };
    QList<Emission> emissions;
    QList<std::shared_ptr<const ptl::ConvertResult>> conversions;  // one per "converted" emission
    QList<std::shared_ptr<const ptl::BenchResult>> benchmarks;     // one per "benchmarked" emission
    QStringList log;

    explicit Recorder(WorkerClient& client) {
        QObject::connect(&client, &WorkerClient::progress, [this](quint64 job, const QString& stage, double) {
            emissions.append({QStringLiteral("progress"), job, stage, {}});
        });
        QObject::connect(&client, &WorkerClient::finished, [this](quint64 job, std::shared_ptr<const ptl::Report> report) {
            emissions.append({QStringLiteral("finished"), job, {}, std::move(report)});
        });
        QObject::connect(&client, &WorkerClient::converted,
                         [this](quint64 job, std::shared_ptr<const ptl::ConvertResult> result) {
                             emissions.append({QStringLiteral("converted"), job, {}, {}});
                             conversions.append(std::move(result));
                         });
        QObject::connect(&client, &WorkerClient::benchmarked,
                         [this](quint64 job, std::shared_ptr<const ptl::BenchResult> result) {
                             emissions.append({QStringLiteral("benchmarked"), job, {}, {}});
                             benchmarks.append(std::move(result));
                         });
        QObject::connect(&client, &WorkerClient::failed, [this](quint64 job, const QString& message) {
            emissions.append({QStringLiteral("failed"), job, message, {}});
        });
        QObject::connect(&client, &WorkerClient::cancelled, [this](quint64 job) {
            emissions.append({QStringLiteral("cancelled"), job, {}, {}});
        });
        QObject::connect(&client, &WorkerClient::logLine, [this](const QString& line) { log.append(line); });
    }

    QList<Emission> named(const QString& name) const {
        QList<Emission> found;
        for (const Emission& emission : emissions)
            if (emission.name == name) found.append(emission);
        return found;
    }
    int ends() const {
        return int(named(QStringLiteral("finished")).size() + named(QStringLiteral("converted")).size() +
                   named(QStringLiteral("benchmarked")).size() + named(QStringLiteral("failed")).size() +
                   named(QStringLiteral("cancelled")).size());
    }
    QString last() const { return emissions.isEmpty() ? QString() : emissions.last().name + QLatin1Char(' ') + emissions.last().text; }

    QStringList stages() const {
        QStringList found;
        for (const Emission& emission : named(QStringLiteral("progress"))) found.append(emission.text);
        return found;
    }
    bool hasStageStarting(const QString& prefix) const {
        for (const QString& stage : stages())
            if (stage.startsWith(prefix)) return true;
        return false;
    }
};

// Everything in a folder, hidden files included: what a conversion left behind, temporary
// files (".name.ptl.tmp-XXXXXX") too.
QStringList folderEntries(const QTemporaryDir& dir) {
    return QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

// Static quantization of digits_cnn.pt into `out`, calibrated as `calibration` says.
ptl::ConvertOptions staticQuantization(const QTemporaryDir& out, const QString& calibration) {
    ptl::ConvertOptions options;
    options.output = out.filePath(QStringLiteral("digits.ptl")).toStdString();
    options.quantize = ptl::Quantization::Static;
    options.calibration = ptl::parseCalibrationSource(calibration.toStdString());
    options.mean = {0, 0, 0};  // the fixture's images are the training pixels in [0, 1]
    options.std = {1, 1, 1};
    return options;
}

// Workers the client still holds; retired ones are deleted once they have exited.
int liveWorkers(const WorkerClient& client) { return int(client.findChildren<QProcess*>().size()); }

struct Run {
    int exitCode = -1;
    QList<QJsonObject> events;
};

// The worker's protocol straight, without the client.
Run runWorker(const QByteArray& request, bool closeInput) {
    QProcess process;
    process.start(QStringLiteral(PTL_CLI_PATH), {QStringLiteral("worker")});
    process.write(request);
    if (closeInput) process.closeWriteChannel();
    process.waitForFinished(kJobTimeoutMs);
    Run run{process.exitCode(), {}};
    for (const QByteArray& line : process.readAllStandardOutput().split('\n'))
        if (!line.isEmpty()) run.events.append(QJsonDocument::fromJson(line).object());
    return run;
}

// A stand-in worker that prints `output` whatever it is asked, then exits with `exitCode`: for
// what the real one rarely does (huge reports, stray output, dying without a word).
QString fakeWorker(const QTemporaryDir& dir, const QByteArray& output, int exitCode) {
    QFile out(dir.filePath(QStringLiteral("output")));
    if (!out.open(QIODevice::WriteOnly) || out.write(output) != output.size()) return {};
    const QString path = dir.filePath(QStringLiteral("fake-worker"));
    QFile script(path);
    if (!script.open(QIODevice::WriteOnly)) return {};
    script.write("#!/bin/sh\ncat '" + out.fileName().toUtf8() + "'\nexit " + QByteArray::number(exitCode) + "\n");
    script.setPermissions(script.permissions() | QFileDevice::ExeOwner);
    return path;
}

}  // namespace

class WorkerTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void protocolCancelOnEndOfInput() {
        const Run run = runWorker("{\"job\":\"inspect\",\"model\":\"" + fixture(QStringLiteral("clean_conv.pt")).toUtf8() + "\"}\n",
                                  true);
        QCOMPARE(run.exitCode, 130);
        QVERIFY(!run.events.isEmpty());
        QCOMPARE(run.events.last().value(QStringLiteral("event")).toString(), QStringLiteral("cancelled"));
    }

    void protocolBadRequest() {
        const Run run = runWorker("{\"job\":\"train\",\"model\":\"x.pt\"}\n", false);
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(run.events.size(), 1);
        QCOMPARE(run.events.first().value(QStringLiteral("kind")).toString(), QStringLiteral("usage"));
        QCOMPARE(run.events.first().value(QStringLiteral("message")).toString(),
                 QStringLiteral("worker request: unknown job 'train'"));
    }

    // Once the graph is out the window draws it: the worker's analyses run at a lower priority.
    void analysesYieldToTheWindowAfterGraph() {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(fault(QStringLiteral("hang-after-graph")));  // stays alive after the graph
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(PTL_CLI_PATH), {QStringLiteral("worker")});
        process.write("{\"job\":\"inspect\",\"model\":\"" + fixture(QStringLiteral("clean_conv.pt")).toUtf8() + "\"}\n");
        bool graph = false;
        while (!graph && process.waitForReadyRead(kJobTimeoutMs))
            while (!graph && process.canReadLine())
                graph = QJsonDocument::fromJson(process.readLine()).object().value(QStringLiteral("event")) == QStringLiteral("graph");
        QVERIFY(graph);
        const int expected = std::min(getpriority(PRIO_PROCESS, 0) + 5, 19);
        const QDir tasks(QStringLiteral("/proc/%1/task").arg(process.processId()));
        auto allLowered = [&] {
            const QStringList threads = tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
            for (const QString& thread : threads) {
                QFile stat(tasks.filePath(thread + QStringLiteral("/stat")));
                if (!stat.open(QIODevice::ReadOnly)) return false;
                const QByteArray text = stat.readAll();
                // Fields after the command's closing parenthesis: nice is the 19th field, the 17th here.
                const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
                if (fields.value(16).toInt() != expected) return false;
            }
            return !threads.isEmpty();
        };
        QTRY_VERIFY_WITH_TIMEOUT(allLowered(), 5000);  // the event goes out first, then the worker yields
        process.kill();
        process.waitForFinished();
    }

    void inspectsModel() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        QSignalSpy finished(&client, &WorkerClient::finished);  // also proves the report's metatype
        QVERIFY(finished.isValid());
        const quint64 job = client.inspect(fixture(QStringLiteral("shape_branch.pt")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(finished.size(), 1);
        QVERIFY(qvariant_cast<std::shared_ptr<const ptl::Report>>(finished.first().at(1)) == recorder.emissions.last().report);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("finished"));
        QVERIFY(!recorder.named(QStringLiteral("progress")).isEmpty());
        for (const Recorder::Emission& emission : recorder.emissions) QCOMPARE(emission.job, job);

        const ptl::Report& report = *recorder.emissions.last().report;
        QCOMPARE(report.format, std::string("torchscript"));
        bool shapeDependent = false;
        for (const ptl::Finding& finding : report.findings)
            shapeDependent = shapeDependent || finding.category == "control-flow.shape-dependent";
        QVERIFY(shapeDependent);
        QVERIFY(!client.isRunning());
        QTRY_COMPARE(liveWorkers(client), 0);
    }

    // The early graph goes out lean; its details follow before the result and match the result's.
    void earlyGraphGetsItsDetails() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        std::shared_ptr<const ptl::Report> early, detailed;
        QStringList order;
        connect(&client, &WorkerClient::graphReady, [&](quint64, std::shared_ptr<const ptl::Report> partial) {
            order << QStringLiteral("graph");
            early = std::move(partial);
        });
        connect(&client, &WorkerClient::graphDetailsReady, [&](quint64, std::shared_ptr<const ptl::Report> partial) {
            order << QStringLiteral("details");
            detailed = std::move(partial);
        });
        connect(&client, &WorkerClient::finished, [&] { order << QStringLiteral("finished"); });
        client.inspect(fixture(QStringLiteral("value_branch.pt")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(order, QStringList({QStringLiteral("graph"), QStringLiteral("details"), QStringLiteral("finished")}));
        const ptl::Report& report = *recorder.emissions.last().report;

        const std::vector<ptl::Node>& lean = early->methods.front().graph.nodes;
        const std::vector<ptl::Node>& full = report.methods.front().graph.nodes;
        QCOMPARE(lean.size(), full.size());
        QVERIFY(early->sources.empty());
        int branches = 0, schemas = 0, sources = 0;
        for (const ptl::Node& node : lean) {
            QVERIFY(node.schema.empty());
            if (node.blocks.empty()) {
                QVERIFY(!node.source.known());
            } else {  // an If's box is titled with its source line from the start
                QCOMPARE(node.source.text, full[node.id].source.text);
                branches += !node.source.text.empty();
            }
        }
        QVERIFY(branches > 0);
        const std::vector<ptl::Node>& completed = detailed->methods.front().graph.nodes;
        QCOMPARE(completed.size(), full.size());
        for (const ptl::Node& node : full) {
            QCOMPARE(completed[node.id].kind, node.kind);
            QCOMPARE(completed[node.id].scope, node.scope);
            QCOMPARE(completed[node.id].inputs, node.inputs);
            QCOMPARE(completed[node.id].outputs, node.outputs);
            QCOMPARE(completed[node.id].attributes, node.attributes);
            QCOMPARE(completed[node.id].blocks.size(), node.blocks.size());
            QCOMPARE(completed[node.id].schema, node.schema);
            QCOMPARE(completed[node.id].source.file, node.source.file);
            QCOMPARE(completed[node.id].source.line, node.source.line);
            QCOMPARE(completed[node.id].source.text, node.source.text);
            schemas += !node.schema.empty();
            sources += node.source.line > 0;
        }
        QVERIFY(schemas > 0);
        QVERIFY(sources > 0);
        // Forward's source listings, in the order the result lists them (other methods' follow).
        QVERIFY(!detailed->sources.empty() && detailed->sources.size() <= report.sources.size());
        for (size_t i = 0; i < detailed->sources.size(); ++i) {
            QCOMPARE(detailed->sources[i].file, report.sources[i].file);
            QCOMPARE(detailed->sources[i].text, report.sources[i].text);
        }
    }

    void unreadableModel() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.inspect(fixture(QStringLiteral("bad/empty.pt")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        const QList<Recorder::Emission> failed = recorder.named(QStringLiteral("failed"));
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().text, fixture(QStringLiteral("bad/empty.pt")) + QStringLiteral(": the file is empty"));
    }

    void missingWorker() {
        WorkerClient client(QStringLiteral("/nonexistent/ptl-studio-cli"));
        Recorder recorder(client);
        const quint64 job = client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        QVERIFY(recorder.emissions.isEmpty());  // not before the caller knows the job's id
        QTRY_COMPARE(recorder.ends(), 1);
        QCOMPARE(recorder.emissions.last().job, job);
        QVERIFY2(recorder.last().contains(QStringLiteral("cannot start its worker program /nonexistent/ptl-studio-cli")),
                 qPrintable(recorder.last()));
    }

    void recoversFromAbort() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.setExtraEnvironment(fault(QStringLiteral("abort")));
        client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("failed"));
        QVERIFY2(recorder.last().contains(QStringLiteral("The worker process crashed while inspecting ")) &&
                     recorder.last().contains(QStringLiteral("clean_conv.pt (signal 6, SIGABRT)")) &&
                     recorder.last().contains(QStringLiteral("PTL Studio is still running")),
                 qPrintable(recorder.last()));
        QVERIFY(recorder.log.join(QLatin1Char('\n')).contains(QStringLiteral("PTL_WORKER_FAULT=abort")));

        expectRecovery(client, recorder);
    }

    void recoversFromOutOfMemory() {
#if defined(__SANITIZE_ADDRESS__)
        // The worker of this build is the ASan one too: PTL_WORKER_FAULT=oom caps its address space.
        QSKIP("ASan's shadow memory cannot live under an address-space limit");
#endif
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.setExtraEnvironment(fault(QStringLiteral("oom")));
        client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("failed"));
        QVERIFY2(recorder.last().contains(QStringLiteral("crashed")) && recorder.last().contains(QStringLiteral("more memory")),
                 qPrintable(recorder.last()));
        QVERIFY(recorder.log.join(QLatin1Char('\n')).contains(QStringLiteral("out of memory")));

        expectRecovery(client, recorder);
    }

    void watchdogStopsHang() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.setWatchdogTimeout(2s);
        client.setExtraEnvironment(fault(QStringLiteral("hang")));
        client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("failed"));
        QVERIFY2(recorder.last().contains(QStringLiteral("did not respond for 2 s while inspecting ")),
                 qPrintable(recorder.last()));
        QTRY_COMPARE(liveWorkers(client), 0);  // killed and reaped, not left behind

        // A worker starting LibTorch on a busy machine may be silent for more than 2 s.
        client.setWatchdogTimeout(120s);
        expectRecovery(client, recorder);
    }

    void cancelsHang() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.setExtraEnvironment(fault(QStringLiteral("hang")));
        const quint64 job = client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        QTRY_VERIFY_WITH_TIMEOUT(!recorder.named(QStringLiteral("progress")).isEmpty(), kJobTimeoutMs);
        client.cancel();
        QCOMPARE(recorder.ends(), 1);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("cancelled"));
        QCOMPARE(recorder.emissions.last().job, job);
        QVERIFY(!client.isRunning());
        // A hung worker never reaches a stage boundary: it ends itself 3 s after the request.
        QTRY_COMPARE_WITH_TIMEOUT(liveWorkers(client), 0, 10000);
        QCOMPARE(recorder.ends(), 1);
    }

    // The model's own forward never returns: LibTorch cannot be interrupted, yet cancel is
    // answered at once and the worker ends itself 3 s after the request.
    void cancelsEndlessForward() {
        QTemporaryDir models;
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral(PTL_SOURCE_DIR "/tests/cli/make_containment_models.py"),
                                                          models.path(), models.path()});
        QVERIFY(python.waitForFinished(kJobTimeoutMs));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());

        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        const quint64 job = client.inspect(models.filePath(QStringLiteral("endless.pt")), {QStringLiteral("2x2:float")});
        QTRY_VERIFY_WITH_TIMEOUT(recorder.hasStageStarting(QStringLiteral("Running the model")), kJobTimeoutMs);
        QTest::qWait(500);  // inside forward's loop by now
        QElapsedTimer timer;
        timer.start();
        client.cancel();
        QCOMPARE(recorder.ends(), 1);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("cancelled"));
        QCOMPARE(recorder.emissions.last().job, job);
        QTRY_COMPARE_WITH_TIMEOUT(liveWorkers(client), 0, 10000);
        QVERIFY2(timer.elapsed() >= 2500 && timer.elapsed() < 6000, qPrintable(QString::number(timer.elapsed())));
        expectRecovery(client, recorder);
    }

    void newerJobSupersedes() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.setExtraEnvironment(fault(QStringLiteral("hang")));
        const quint64 first = client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        client.setExtraEnvironment({});
        const quint64 second = client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        QVERIFY(second != first);
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("finished"));
        for (const Recorder::Emission& emission : recorder.emissions) QCOMPARE(emission.job, second);
        QTRY_COMPARE(liveWorkers(client), 0);
    }

    void decodesBigReportOffThread() {
        ptl::Report sent;
        sent.format = "torchscript";
        for (int i = 0; i < 40000; ++i) sent.operators.push_back("aten::operator_" + std::to_string(i));
        const std::string result = nlohmann::json{{"event", "result"}, {"report", ptl::toJson(sent)}}.dump();
        QVERIFY(result.size() > 512 * 1024);  // well past what is decoded on the UI thread
        const QByteArray output = "a model's print() that escaped\n"
                                  "{\"event\":\"progress\",\"stage\":\"Loading\",\"fraction\":0.1}\n" +
                                  QByteArray::fromStdString(result) + "\n";
        QTemporaryDir dir;
        WorkerClient client(fakeWorker(dir, output, 0));
        Recorder recorder(client);
        client.inspect(QStringLiteral("big.pt"));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.emissions.size(), 2);
        QCOMPARE(recorder.emissions.first().name, QStringLiteral("progress"));
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("finished"));
        QVERIFY(ptl::sameReport(*recorder.emissions.last().report, sent));
        QVERIFY(recorder.log.join(QLatin1Char('\n')).contains(QStringLiteral("a model's print() that escaped")));
    }

    void workerEndsWithoutResult() {
        QTemporaryDir dir;
        WorkerClient client(fakeWorker(dir, "{\"event\":\"progress\",\"stage\":\"Loading\",\"fraction\":0.1}\n", 7));
        Recorder recorder(client);
        client.inspect(QStringLiteral("model.pt"));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.last(), QStringLiteral("failed The worker process ended without a result while inspecting "
                                                 "model.pt (exit code 7). PTL Studio is still running; the log has "
                                                 "the worker's messages."));
    }

    void convertsWithStaticQuantization() {
        QTemporaryDir out;
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        QSignalSpy converted(&client, &WorkerClient::converted);  // also proves the result's metatype
        QVERIFY(converted.isValid());
        const ptl::ConvertOptions options = staticQuantization(out, fixture(QStringLiteral("digits_images")));
        const quint64 job = client.convert(fixture(QStringLiteral("digits_cnn.pt")), options);
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.last(), QStringLiteral("converted "));
        QCOMPARE(converted.size(), 1);
        for (const Recorder::Emission& emission : recorder.emissions) QCOMPARE(emission.job, job);
        const ptl::ConvertResult& result = *recorder.conversions.first();
        QVERIFY(qvariant_cast<std::shared_ptr<const ptl::ConvertResult>>(converted.first().at(1)) ==
                recorder.conversions.first());

        QCOMPARE(result.input, fixture(QStringLiteral("digits_cnn.pt")).toStdString());
        QCOMPARE(result.output, options.output);
        QCOMPARE(result.quantization, std::string("static"));
        QCOMPARE(result.backend, std::string("qnnpack"));
        QCOMPARE(result.calibrationBatches, 16);  // the folder's 16 PNGs; its README.txt is skipped
        QVERIFY(result.verification.compared);
        QVERIFY2(result.verification.maxAbsDiff <= result.verification.tolerance,
                 qPrintable(QString::number(result.verification.maxAbsDiff)));
        QCOMPARE(result.verification.opErrors.size(), size_t(3));  // conv1, conv2, fc
        for (const ptl::OpError& error : result.verification.opErrors) {
            QVERIFY2(error.op.rfind("quantized::", 0) == 0, error.op.c_str());
            QVERIFY2(error.sqnrDb > 20, qPrintable(QString::number(error.sqnrDb)));  // int8 keeps ~6 dB a bit
        }
        const QFileInfo file(QString::fromStdString(result.output));
        QVERIFY(file.isFile());
        QCOMPARE(file.size(), qint64(result.outputBytes));
        QVERIFY(result.outputBytes < result.inputBytes / 2);  // int8 weights
        QCOMPARE(folderEntries(out), QStringList{QStringLiteral("digits.ptl")});  // no temporary left

        const QStringList stages = recorder.stages();
        QCOMPARE(stages.first(), QStringLiteral("Loading ") + fixture(QStringLiteral("digits_cnn.pt")));
        QVERIFY2(stages.contains(QStringLiteral("Calibrating: batch 16 of 16")), qPrintable(stages.join(QLatin1Char('|'))));
        QVERIFY(stages.contains(QStringLiteral("Verifying in the Lite Interpreter")));
        QCOMPARE(stages.last(), QStringLiteral("Done"));
        QVERIFY(!client.isRunning());
        QTRY_COMPARE(liveWorkers(client), 0);
    }

    void cancelsConversionDuringCalibration() {
        QTemporaryDir out;
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        const ptl::ConvertOptions options = staticQuantization(out, QStringLiteral("random:20000"));
        const quint64 job = client.convert(fixture(QStringLiteral("digits_cnn.pt")), options);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.hasStageStarting(QStringLiteral("Calibrating")), kJobTimeoutMs);
        const QList<QProcess*> workers = client.findChildren<QProcess*>();
        QCOMPARE(workers.size(), 1);
        QSignalSpy exited(workers.first(), &QProcess::finished);
        // Its log once the client lets go of it: a worker that missed the batch boundary would say
        // that it ended itself after the grace period.
        QByteArray lateLog;
        connect(workers.first(), &QProcess::readyReadStandardError, this,
                [&lateLog, worker = workers.first()] { lateLog += worker->readAllStandardError(); });
        client.cancel();
        QCOMPARE(recorder.ends(), 1);
        QCOMPARE(recorder.last(), QStringLiteral("cancelled "));
        QCOMPARE(recorder.emissions.last().job, job);
        QVERIFY2(recorder.stages().last().startsWith(QStringLiteral("Calibrating: batch ")),
                 qPrintable(recorder.stages().last()));

        // The worker stopped on its own between two batches: exit code 130, not a kill.
        QVERIFY(exited.wait(30000));
        QCOMPARE(exited.first().at(1).value<QProcess::ExitStatus>(), QProcess::NormalExit);
        QCOMPARE(exited.first().at(0).toInt(), 130);
        QVERIFY2(!lateLog.contains("grace period"), lateLog.constData());
        QTRY_COMPARE(liveWorkers(client), 0);
        QCOMPARE(folderEntries(out), QStringList());
        QCOMPARE(recorder.ends(), 1);
    }

    void convertFailsWithoutCalibrationImages() {
        QTemporaryDir out, calibration;
        QFile notAnImage(calibration.filePath(QStringLiteral("README.txt")));
        QVERIFY(notAnImage.open(QIODevice::WriteOnly) && notAnImage.write("no images here\n") > 0);
        notAnImage.close();
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.convert(fixture(QStringLiteral("digits_cnn.pt")), staticQuantization(out, calibration.path()));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.last(), QStringLiteral("failed ") + fixture(QStringLiteral("digits_cnn.pt")) +
                                      QStringLiteral(": the calibration folder ") + calibration.path() +
                                      QStringLiteral(" has no PNG or JPEG images"));
        QVERIFY(recorder.stages().isEmpty());  // checked before the model is read
        QCOMPARE(folderEntries(out), QStringList());
    }

    void convertRecoversFromAbort() {
        QTemporaryDir out;
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        client.setExtraEnvironment(fault(QStringLiteral("abort")));
        client.convert(fixture(QStringLiteral("digits_cnn.pt")), staticQuantization(out, QStringLiteral("random:8")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("failed"));
        QVERIFY2(recorder.last().contains(QStringLiteral("The worker process crashed while converting ")) &&
                     recorder.last().contains(QStringLiteral("digits_cnn.pt (signal 6, SIGABRT)")),
                 qPrintable(recorder.last()));
        QTRY_COMPARE(liveWorkers(client), 0);
        QCOMPARE(folderEntries(out), QStringList());

        expectRecovery(client, recorder);
    }

    void benchmarksLiteModel() {
        WorkerClient client(QStringLiteral(PTL_CLI_PATH));
        Recorder recorder(client);
        QSignalSpy benchmarked(&client, &WorkerClient::benchmarked);
        QVERIFY(benchmarked.isValid());
        ptl::BenchOptions options;
        options.iterations = 5;
        options.warmup = 2;
        const quint64 job = client.bench(fixture(QStringLiteral("clean_conv.ptl")), options);
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.last(), QStringLiteral("benchmarked "));
        QCOMPARE(benchmarked.size(), 1);
        QCOMPARE(recorder.emissions.last().job, job);
        const ptl::BenchResult& result = *recorder.benchmarks.first();
        QCOMPARE(result.model, fixture(QStringLiteral("clean_conv.ptl")).toStdString());
        QCOMPARE(result.samplesMs.size(), size_t(5));
        for (const double sample : result.samplesMs) QVERIFY(sample > 0);
        QVERIFY(result.p50 > 0);
        QVERIFY(result.min <= result.p50 && result.p50 <= result.max);
        QCOMPARE(result.warmup, 2);
        QCOMPARE(result.environment.engine, std::string("Lite Interpreter"));  // a .ptl has no TorchScript
        QCOMPARE(result.environment.threads, 1);
        QVERIFY(recorder.stages().contains(QStringLiteral("Measuring")));
        QTRY_COMPARE(liveWorkers(client), 0);
    }

    void protocolConvertBadOptions() {
        const QByteArray model = fixture(QStringLiteral("digits_cnn.pt")).toUtf8();
        // Options of the wrong JSON type are a usage error (exit 2), like an unknown name.
        Run run = runWorker("{\"job\":\"convert\",\"model\":\"" + model +
                                "\",\"options\":{\"output\":\"/tmp/x.ptl\",\"optimize\":\"yes\"}}\n",
                            false);
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(run.events.size(), 1);
        QCOMPARE(run.events.first().value(QStringLiteral("kind")).toString(), QStringLiteral("usage"));
        const QString message = run.events.first().value(QStringLiteral("message")).toString();
        QVERIFY2(message.startsWith(QString::fromUtf8(model) + QStringLiteral(": \"options\": ")) &&
                     message.contains(QStringLiteral("type must be boolean")),
                 qPrintable(message));

        run = runWorker("{\"job\":\"convert\",\"model\":\"" + model +
                            "\",\"options\":{\"output\":\"/tmp/x.ptl\",\"quantize\":\"int4\"}}\n",
                        false);
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(run.events.last().value(QStringLiteral("message")).toString(),
                 QString::fromUtf8(model) + QStringLiteral(": unknown quantization 'int4' (none, dynamic, static)"));

        run = runWorker("{\"job\":\"bench\",\"model\":\"" + model + "\",\"inputs\":[\"1x1x8x8:float\"]}\n", false);
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(run.events.last().value(QStringLiteral("message")).toString(),
                 QStringLiteral("worker request: \"inputs\" of a bench job belong inside \"options\""));
    }

private:
    // After a failure, the same client runs a normal job to the end.
    void expectRecovery(WorkerClient& client, Recorder& recorder) {
        client.setExtraEnvironment({});
        recorder.emissions.clear();
        const quint64 job = client.inspect(fixture(QStringLiteral("clean_conv.pt")));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.ends(), 1, kJobTimeoutMs);
        QCOMPARE(recorder.emissions.last().name, QStringLiteral("finished"));
        QCOMPARE(recorder.emissions.last().job, job);
        QCOMPARE(recorder.emissions.last().report->format, std::string("torchscript"));
    }
};

QTEST_GUILESS_MAIN(WorkerTest)
#include "tst_worker.moc"
