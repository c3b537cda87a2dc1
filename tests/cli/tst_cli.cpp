// ptl-studio-cli as users and CI pipelines run it: exit codes, stdout for data, one clear line
// on stderr for errors.
#include "support/process_run.h"

#include <QtTest>

#include <nlohmann/json.hpp>

using ptl::test::Run;

namespace {

Run cli(const QStringList& arguments) { return ptl::test::runProcess(QStringLiteral(PTL_CLI_PATH), arguments); }

QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }

}  // namespace

class CliTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void helpAndVersion() {
        const Run help = cli({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("inspect"));
        QVERIFY(help.out.contains("Exit codes"));
        const Run inspectHelp = cli({QStringLiteral("inspect"), QStringLiteral("--help")});
        QCOMPARE(inspectHelp.exitCode, 0);
        QVERIFY(inspectHelp.out.contains("--fail-on"));
        const Run version = cli({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith("ptl-studio "));
    }

    void jsonReport() {
        const Run run = cli({QStringLiteral("inspect"), fixture(QStringLiteral("shape_branch.pt")), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json json = nlohmann::json::parse(run.out.toStdString());
        QCOMPARE(json.at("format").get<std::string>(), std::string("torchscript"));
        QCOMPARE(json.at("methods").at(0).at("name").get<std::string>(), std::string("forward"));
        bool shape = false;
        for (const auto& finding : json.at("findings"))
            shape = shape || finding.at("category") == "control-flow.shape-dependent";
        QVERIFY(shape);
    }

    void readableSummary() {
        const Run run = cli({QStringLiteral("inspect"), fixture(QStringLiteral("lite_unsupported.pt"))});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("lite.unsupported"));
        QVERIFY(run.out.contains("make_fixtures.py:"));
        QVERIFY(run.out.contains("ENTER is not supported in mobile module"));
    }

    void failOnThreshold() {
        const QString model = fixture(QStringLiteral("value_branch.pt"));  // warnings, no errors
        QCOMPARE(cli({QStringLiteral("inspect"), model, QStringLiteral("--fail-on"), QStringLiteral("warning")}).exitCode, 1);
        QCOMPARE(cli({QStringLiteral("inspect"), model, QStringLiteral("--fail-on"), QStringLiteral("error")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("inspect"), model, QStringLiteral("--fail-on"), QStringLiteral("bogus")}).exitCode, 2);
    }

    void unreadableModelExitsTwo_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("empty") << "bad/empty.pt";
        QTest::newRow("zip bomb") << "bad/zip_bomb.pt";
        QTest::newRow("missing") << "bad/nope.pt";
        QTest::newRow("directory") << "bad";
    }

    void unreadableModelExitsTwo() {
        QFETCH(QString, file);
        const Run run = cli({QStringLiteral("inspect"), fixture(file)});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.out.isEmpty());
        const QList<QByteArray> lines = run.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY(lines.front().startsWith("ptl-studio-cli: error: " + fixture(file).toUtf8() + ": "));
    }

    void convertAndBench() {
        QTemporaryDir directory;
        const QString output = directory.filePath(QStringLiteral("out.ptl"));
        const Run converted = cli({QStringLiteral("convert"), fixture(QStringLiteral("clean_conv.pt")), QStringLiteral("-o"),
                                   output, QStringLiteral("--json")});
        QCOMPARE(converted.exitCode, 0);
        const nlohmann::json result = nlohmann::json::parse(converted.out.toStdString());
        QVERIFY(result.at("verification").at("compared").get<bool>());
        QVERIFY(QFileInfo::exists(output));
        // Weights by module after each step, the same layers in the source and the export.
        const nlohmann::json& sizes = result.at("sizes");
        QCOMPARE(sizes.front().at("variant").get<std::string>(), std::string("source"));
        QCOMPARE(sizes.back().at("variant").get<std::string>(), std::string("exported"));
        QCOMPARE(sizes.back().at("moduleBytes").at("fc"), sizes.front().at("moduleBytes").at("fc"));

        // The readable summary of a dynamic conversion of recurrent layers.
        const Run rnn = cli({QStringLiteral("convert"), fixture(QStringLiteral("rnn_classifier.pt")), QStringLiteral("-o"),
                             directory.filePath(QStringLiteral("rnn.ptl")), QStringLiteral("--quantize"),
                             QStringLiteral("dynamic")});
        QCOMPARE(rnn.exitCode, 0);
        QVERIFY2(rnn.out.contains("weights by module") && rnn.out.contains("aten::quantized_lstm"), rnn.out.constData());

        const Run rejected = cli({QStringLiteral("convert"), fixture(QStringLiteral("lite_unsupported.pt")), QStringLiteral("-o"),
                                  directory.filePath(QStringLiteral("rejected.ptl"))});
        QCOMPARE(rejected.exitCode, 3);
        QVERIFY(rejected.err.contains("ENTER is not supported"));
        QVERIFY(!QFileInfo::exists(directory.filePath(QStringLiteral("rejected.ptl"))));

        const Run sameFile = cli({QStringLiteral("convert"), output, QStringLiteral("-o"), output});
        QCOMPARE(sameFile.exitCode, 2);
        QVERIFY(sameFile.err.contains("refusing to overwrite the input model"));

        const Run bench = cli({QStringLiteral("bench"), output, QStringLiteral("--iters"), QStringLiteral("5"),
                               QStringLiteral("--warmup"), QStringLiteral("1"), QStringLiteral("--json")});
        QCOMPARE(bench.exitCode, 0);
        const nlohmann::json figures = nlohmann::json::parse(bench.out.toStdString());
        QCOMPARE(figures.at("samplesMs").size(), size_t(5));
        QVERIFY(figures.at("measuredOn").get<std::string>().find("not phone latency") != std::string::npos);

        const Run progress = cli({QStringLiteral("bench"), output, QStringLiteral("--iters"), QStringLiteral("3"),
                                  QStringLiteral("--progress"), QStringLiteral("json")});
        QCOMPARE(progress.exitCode, 0);
        QVERIFY(progress.err.contains("{\"event\":\"progress\""));
    }

    // Inspecting a .ptl reads its bytecode (constants, the round trip) from one loaded module.
    void liteFileLoadedOnce() {
        const Run run = cli({QStringLiteral("--verbose"), QStringLiteral("inspect"), fixture(QStringLiteral("clean_conv.ptl")),
                             QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json json = nlohmann::json::parse(run.out.toStdString());
        QVERIFY(json.at("roundTrip").at("reloaded").get<bool>());
        QVERIFY(json.at("roundTrip").at("compared").get<bool>());
        QCOMPARE(run.err.count("loaded in the Lite Interpreter"), 1);
    }

    void badInputSpecExitsTwo() {
        const Run run = cli({QStringLiteral("inspect"), fixture(QStringLiteral("clean_conv.pt")), QStringLiteral("--input"),
                             QStringLiteral("1xAx3:float")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("bad input spec '1xAx3:float'"));
    }
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_cli.moc"
