// The JSON report is the CLI's output and the worker protocol: it must carry every field and
// parse back to an equal report.
#include "ptl/inspect.h"
#include "ptl/report_json.h"

#include <QtTest>

class ReportJsonTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTripsRealReports_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* name : {"shape_branch.pt", "traced_branch.pt", "lite_unsupported.pt", "quant_x86.pt",
                                 "clean_conv.ptl", "clean_conv_flatbuffer.ptl"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void roundTripsRealReports() {
        QFETCH(QString, fixture);
        const ptl::Report report = ptl::inspectModel(PTL_FIXTURES_DIR "/" + fixture.toStdString());
        const std::string text = ptl::toJson(report).dump();
        const ptl::Report parsed = ptl::reportFromJson(nlohmann::json::parse(text));
        QVERIFY(ptl::sameReport(report, parsed));
        QCOMPARE(parsed.findings.size(), report.findings.size());
        QCOMPARE(parsed.methods.size(), report.methods.size());
        if (!report.methods.empty())
            QCOMPARE(parsed.methods.front().graph.nodes.size(), report.methods.front().graph.nodes.size());
        for (size_t i = 0; i < report.findings.size(); ++i) {
            QCOMPARE(parsed.findings[i].severity, report.findings[i].severity);
            QCOMPARE(parsed.findings[i].source.line, report.findings[i].source.line);
            QCOMPARE(parsed.findings[i].nodes, report.findings[i].nodes);
        }
    }

    // The worker's early graph event carries the graphs compactly: read back, they are the same.
    void earlyGraphRoundTrips_data() { roundTripsRealReports_data(); }

    void earlyGraphRoundTrips() {
        QFETCH(QString, fixture);
        const ptl::Report report = ptl::inspectModel(PTL_FIXTURES_DIR "/" + fixture.toStdString());
        const ptl::Report early = ptl::earlyGraphFromJson(nlohmann::json::parse(ptl::earlyGraphJson(report).dump()));
        ptl::Report carried;  // all the early event carries, every node field included
        carried.tool = report.tool;
        carried.file = report.file;
        carried.fileBytes = report.fileBytes;
        carried.format = report.format;
        carried.container = report.container;
        carried.fileFormatVersion = report.fileFormatVersion;
        carried.bytecodeVersion = report.bytecodeVersion;
        carried.methods = report.methods;
        carried.modules = report.modules;
        carried.extraFiles = report.extraFiles;
        QVERIFY(ptl::sameReport(early, carried));
        QCOMPARE(early.methods.size(), report.methods.size());
        // A graph's details travel apart and complete it.
        if (report.methods.empty()) return;
        const ptl::Report completed = ptl::withNodeDetails(early, nlohmann::json::parse(ptl::nodeDetailsJson(report).dump()));
        QCOMPARE(completed.sources.size(), report.sources.size());
        for (size_t id = 0; id < report.methods.front().graph.nodes.size(); ++id) {
            QCOMPARE(completed.methods.front().graph.nodes[id].schema, report.methods.front().graph.nodes[id].schema);
            QCOMPARE(completed.methods.front().graph.nodes[id].source.line, report.methods.front().graph.nodes[id].source.line);
        }
        nlohmann::json wrongGraph = ptl::nodeDetailsJson(report);
        wrongGraph.at("schemas").push_back("one node too many");
        QVERIFY_THROWS_EXCEPTION(std::exception, ptl::withNodeDetails(early, wrongGraph));
    }

    void documentedKeys() {
        const ptl::Report report = ptl::inspectModel(PTL_FIXTURES_DIR "/shape_branch.pt");
        const nlohmann::json json = ptl::toJson(report);
        QCOMPARE(json.at("schema").get<std::string>(), std::string("ptl-studio.report/1"));
        QCOMPARE(json.at("format").get<std::string>(), std::string("torchscript"));
        QCOMPARE(json.at("methods").at(0).at("origin").get<std::string>(), std::string("scripted"));
        const nlohmann::json& finding = json.at("findings").at(0);
        for (const char* key : {"id", "severity", "category", "message", "advice", "source", "nodes", "method"})
            QVERIFY2(finding.contains(key), key);
        QVERIFY(finding.at("source").contains("file"));
        QVERIFY(finding.at("source").contains("line"));
        QCOMPARE(finding.at("severity").get<std::string>(), std::string("warning"));
    }

    void differencesAreSeen() {
        ptl::Report a = ptl::inspectModel(PTL_FIXTURES_DIR "/shape_branch.pt");
        ptl::Report b = a;
        QVERIFY(ptl::sameReport(a, b));
        b.methods.front().graph.nodes.back().source.line += 1;
        QVERIFY(!ptl::sameReport(a, b));
    }

    void missingKeysTakeDefaults() {
        const ptl::Report parsed = ptl::reportFromJson(nlohmann::json::parse(R"({"format": "lite"})"));
        QCOMPARE(parsed.format, std::string("lite"));
        QCOMPARE(parsed.bytecodeVersion, int64_t(-1));
        QVERIFY(parsed.findings.empty());
    }
};

QTEST_GUILESS_MAIN(ReportJsonTest)
#include "tst_report_json.moc"
