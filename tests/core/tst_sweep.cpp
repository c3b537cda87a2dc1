// The shape sweep and compare on real fixtures: a trace that bakes in batch 1 fails at batch 2
// and 4 at its reshape, its scripted source runs at all three with equal outputs at batch 1, a
// shape-dependent if takes the other branch at batch 2, a shape-dependent loop another trip
// count, and every fixture can be swept (the table this test prints is the sweep's findings per
// fixture).
#include "ptl/compare.h"
#include "ptl/errors.h"
#include "ptl/inspect.h"
#include "ptl/report_json.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

namespace {

nlohmann::json expectations() {
    std::ifstream in(PTL_FIXTURES_DIR "/expected.json");
    return nlohmann::json::parse(in);
}

std::string fixture(const std::string& name) { return PTL_FIXTURES_DIR "/" + name; }

ptl::Report swept(const std::string& name, const std::string& spec, std::vector<std::string> inputs = {}) {
    ptl::InspectOptions options;
    options.inputSpecs = std::move(inputs);
    options.roundTrip = false;
    options.sweep = true;
    options.sweepSpec = spec;
    return ptl::inspectModel(fixture(name), options);
}

std::vector<const ptl::Finding*> findingsOf(const ptl::Report& report, const std::string& category) {
    std::vector<const ptl::Finding*> found;
    for (const ptl::Finding& finding : report.findings)
        if (finding.category == category) found.push_back(&finding);
    return found;
}

const ptl::Node& nodeOf(const ptl::Report& report, const ptl::Finding& finding) {
    return report.methods.front().graph.nodes.at(size_t(finding.nodes.at(0)));
}

std::string baseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

int expectedLine(const std::string& fixtureName, const std::string& category) {
    return expectations().at(fixtureName).at("source_lines").at(category).get<int>();
}

}  // namespace

class SweepTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void specSyntax() {
        const auto axes = ptl::parseSweepSpec("batch=1,2,4; scale=0.5,1.5;hw=112x96;seq=16;1x3x8x8:float+1x4:int64");
        QCOMPARE(axes.size(), size_t(5));
        QCOMPARE(axes[0].name, std::string("batch"));
        QCOMPARE(axes[0].values, (std::vector<double>{1, 2, 4}));
        QCOMPARE(axes[1].values, (std::vector<double>{0.5, 1.5}));
        QCOMPARE(axes[2].sizes, (std::vector<std::vector<int64_t>>{{112, 96}}));
        QCOMPARE(axes[4].name, std::string("given"));
        QCOMPARE(axes[4].given, (std::vector<std::string>{"1x3x8x8:float", "1x4:int64"}));
        QVERIFY(ptl::parseSweepSpec("").empty());
        for (const char* bad : {"batch=0", "batch=1.5", "batch=", "depth=3", "hw=112", "scale=-1", "1x3:complex"}) {
            try {
                ptl::parseSweepSpec(bad);
                QFAIL(bad);
            } catch (const std::invalid_argument& problem) {
                QVERIFY2(std::string(problem.what()).find("bad sweep spec") == 0, problem.what());
            }
        }
    }

    void offUnlessAsked() {
        ptl::InspectOptions options;
        options.roundTrip = false;
        const ptl::Report report = ptl::inspectModel(fixture("shape_branch.pt"), options);
        QVERIFY(!report.sweep.requested);
        QVERIFY(!ptl::toJson(report).contains("sweep"));
        QVERIFY(findingsOf(report, "shape.sweep-divergence").empty());
    }

    // The done-when of the sweep: the trace fails at batch 2 and 4, at the reshape that holds
    // the traced-in batch, with LibTorch's error.
    void traceFailsAtOtherBatches() {
        const ptl::Report report = swept("batch_baked_traced.pt", "batch=1,2,4", {"1x1x8x8:float"});
        const ptl::ShapeSweep& sweep = report.sweep;
        QVERIFY(sweep.requested);
        QCOMPARE(sweep.points.size(), size_t(3));
        QCOMPARE(sweep.points[0].label, std::string("batch 1"));
        QVERIFY(sweep.points[0].sample);
        QVERIFY(sweep.points[0].ran);
        QCOMPARE(sweep.points[0].outputShapes, (std::vector<std::vector<int64_t>>{{1, 3}}));
        for (size_t i : {1, 2}) {
            const ptl::SweepPoint& point = sweep.points[i];
            QCOMPARE(point.label, "batch " + std::to_string(i == 1 ? 2 : 4));
            QVERIFY(!point.ran);
            QVERIFY2(point.error.find("shape '[1, 256]' is invalid for input of size") != std::string::npos,
                     point.error.c_str());
            QCOMPARE(report.methods.front().graph.nodes.at(size_t(point.errorNode)).kind, std::string("aten::reshape"));
        }
        const auto failures = findingsOf(report, "shape.sweep-failure");
        QCOMPARE(failures.size(), size_t(1));  // one node, both batches
        const ptl::Finding& finding = *failures.front();
        QCOMPARE(nodeOf(report, finding).kind, std::string("aten::reshape"));
        QCOMPARE(baseName(finding.source.file), std::string("make_fixtures.py"));
        QCOMPARE(finding.source.line, expectedLine("batch_baked_traced.pt", "trace.specialized-constant"));
        QVERIFY(finding.message.find("batch 2, batch 4") != std::string::npos);

        const ptl::Report back = ptl::reportFromJson(ptl::toJson(report));
        QVERIFY(ptl::sameReport(back, report));
        QCOMPARE(back.sweep.points[2].errorNode, sweep.points[2].errorNode);
    }

    void scriptedSourceRunsAtEveryBatch() {
        const ptl::Report report = swept("batch_baked_scripted.pt", "batch=1,2,4");
        QCOMPARE(report.sweep.points.size(), size_t(3));
        for (const ptl::SweepPoint& point : report.sweep.points) {
            QVERIFY2(point.ran, point.error.c_str());
            QCOMPARE(point.outputShapes.at(0).at(0), int64_t(std::stoi(point.label.substr(6))));
        }
        QVERIFY(findingsOf(report, "shape.sweep-failure").empty());
        QVERIFY(findingsOf(report, "shape.sweep-divergence").empty());
    }

    // shape_branch's `if x.shape[0] > 1:` takes the else branch at the sample (batch 1) and the
    // then branch at 2 and 4: a divergence at that if, on its line.
    void branchDivergesWithTheBatch() {
        const ptl::Report report = swept("shape_branch.pt", "");
        QVERIFY(report.sweep.spec.empty());
        QCOMPARE(report.sweep.points.size(), size_t(3));
        const auto divergences = findingsOf(report, "shape.sweep-divergence");
        QCOMPARE(divergences.size(), size_t(1));
        const ptl::Finding& finding = *divergences.front();
        QCOMPARE(nodeOf(report, finding).kind, std::string("prim::If"));
        QCOMPARE(finding.source.line, expectedLine("shape_branch.pt", "control-flow.shape-dependent"));
        const int ifNode = finding.nodes.front();
        for (const ptl::SweepPoint& point : report.sweep.points) {
            const auto decision = std::find_if(point.decisions.begin(), point.decisions.end(),
                                               [&](const ptl::SweepDecision& d) { return d.node == ifNode; });
            QVERIFY(decision != point.decisions.end());
            QCOMPARE(decision->taken, std::vector<int64_t>{point.sample ? 1 : 0});  // else at batch 1
            QCOMPARE(point.diverged, !point.sample);
        }
    }

    // value_branch's `while bool(y.norm() > 1.0): y = y * 0.5` halves until the norm is small:
    // a batch of 4 has the larger norm and takes another trip. A point given in full counts too.
    void loopTripCountFollowsTheShape() {
        const ptl::Report report = swept("value_branch.pt", "batch=1;4x8:float", {"1x8:float"});
        QCOMPARE(report.sweep.points.size(), size_t(2));
        QCOMPARE(report.sweep.points[1].label, std::string("given 1"));
        auto loopOf = [](const ptl::SweepPoint& point) {
            for (const ptl::SweepDecision& decision : point.decisions)
                if (decision.kind == "prim::Loop") return decision;
            return ptl::SweepDecision{};
        };
        const ptl::SweepDecision sample = loopOf(report.sweep.points[0]), four = loopOf(report.sweep.points[1]);
        QCOMPARE(sample.taken.size(), size_t(1));
        QCOMPARE(four.taken.size(), size_t(1));
        QVERIFY(four.taken[0] > sample.taken[0]);
        const auto divergences = findingsOf(report, "shape.sweep-divergence");
        const auto loop = std::find_if(divergences.begin(), divergences.end(), [&](const ptl::Finding* finding) {
            return nodeOf(report, *finding).kind == "prim::Loop";
        });
        QVERIFY(loop != divergences.end());
        QCOMPARE((*loop)->nodes.front(), four.node);
        const auto lines = expectations().at("value_branch.pt").at("all_source_lines").at("control-flow.value-dependent");
        QCOMPARE((*loop)->source.line, lines.at(1).get<int>());  // the while line
        QVERIFY((*loop)->message.find("given 1: " + std::to_string(four.taken[0]) + " trips") != std::string::npos);
    }

    // Image sizes given in full; the sample's own shape, asked for by no axis, comes first.
    void imageSizesGiven() {
        const ptl::Report report = swept("static_guard.pt", "hw=12x20;scale=0.5", {"1x3x16x16:float"});
        QCOMPARE(report.sweep.points.size(), size_t(3));
        QCOMPARE(report.sweep.points[0].label, std::string("sample"));
        QVERIFY(report.sweep.points[0].sample);
        QCOMPARE(report.sweep.points[1].label, std::string("image 12x20"));
        QCOMPARE(report.sweep.points[1].inputs, std::vector<std::string>{"1x3x12x20:float32"});
        QCOMPARE(report.sweep.points[1].outputShapes, (std::vector<std::vector<int64_t>>{{1, 4, 12, 20}}));
        QCOMPARE(report.sweep.points[2].label, std::string("image 8x8 (0.5x)"));
        QVERIFY(report.sweep.points[2].ran);
    }

    void badSpecIsRefusedBeforeLoading() {
        QVERIFY_EXCEPTION_THROWN(swept("shape_branch.pt", "batch=two"), std::invalid_argument);
        // An axis no input has.
        QVERIFY_EXCEPTION_THROWN(swept("shape_branch.pt", "seq=16"), std::invalid_argument);
        QVERIFY_EXCEPTION_THROWN(swept("shape_branch.pt", "1x8:float+1x8:float"), std::invalid_argument);
    }

    void progressAndCancel() {
        ptl::InspectOptions options;
        options.roundTrip = false;
        options.sweep = true;
        options.sweepSpec = "batch=1,2,4,8";
        QStringList stages;
        ptl::JobControl job;
        job.progress = [&](const std::string& stage, double) { stages << QString::fromStdString(stage); };
        ptl::inspectModel(fixture("shape_branch.pt"), options, job);
        QVERIFY(stages.contains(QStringLiteral("Shape sweep: batch 2 (2 of 4)")));

        bool sweeping = false;
        job.progress = [&](const std::string& stage, double) { sweeping = sweeping || stage.rfind("Shape sweep", 0) == 0; };
        job.cancelled = [&] { return sweeping; };
        QVERIFY_EXCEPTION_THROWN(ptl::inspectModel(fixture("shape_branch.pt"), options, job), ptl::Cancelled);
    }

    // The done-when of compare: traced against its scripted source at batch 1, 2 and 4.
    void compareTraceWithItsScriptedSource() {
        ptl::CompareOptions options;
        options.sweep = "batch=1,2,4";
        const ptl::Comparison comparison =
            ptl::compareModels(fixture("batch_baked_traced.pt"), fixture("batch_baked_scripted.pt"), options);
        QCOMPARE(comparison.a.origin, std::string("traced"));
        QCOMPARE(comparison.b.origin, std::string("scripted"));
        QVERIFY(comparison.outputProblem.empty());
        QCOMPARE(comparison.points.size(), size_t(3));
        const ptl::ComparedPoint& one = comparison.points[0];
        QCOMPARE(one.label, std::string("batch 1"));
        QVERIFY(one.a.ran && one.b.ran && one.compared);
        QCOMPARE(one.maxAbsDiff, 0.0);
        QVERIFY(one.cosine > 0.999999);
        for (size_t i : {1, 2}) {
            const ptl::ComparedPoint& point = comparison.points[i];
            QVERIFY(!point.a.ran);
            QVERIFY(point.a.error.find("is invalid for input of size") != std::string::npos);
            QVERIFY2(point.b.ran, point.b.error.c_str());
            QVERIFY(!point.compared);
        }
        QCOMPARE(ptl::differingPoints(comparison, 1e-6), 2);

        // The scripted source reads the batch from the input; the trace holds a constant.
        const auto size = std::find_if(comparison.ops.begin(), comparison.ops.end(),
                                       [](const ptl::OpCountDiff& op) { return op.op == "aten::size"; });
        QVERIFY(size != comparison.ops.end());
        QCOMPARE(size->a, int64_t(0));
        QCOMPARE(size->delta(), int64_t(1));
        const auto fc = std::find_if(comparison.modules.begin(), comparison.modules.end(),
                                     [](const ptl::ModuleDiff& diff) { return diff.path == "fc"; });
        QVERIFY(fc == comparison.modules.end());  // same layer, same weights: not a difference

        const ptl::Comparison back = ptl::comparisonFromJson(ptl::toJson(comparison));
        QCOMPARE(ptl::toJson(back), ptl::toJson(comparison));
    }

    // The structural diff from two reports alone: a float and a quantized variant of one layer.
    void structureFromReports() {
        ptl::Report a, b;
        a.modules = {{"", "__torch__.Net", 0, 0, 0, 0, {}, {}}, {"fc", "__torch__.torch.nn.modules.linear.Linear", 0, 0, 0, 0, {}, {}},
                     {"drop", "__torch__.Dropout", 0, 0, 0, 0, {}, {}}};
        b.modules = {{"", "__torch__.___torch_mangle_3.Net", 0, 0, 0, 0, {}, {}},
                     {"fc", "__torch__.torch.ao.nn.quantized.modules.linear.Linear", 0, 0, 0, 0, {}, {}},
                     {"quant", "__torch__.Quantize", 0, 0, 0, 0, {}, {}}};
        a.tensors = {{"fc.weight", "parameter", {4, 8}, "float32", 128, {}}};
        b.tensors = {{"fc._packed_params", "packed", {4, 8}, "qint8", 32, {}}};
        ptl::Method forwardA, forwardB;
        forwardA.name = forwardB.name = "forward";
        forwardA.graph.nodes = {{}, {}};
        forwardA.graph.nodes[0].kind = "aten::linear";
        forwardA.graph.nodes[0].scope = "fc";
        forwardA.graph.nodes[1].kind = "prim::Constant";
        forwardB.graph.nodes = {{}};
        forwardB.graph.nodes[0].kind = "quantized::linear";
        forwardB.graph.nodes[0].scope = "fc";
        a.methods = {forwardA};
        b.methods = {forwardB};
        ptl::Comparison comparison;
        ptl::diffStructure(a, b, comparison);
        QCOMPARE(comparison.ops.size(), size_t(2));  // constants are not counted
        QCOMPARE(comparison.modules.size(), size_t(3));
        QCOMPARE(comparison.modules[0].path, std::string("fc"));
        QCOMPARE(comparison.modules[0].change, std::string("changed"));
        QCOMPARE(comparison.modules[0].ops.size(), size_t(2));
        QCOMPARE(comparison.modules[0].tensors,
                 (std::vector<std::string>{"_packed_params: (none) -> 4x8 qint8", "weight: 4x8 float32 -> (none)"}));
        QCOMPARE(comparison.modules[1].change, std::string("removed"));  // drop
        QCOMPARE(comparison.modules[2].change, std::string("added"));    // quant
    }

    // Every fixture can be swept with the derived shapes; the printed table is what it found.
    void everyFixture_data() {
        QTest::addColumn<QString>("name");
        const nlohmann::json all = expectations();
        for (const auto& [name, entry] : all.items()) QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }
    void everyFixture() {
        QFETCH(QString, name);
        // The example inputs the fixture was made with, as tst_findings gives them (bundled ones stay bundled).
        std::vector<std::string> inputs;
        const nlohmann::json expected = expectations().at(name.toStdString());
        for (const auto& input : expected.value("inputs", nlohmann::json::array())) {
            if (!input.contains("shape") || name == QLatin1String("bundled_inputs.pt")) continue;
            std::string spec;
            for (const auto& dim : input.at("shape")) spec += (spec.empty() ? "" : "x") + std::to_string(dim.get<int>());
            inputs.push_back(spec + ":" + input.at("dtype").get<std::string>());
        }
        if (name == QLatin1String("dict_input.pt")) inputs.clear();
        const ptl::Report report = swept(name.toStdString(), "", inputs);
        const ptl::ShapeSweep& sweep = report.sweep;
        QVERIFY(sweep.requested);
        QVERIFY(!sweep.points.empty() || !sweep.problem.empty());
        std::string row;
        for (const ptl::SweepPoint& point : sweep.points) {
            row += (row.empty() ? "" : "; ") + point.label + (point.sample ? "*" : "") + " " +
                   (point.ran ? (point.diverged ? "ran, other path" : "ran") : "FAILED");
            QVERIFY(point.ran || !point.error.empty());
        }
        if (!sweep.points.empty()) QVERIFY2(sweep.points.front().sample, name.toUtf8().constData());
        qInfo("sweep | %s | %s | %zu failure finding(s), %zu divergence finding(s)", qPrintable(name),
              sweep.problem.empty() ? row.c_str() : ("not run: " + sweep.problem).c_str(),
              findingsOf(report, "shape.sweep-failure").size(), findingsOf(report, "shape.sweep-divergence").size());
    }
};

QTEST_GUILESS_MAIN(SweepTest)
#include "tst_sweep.moc"
