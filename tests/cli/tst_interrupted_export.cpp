// A conversion killed at any moment leaves the output path as it was or holding a complete model,
// and no partial or temporary file beside it.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

namespace {

const QString kCli = QStringLiteral(PTL_CLI_PATH);
const QByteArray kPrevious = "an earlier export the user keeps";

}  // namespace

class InterruptedExportTest : public QObject {
    Q_OBJECT

    // A kill at each of these moments lands in a different stage: start-up, load, calibration,
    // quantization, export and verification of digits_cnn (about 3 s in all here).
    static QList<int> killDelaysMs() { return {150, 400, 700, 1000, 1400, 1800, 2300, 2900, 3600}; }

    static bool isCompleteModel(const QString& path) {
        QProcess inspect;
        inspect.start(kCli, {QStringLiteral("inspect"), path, QStringLiteral("--json")});
        return inspect.waitForFinished(120000) && inspect.exitStatus() == QProcess::NormalExit && inspect.exitCode() == 0;
    }

private Q_SLOTS:
    void killedConversionLeavesNoPartialFile_data() {
        QTest::addColumn<int>("delayMs");
        for (int delay : killDelaysMs()) QTest::addRow("kill after %d ms", delay) << delay;
    }

    void killedConversionLeavesNoPartialFile() {
        QFETCH(int, delayMs);
        QTemporaryDir folder;
        const QString output = folder.filePath(QStringLiteral("digits.ptl"));
        QFile previous(output);
        QVERIFY(previous.open(QIODevice::WriteOnly));
        previous.write(kPrevious);
        previous.close();

        QProcess convert;
        convert.start(kCli, {QStringLiteral("convert"), QStringLiteral(PTL_FIXTURES_DIR "/digits_cnn.pt"), QStringLiteral("-o"), output,
                             QStringLiteral("--quantize"), QStringLiteral("static"), QStringLiteral("--calib"), QStringLiteral("random:4")});
        QVERIFY(convert.waitForStarted());
        const bool finishedFirst = convert.waitForFinished(delayMs);
        if (!finishedFirst) {
            ::kill(static_cast<pid_t>(convert.processId()), SIGKILL);
            QVERIFY(convert.waitForFinished(10000));
        }

        const QStringList entries = QDir(folder.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
        QCOMPARE(entries, QStringList{QStringLiteral("digits.ptl")});
        QFile result(output);
        QVERIFY(result.open(QIODevice::ReadOnly));
        const QByteArray bytes = result.readAll();
        if (bytes != kPrevious) QVERIFY2(isCompleteModel(output), "the output is neither the earlier file nor a complete model");
        qInfo("%s", bytes == kPrevious ? "output untouched" : "output replaced by a complete model");
    }
};

QTEST_GUILESS_MAIN(InterruptedExportTest)
#include "tst_interrupted_export.moc"
