// Every finding category is reported on the fixtures that have it, at the right source line,
// and not on the fixtures that do not. The table is tests/fixtures/expected.json, written by the
// script that makes the fixtures.
#include "ptl/inspect.h"
#include "ptl/input_spec.h"
#include "ptl/report_json.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

namespace {

nlohmann::json expectations() {
    std::ifstream in(PTL_FIXTURES_DIR "/expected.json");
    return nlohmann::json::parse(in);
}

std::set<std::string> categories(const ptl::Report& report) {
    std::set<std::string> found;
    for (const ptl::Finding& finding : report.findings) found.insert(finding.category);
    return found;
}

QString list(const std::set<std::string>& items) {
    QStringList names;
    for (const std::string& item : items) names << QString::fromStdString(item);
    return names.join(QStringLiteral(", "));
}

// Inspections are the expensive part: each fixture is inspected once per run.
const ptl::Report& inspected(const std::string& name) {
    static std::map<std::string, ptl::Report> cache;
    const auto found = cache.find(name);
    if (found != cache.end()) return found->second;
    ptl::InspectOptions options;
    const nlohmann::json expected = expectations().at(name);
    for (const auto& input : expected.value("inputs", nlohmann::json::array())) {
        if (!input.contains("shape")) continue;  // not a tensor: the model's own problem to report
        std::string spec;
        for (const auto& dim : input.at("shape")) spec += (spec.empty() ? "" : "x") + std::to_string(dim.get<int>());
        options.inputSpecs.push_back(spec + ":" + input.at("dtype").get<std::string>());
    }
    if (name == "bundled_inputs.pt" || name == "dict_input.pt") options.inputSpecs.clear();
    return cache.emplace(name, ptl::inspectModel(PTL_FIXTURES_DIR "/" + name, options)).first->second;
}

}  // namespace

class FindingsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fixture_data() {
        QTest::addColumn<QString>("name");
        const nlohmann::json all = expectations();
        for (const auto& entry : all.items()) QTest::newRow(entry.key().c_str()) << QString::fromStdString(entry.key());
    }

    void fixture() {
        QFETCH(QString, name);
        const nlohmann::json expected = expectations().at(name.toStdString());
        const ptl::Report& report = inspected(name.toStdString());
        QCOMPARE(QString::fromStdString(report.format), QString::fromStdString(expected.at("format")));
        if (report.container != "flatbuffer") {
            QVERIFY(!report.methods.empty());
            QCOMPARE(report.methods.front().name, std::string("forward"));
            QCOMPARE(QString::fromStdString(report.methods.front().origin),
                     QString::fromStdString(expected.at("origin")));
        }

        const std::set<std::string> found = categories(report);
        for (const std::string category : expected.at("must"))
            QVERIFY2(found.count(category), qPrintable("missing " + QString::fromStdString(category) + "; found: " + list(found)));
        for (const std::string category : expected.at("must_not"))
            QVERIFY2(!found.count(category), qPrintable("unexpected " + QString::fromStdString(category)));

        // Each finding points at the Python line of the construct.
        const nlohmann::json lines = expected.value("source_lines", nlohmann::json::object());
        for (const auto& [category, line] : lines.items()) {
            bool atLine = false;
            for (const ptl::Finding& finding : report.findings)
                if (finding.category == category && finding.source.line == line.get<int>() &&
                    QString::fromStdString(finding.source.file).endsWith(QLatin1String("make_fixtures.py")))
                    atLine = true;
            QVERIFY2(atLine, qPrintable(QString::fromStdString(category) + " not reported at make_fixtures.py:" +
                                        QString::number(line.get<int>())));
        }
    }

    void findingsPointAtNodes() {
        const ptl::Report& report = inspected("shape_branch.pt");
        const ptl::Graph& graph = report.methods.front().graph;
        int checked = 0;
        for (const ptl::Finding& finding : report.findings) {
            if (finding.category != "control-flow.shape-dependent") continue;
            QVERIFY(!finding.nodes.empty());
            for (const int id : finding.nodes) {
                const std::string& kind = graph.nodes.at(id).kind;
                QVERIFY(kind == "prim::If" || kind == "prim::Loop");
                ++checked;
            }
            QVERIFY(!finding.source.text.empty());
        }
        QVERIFY(checked >= 2);  // the if and the for
    }

    void graphHasNestedBlocksAndScopes() {
        const ptl::Report& report = inspected("static_guard.pt");
        const ptl::Graph& graph = report.methods.front().graph;
        bool nested = false, scoped = false, shaped = false;
        for (const ptl::Node& node : graph.nodes) {
            if (node.parent >= 0) {
                nested = true;
                const auto& block = graph.nodes.at(node.parent).blocks.at(node.parentBlock).nodes;
                QVERIFY(std::find(block.begin(), block.end(), node.id) != block.end());
            }
            if (node.kind == "aten::conv2d" && !node.scope.empty()) scoped = true;
        }
        for (const ptl::Value& value : graph.values)
            if (value.shapeKnown && value.shape.size() == 4 && value.dtype == "float32") shaped = true;
        QVERIFY(nested);
        QVERIFY(scoped);
        QVERIFY(shaped);  // recorded by running forward on the sample input
        QVERIFY(!report.sources.empty());
    }

    void scopesFollowTheModuleTree() {
        // Layers held in a ModuleList: the call stack names "0.0"; the module tree says "blocks.0.0".
        const ptl::Report& report = inspected("digits_relu6.pt");
        std::set<std::string> modules;
        for (const ptl::ModuleInfo& module : report.modules) modules.insert(module.path);
        std::vector<std::string> convolutions;
        for (const ptl::Node& node : report.methods.front().graph.nodes) {
            if (!node.scope.empty()) QVERIFY2(modules.count(node.scope), node.scope.c_str());
            if (node.kind == "aten::conv2d") convolutions.push_back(node.scope);
        }
        QCOMPARE(convolutions, (std::vector<std::string>{"blocks.0.0", "blocks.1.0"}));
    }

    void summaryDescribesModulesAndTensors() {
        const ptl::Report& report = inspected("clean_conv.pt");
        QVERIFY(report.modules.size() > 1);
        QCOMPARE(report.modules.front().path, std::string());
        int64_t bytes = 0;
        for (const ptl::TensorInfo& tensor : report.tensors) bytes += tensor.bytes;
        QCOMPARE(report.modules.front().totalBytes, bytes);
        QVERIFY(report.roundTrip.compared && report.roundTrip.matched);
        QVERIFY(!report.operators.empty());
    }

    // Without --input, shapes come from the first layer and a search over common sizes.
    void inputsAreInferred() {
        const ptl::Report report = ptl::inspectModel(PTL_FIXTURES_DIR "/clean_conv.pt");
        QCOMPARE(report.inputs.size(), size_t(1));
        QCOMPARE(report.inputs.front().source, std::string("inferred"));
        QCOMPARE(report.inputs.front().shape, (std::vector<int64_t>{1, 3, 16, 16}));
        const ptl::Report text = ptl::inspectModel(PTL_FIXTURES_DIR "/text_classifier.pt");
        QCOMPARE(text.inputs.front().dtype, std::string("int64"));
        QVERIFY(text.roundTrip.matched);
    }

    void liteFilesReportBytecode() {
        const ptl::Report& zip = inspected("clean_conv.ptl");
        QVERIFY(zip.bytecodeVersion > 0);
        QVERIFY(zip.roundTrip.reloaded);
        const ptl::Report& flat = inspected("clean_conv_flatbuffer.ptl");
        QCOMPARE(flat.container, std::string("flatbuffer"));
        QVERIFY(flat.bytecodeVersion > 0);
        QVERIFY(!flat.operators.empty());
    }

    void quantizedLayersAreListed() {
        for (const char* name : {"quant_x86.pt", "quant_qnnpack.pt"}) {
            const ptl::Report& report = inspected(name);
            QCOMPARE(report.quantizedLayers.size(), size_t(2));
            for (const ptl::QuantizedLayer& layer : report.quantizedLayers) {
                QCOMPARE(layer.weightDtype, std::string("qint8"));
                QVERIFY(layer.weightScaleMin > 0);
            }
        }
        QVERIFY(inspected("quant_x86.pt").quantizedLayers.front().weightQScheme.rfind("per_channel", 0) == 0);
        QVERIFY(inspected("quant_qnnpack.pt").quantizedLayers.front().weightQScheme.rfind("per_tensor", 0) == 0);
    }

    void inputSources() {
        QCOMPARE(inspected("bundled_inputs.pt").inputs.front().source, std::string("bundled"));
        QCOMPARE(inspected("traced_branch.pt").inputs.front().source, std::string("spec"));
        // A wrong number of specs is a usage error, not a finding.
        ptl::InspectOptions options;
        options.inputSpecs = {"1x3x16x16:float", "1x3:float"};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 ptl::inspectModel(PTL_FIXTURES_DIR "/clean_conv.pt", options));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::parseInputSpec("1x-3:float"));
        QCOMPARE(ptl::parseInputSpec("1x128:long").dtype, std::string("int64"));
    }

    void reportIsDeterministic() {
        const ptl::Report first = ptl::inspectModel(PTL_FIXTURES_DIR "/quant_x86.pt");
        const ptl::Report second = ptl::inspectModel(PTL_FIXTURES_DIR "/quant_x86.pt");
        QVERIFY(ptl::sameReport(first, second));
    }
};

QTEST_GUILESS_MAIN(FindingsTest)
#include "tst_findings.moc"
