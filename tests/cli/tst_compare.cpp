// ptl-studio-cli compare and inspect --sweep as users run them: the summary, --json, exit codes
// (0 compared even with differences, 1 with --fail-on-diff, 2 bad arguments), and the worker's
// compare request.
#include "support/process_run.h"

#include <QtTest>

#include <nlohmann/json.hpp>

using ptl::test::Run;

namespace {

Run cli(const QStringList& arguments, const QByteArray& input = {}) {
    return ptl::test::runProcess(QStringLiteral(PTL_CLI_PATH), arguments, 120000, input);
}

QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }
const QString kTraced = fixture(QStringLiteral("batch_baked_traced.pt"));
const QString kScripted = fixture(QStringLiteral("batch_baked_scripted.pt"));

}  // namespace

class CompareCliTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void summaryNamesTheFailingBatches() {
        const Run run = cli({QStringLiteral("compare"), kTraced, kScripted, QStringLiteral("--sweep"),
                             QStringLiteral("batch=1,2,4"), QStringLiteral("--progress"), QStringLiteral("none")});
        QCOMPARE(run.exitCode, 0);  // compared: the differences are the output, not a failure
        const QString out = QString::fromUtf8(run.out);
        QVERIFY2(out.contains(QRegularExpression(QStringLiteral("batch 1 \\*\\s+1x1x8x8:float32\\s+ran\\s+ran\\s+0\\s+1\\.00000"))),
                 qPrintable(out));
        QVERIFY(out.contains(QRegularExpression(QStringLiteral("batch 2\\s+2x1x8x8:float32\\s+failed\\s+ran"))));
        QVERIFY(out.contains(QRegularExpression(QStringLiteral("batch 4\\s+4x1x8x8:float32\\s+failed\\s+ran"))));
        QVERIFY(out.contains(QStringLiteral("A: RuntimeError: shape '[1, 256]' is invalid for input of size 512")));
        QVERIFY(out.contains(QStringLiteral("aten::size")));
    }

    void jsonAndFailOnDiff() {
        const QStringList arguments{QStringLiteral("compare"), kTraced, kScripted, QStringLiteral("--sweep=batch=1,2,4"),
                                    QStringLiteral("--json")};
        const Run run = cli(arguments);
        QCOMPARE(run.exitCode, 0);
        const nlohmann::json json = nlohmann::json::parse(run.out.toStdString());
        QCOMPARE(json.at("schema").get<std::string>(), std::string("ptl-studio.compare/1"));
        const auto& points = json.at("points");
        QCOMPARE(points.size(), size_t(3));
        QCOMPARE(points[0].at("compared").get<bool>(), true);
        QCOMPARE(points[0].at("maxAbsDiff").get<double>(), 0.0);
        QCOMPARE(points[1].at("a").at("ran").get<bool>(), false);
        QCOMPARE(points[1].at("b").at("ran").get<bool>(), true);
        QCOMPARE(points[2].at("b").at("outputShapes"), nlohmann::json::parse("[[4,3]]"));

        Run failing = cli(arguments + QStringList{QStringLiteral("--fail-on-diff"), QStringLiteral("0.001")});
        QCOMPARE(failing.exitCode, 1);
        // The same model against itself differs nowhere.
        const Run same = cli({QStringLiteral("compare"), kScripted, kScripted, QStringLiteral("--fail-on-diff"),
                              QStringLiteral("0")});
        QCOMPARE(same.exitCode, 0);
        QVERIFY(same.out.contains("0 with another count in B"));
    }

    void badArguments() {
        const Run spec = cli({QStringLiteral("compare"), kTraced, kScripted, QStringLiteral("--sweep=batch=zero")});
        QCOMPARE(spec.exitCode, 2);
        QVERIFY2(spec.err.contains("bad sweep spec 'batch=zero'"), spec.err.constData());
        QCOMPARE(spec.err.count('\n'), 1);
        const Run missing = cli({QStringLiteral("compare"), kTraced, fixture(QStringLiteral("no_such.pt"))});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains("no_such.pt"), missing.err.constData());
        const Run axis = cli({QStringLiteral("inspect"), kTraced, QStringLiteral("--sweep=seq=16")});
        QCOMPARE(axis.exitCode, 2);
        QVERIFY2(axis.err.contains("'seq' fits no input"), axis.err.constData());
    }

    void inspectSweepSummary() {
        const Run run = cli({QStringLiteral("inspect"), kTraced, QStringLiteral("--sweep"), QStringLiteral("batch=1,2,4")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("Shape sweep (batch=1,2,4): 3 shapes, 2 failed"));
        QVERIFY(run.out.contains("shape.sweep-failure"));
        // Without a value the shapes are derived from the sample input.
        const Run derived = cli({QStringLiteral("inspect"), fixture(QStringLiteral("shape_branch.pt")), QStringLiteral("--sweep")});
        QCOMPARE(derived.exitCode, 0);
        QVERIFY(derived.out.contains("Shape sweep (derived from the sample inputs)"));
        QVERIFY(derived.out.contains("shape.sweep-divergence"));
        // And without --sweep there is none.
        const Run plain = cli({QStringLiteral("inspect"), fixture(QStringLiteral("shape_branch.pt"))});
        QVERIFY(!plain.out.contains("Shape sweep"));
    }

    void workerRequests() {
        const QByteArray compare = QByteArray("{\"job\":\"compare\",\"model\":\"") + kTraced.toUtf8() + "\",\"other\":\"" +
                                   kScripted.toUtf8() + "\",\"sweep\":\"batch=1,2\"}\n";
        const Run run = cli({QStringLiteral("worker")}, compare);
        QCOMPARE(run.exitCode, 0);
        const QList<QByteArray> lines = run.out.trimmed().split('\n');
        bool progress = false;
        for (const QByteArray& line : lines) progress = progress || line.contains("\"Comparing outputs: batch 2 (2 of 2)\"");
        QVERIFY(progress);
        const nlohmann::json result = nlohmann::json::parse(lines.back().toStdString());
        QCOMPARE(result.at("event").get<std::string>(), std::string("result"));
        QCOMPARE(result.at("compare").at("points").size(), size_t(2));

        const Run noOther = cli({QStringLiteral("worker")}, QByteArray("{\"job\":\"compare\",\"model\":\"a.pt\"}\n"));
        QCOMPARE(noOther.exitCode, 2);
        QVERIFY(noOther.out.contains("names no \\\"other\\\" model file"));
        const Run benchSweep =
            cli({QStringLiteral("worker")}, QByteArray("{\"job\":\"bench\",\"model\":\"a.pt\",\"sweep\":\"batch=2\"}\n"));
        QCOMPARE(benchSweep.exitCode, 2);
        QVERIFY(benchSweep.out.contains("takes no \\\"sweep\\\""));
    }
};

QTEST_GUILESS_MAIN(CompareCliTest)
#include "tst_compare.moc"
