// A model's own code cannot take ptl-studio-cli down or touch the user's files: it runs in a
// worker child with a time and a memory limit and without the right to write files, its print()
// goes to stderr, and a child that dies becomes one line naming the file, the stage and the cause.
// The misbehaving models are made by make_containment_models.py, since the files they write to
// are this test's temporary folders.
#include <QtTest>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    qint64 elapsedMs = 0;
    QList<QByteArray> errLines() const { return err.trimmed().split('\n'); }
};

QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }

QStringList entries(const QString& folder) {
    return QDir(folder).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

}  // namespace

class ContainmentTest : public QObject {
    Q_OBJECT

    QTemporaryDir root_;
    QString models_, named_, home_, cwd_, tmp_;

    QString model(const char* name) const { return models_ + QLatin1Char('/') + QLatin1String(name); }

    // The CLI with HOME, TMPDIR and the working folder in this test's folders, so that whatever
    // lands in any of them is seen.
    QProcessEnvironment environment(const QStringList& extra = {}) const {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("HOME"), home_);
        environment.insert(QStringLiteral("TMPDIR"), tmp_);
        for (const QString& pair : extra) environment.insert(pair.section(QLatin1Char('='), 0, 0), pair.section(QLatin1Char('='), 1));
        return environment;
    }

    Run cli(const QStringList& arguments, const QStringList& extraEnvironment = {}) const {
        QProcess process;
        process.setProcessEnvironment(environment(extraEnvironment));
        process.setWorkingDirectory(cwd_);
        QElapsedTimer timer;
        timer.start();
        process.start(QStringLiteral(PTL_CLI_PATH), arguments);
        process.waitForFinished(120000);
        return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError(), timer.elapsed()};
    }

    void verifyNothingWritten() const {
        for (const QString& folder : {named_, home_, cwd_})
            QVERIFY2(entries(folder).isEmpty(), qPrintable(folder + QStringLiteral(": ") + entries(folder).join(QLatin1Char(' '))));
        // The worker's own temporary folder is removed just after it ends.
        QTRY_VERIFY2(entries(tmp_).isEmpty(), qPrintable(entries(tmp_).join(QLatin1Char(' '))));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(root_.isValid());
        const std::pair<QString*, const char*> folders[] = {
            {&models_, "models"}, {&named_, "named"}, {&home_, "home"}, {&cwd_, "cwd"}, {&tmp_, "tmp"}};
        for (const auto& [folder, name] : folders) {
            *folder = root_.filePath(QLatin1String(name));
            QVERIFY(QDir().mkpath(*folder));
        }
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral(PTL_SOURCE_DIR "/tests/cli/make_containment_models.py"), models_, named_});
        QVERIFY(python.waitForFinished(120000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
    }

    void fileAccessIsBlockedAndReported() {
        const Run run = cli({QStringLiteral("inspect"), model("file_access.pt"), QStringLiteral("--input"),
                             QStringLiteral("2x2:float"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const nlohmann::json report = nlohmann::json::parse(run.out.toStdString());
        QStringList accessed;
        for (const nlohmann::json& finding : report.at("findings"))
            if (finding.at("category") == "security.file-access") {
                QCOMPARE(finding.at("severity").get<std::string>(), std::string("error"));
                accessed << QString::fromStdString(finding.at("message").get<std::string>());
            }
        QCOMPARE(accessed.size(), 3);  // two torch.save, one torch.from_file
        QVERIFY2(accessed.join(QLatin1Char('\n')).contains(named_ + QStringLiteral("/saved.pt")), qPrintable(accessed.join(QLatin1Char('\n'))));
        verifyNothingWritten();

        // Convert and bench run forward too: its writes fail there (the conversion goes on
        // without sample outputs to compare), and only the .ptl lands in the output folder.
        QTemporaryDir out;
        const Run converted = cli({QStringLiteral("convert"), model("file_access.pt"), QStringLiteral("--input"),
                                   QStringLiteral("2x2:float"), QStringLiteral("-o"), out.filePath(QStringLiteral("out.ptl"))});
        QVERIFY2(converted.exitCode == 0, converted.err.constData());
        QCOMPARE(entries(out.path()), QStringList{QStringLiteral("out.ptl")});
        const Run bench = cli({QStringLiteral("bench"), model("file_access.pt"), QStringLiteral("--input"),
                               QStringLiteral("2x2:float"), QStringLiteral("--iters"), QStringLiteral("2")});
        QVERIFY2(bench.exitCode == 3 && bench.errLines().size() == 1, bench.err.constData());
        verifyNothingWritten();
    }

    // Without a sandbox (an old kernel), such a model is refused rather than run.
    void fileAccessWithoutSandboxIsRefused() {
        const Run run = cli({QStringLiteral("inspect"), model("file_access.pt"), QStringLiteral("--input"),
                             QStringLiteral("2x2:float")},
                            {QStringLiteral("PTL_WORKER_NO_SANDBOX=1")});
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(run.errLines().size(), 1);
        QVERIFY2(run.err.contains("aten::save") && run.err.contains("refusing to run it"), run.err.constData());
        verifyNothingWritten();
    }

    void printGoesToStderr() {
        const Run run = cli({QStringLiteral("inspect"), model("prints.pt"), QStringLiteral("--input"),
                             QStringLiteral("2x2:float"), QStringLiteral("--json")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(nlohmann::json::accept(run.out.toStdString()));
        QVERIFY2(run.err.contains("hello from forward [2, 2]"), run.err.constData());
    }

    void endlessLoopTimesOut() {
        // The limit is the child's; the command's own start (loading LibTorch) comes on top.
        const Run start = cli({QStringLiteral("--version")});
        const Run run = cli({QStringLiteral("inspect"), model("endless.pt"), QStringLiteral("--input"),
                             QStringLiteral("2x2:float"), QStringLiteral("--timeout"), QStringLiteral("5")});
        QCOMPARE(run.exitCode, 3);
        QCOMPARE(run.errLines().size(), 1);
        QCOMPARE(run.errLines().front(), "ptl-studio-cli: error: " + model("endless.pt").toUtf8() +
                                              ": timed out after 5 s while running the model on sample inputs");
        QVERIFY2(run.elapsedMs < 5000 + start.elapsedMs + 1500,
                 qPrintable(QStringLiteral("%1 ms, the command starting in %2 ms").arg(run.elapsedMs).arg(start.elapsedMs)));
        qInfo("--timeout 5 ended the command after %lld ms (its start alone: %lld ms)", run.elapsedMs, start.elapsedMs);
    }

    // (inspect reports a forward that fails, out of memory too, as input.unknown and goes on.)
    void memoryLimit() {
        const Run badSize = cli({QStringLiteral("inspect"), model("greedy.pt"), QStringLiteral("--memory-limit"),
                                 QStringLiteral("lots")});
        QCOMPARE(badSize.exitCode, 2);
        QVERIFY2(badSize.err.contains("--memory-limit: 'lots' is not a size"), badSize.err.constData());
#if defined(__SANITIZE_ADDRESS__)
        // The CLI of this build is the ASan one, which cannot cap its worker (contained_job.cpp).
        QSKIP("ASan's shadow memory cannot live under a data-size limit");
#endif
        const Run run = cli({QStringLiteral("bench"), model("greedy.pt"), QStringLiteral("--input"),
                             QStringLiteral("2x2:float"), QStringLiteral("--memory-limit"), QStringLiteral("1G")});
        QCOMPARE(run.exitCode, 3);
        QCOMPARE(run.errLines().size(), 1);
        QVERIFY2(run.err.contains("exceeded the 1 GiB memory limit while running the model on sample inputs"),
                 run.err.constData());
    }

    // A crash in the child, here a SIGSEGV sent while forward runs, names the stage it was in.
    void crashNamesTheStage() {
#if defined(__SANITIZE_ADDRESS__)
        QSKIP("ASan catches the SIGSEGV and writes its own report to stderr, which the CLI passes on");
#endif
        QProcess process;
        process.setProcessEnvironment(environment());
        process.setWorkingDirectory(cwd_);
        process.start(QStringLiteral(PTL_CLI_PATH), {QStringLiteral("bench"), model("endless.pt"), QStringLiteral("--input"),
                                                     QStringLiteral("2x2:float"), QStringLiteral("--progress"), QStringLiteral("json")});
        QByteArray progress;
        QTRY_VERIFY_WITH_TIMEOUT((progress += process.readAllStandardError()).contains("Running the model on sample inputs"), 60000);
        QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(process.processId()));
        QVERIFY(children.open(QIODevice::ReadOnly));
        const qint64 worker = children.readAll().trimmed().toLongLong();
        QVERIFY(worker > 0);
        QCOMPARE(::kill(pid_t(worker), SIGSEGV), 0);
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 3);
        const QByteArray err = process.readAllStandardError().trimmed();
        QCOMPARE(err, "ptl-studio-cli: error: " + model("endless.pt").toUtf8() +
                          ": crashed with SIGSEGV while running the model on sample inputs");

        const Run segv = cli({QStringLiteral("inspect"), fixture(QStringLiteral("clean_conv.pt"))},
                             {QStringLiteral("PTL_WORKER_FAULT=segv")});
        QCOMPARE(segv.exitCode, 3);
        QCOMPARE(segv.errLines().size(), 1);
        QVERIFY2(segv.err.contains(": crashed with SIGSEGV while reading"), segv.err.constData());
    }

    // File names that are not UTF-8 reach the worker byte for byte and come out escaped.
    void nonUtf8Names() {
        const std::string folder = root_.path().toStdString();
        const std::string odd = folder + "/model\xff.pt";
        std::filesystem::copy_file(fixture(QStringLiteral("clean_conv.pt")).toStdString(), odd);
        // QProcess takes arguments as QString, which cannot hold the raw byte: a shell passes it.
        const QString script = QStringLiteral("exec \"$0\" inspect \"$(printf '%s/model\\377%s.pt' \"$1\" \"$2\")\" --json");
        QProcess process;
        process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), script, QStringLiteral(PTL_CLI_PATH),
                                                  root_.path(), QString()});
        QVERIFY(process.waitForFinished(120000));
        QCOMPARE(process.exitCode(), 0);
        const nlohmann::json report = nlohmann::json::parse(process.readAllStandardOutput().toStdString());
        QCOMPARE(report.at("file").get<std::string>(), folder + "/model\xef\xbf\xbd.pt");

        process.start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), script, QStringLiteral(PTL_CLI_PATH),
                                                  root_.path(), QStringLiteral("-missing")});
        QVERIFY(process.waitForFinished(120000));
        QCOMPARE(process.exitCode(), 2);
        QCOMPARE(process.readAllStandardError().trimmed().split('\n').size(), 1);
        std::filesystem::remove(odd);  // QTemporaryDir cannot name it
    }
};

QTEST_GUILESS_MAIN(ContainmentTest)
#include "tst_containment.moc"
