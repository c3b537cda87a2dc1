// torch.export readiness on the real fixtures: each construct becomes the item it should, at the
// Python line tests/fixtures/expected.json records for it, tied to the finding of the same node;
// the dynamic dimensions come from the sizes forward's control flow reads; a clean model says
// what was checked. The --json report carries the same list.
#include "ptl/export_readiness.h"
#include "ptl/inspect.h"
#include "ptl/report_json.h"

#include <QtTest>

#include <fstream>

namespace {

std::string fixture(const char* name) { return std::string(PTL_FIXTURES_DIR "/") + name; }

nlohmann::json expected() {
    std::ifstream in(PTL_FIXTURES_DIR "/expected.json");
    return nlohmann::json::parse(in);
}

// The construct lines expected.json lists for a fixture's category.
std::vector<int> expectedLines(const char* model, const char* category) {
    return expected().at(model).at("all_source_lines").at(category).get<std::vector<int>>();
}

std::vector<const ptl::ExportItem*> itemsOf(const ptl::ExportReadiness& readiness, const std::string& kind) {
    std::vector<const ptl::ExportItem*> items;
    for (const ptl::ExportItem& item : readiness.items)
        if (item.kind == kind) items.push_back(&item);
    return items;
}

const ptl::Finding* findingById(const ptl::Report& report, const std::string& id) {
    for (const ptl::Finding& finding : report.findings)
        if (finding.id == id) return &finding;
    return nullptr;
}

// The item names a finding of `category` that holds the item's first node, and the node is `kind`.
void checkTies(const ptl::Report& report, const ptl::ExportItem& item, const char* category, const char* kind,
               bool inFixtureScript = true) {
    QCOMPARE(QString::fromStdString(item.findingCategory), QString::fromLatin1(category));
    const ptl::Finding* finding = findingById(report, item.findingId);
    QVERIFY(finding);
    QCOMPARE(QString::fromStdString(finding->category), QString::fromLatin1(category));
    QVERIFY(!item.nodes.empty());
    QVERIFY(std::find(finding->nodes.begin(), finding->nodes.end(), item.nodes.front()) != finding->nodes.end());
    QCOMPARE(QString::fromStdString(report.methods.front().graph.nodes[size_t(item.nodes.front())].kind),
             QString::fromLatin1(kind));
    QVERIFY(item.source.line > 0);
    if (inFixtureScript)
        QCOMPARE(QString::fromStdString(item.source.file).section('/', -1), QStringLiteral("make_fixtures.py"));
}

}  // namespace

class ExportReadinessTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void valueBranchesBlock() {
        const ptl::Report report = ptl::inspectModel(fixture("value_branch.pt"));
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        QVERIFY(!readiness.ready);
        const std::vector<int> lines = expectedLines("value_branch.pt", "control-flow.value-dependent");
        const auto branch = itemsOf(readiness, "data-dependent-branch");
        const auto loop = itemsOf(readiness, "data-dependent-loop");
        QCOMPARE(branch.size(), size_t(1));
        QCOMPARE(loop.size(), size_t(1));
        QCOMPARE(branch[0]->impact, ptl::ExportImpact::Blocks);
        QCOMPARE(loop[0]->impact, ptl::ExportImpact::Blocks);
        QCOMPARE(branch[0]->source.line, lines.at(0));
        QCOMPARE(loop[0]->source.line, lines.at(1));
        checkTies(report, *branch[0], "control-flow.value-dependent", "prim::If");
        checkTies(report, *loop[0], "control-flow.value-dependent", "prim::Loop");
        QVERIFY(QString::fromStdString(branch[0]->action).contains("torch.cond"));
        QVERIFY(QString::fromStdString(branch[0]->detail).contains("if bool(y.mean() > 0):"));
        QVERIFY(readiness.dynamicDims.empty());
        // The bool() reads decide the branch and the loop: no separate scalar-read items.
        QVERIFY(itemsOf(readiness, "scalar-read").empty());
        QVERIFY(QString::fromStdString(readiness.summary).startsWith("2 constructs block torch.export"));
    }

    void shapeBranchesNameTheirDimensions() {
        const ptl::Report report = ptl::inspectModel(fixture("shape_branch.pt"));
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        QVERIFY(readiness.ready);  // exports at the sample's sizes; dynamic sizes need declaring
        const std::vector<int> lines = expectedLines("shape_branch.pt", "control-flow.shape-dependent");
        const auto branch = itemsOf(readiness, "shape-dependent-branch");
        const auto loop = itemsOf(readiness, "shape-dependent-loop");
        QCOMPARE(branch.size(), size_t(1));
        QCOMPARE(loop.size(), size_t(1));
        QCOMPARE(branch[0]->impact, ptl::ExportImpact::Declare);
        QCOMPARE(branch[0]->source.line, lines.at(0));
        QCOMPARE(loop[0]->source.line, lines.at(1));
        checkTies(report, *branch[0], "control-flow.shape-dependent", "prim::If");
        checkTies(report, *loop[0], "control-flow.shape-dependent", "prim::Loop");
        // x.shape[0] and x.size(1): the walk back from the condition reaches both dimensions of x.
        QVERIFY(QString::fromStdString(branch[0]->detail).contains("x dim 0"));
        QVERIFY(QString::fromStdString(loop[0]->detail).contains("x dim 1"));
        QCOMPARE(readiness.dynamicDims.size(), size_t(2));
        QCOMPARE(QString::fromStdString(readiness.dynamicDims[0].argument), QStringLiteral("x"));
        QCOMPARE(readiness.dynamicDims[0].dim, 0);
        QCOMPARE(QString::fromStdString(readiness.dynamicDims[0].name), QStringLiteral("batch"));
        QCOMPARE(readiness.dynamicDims[0].sampleSize, report.inputs.at(0).shape.at(0));
        QCOMPARE(readiness.dynamicDims[1].dim, 1);
        const QString code = QString::fromStdString(readiness.exportCode);
        QVERIFY2(code.contains("dynamic_shapes={\"x\": {0: batch, 1: x_dim1}}"), qPrintable(code));
        QVERIFY2(code.contains("model = ShapeBranch().eval()"), qPrintable(code));
        // torch.export specializes sizes 0 and 1: the example's batch is at least 2.
        QVERIFY2(code.contains("torch.randn(2, 8)"), qPrintable(code));
    }

    void liteConstructs() {
        const ptl::Report report = ptl::inspectModel(fixture("lite_unsupported.pt"));
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        QVERIFY(!readiness.ready);
        const std::vector<int> lines = expectedLines("lite_unsupported.pt", "lite.unsupported");  // with, fork, class
        const auto with = itemsOf(readiness, "with-block");
        const auto fork = itemsOf(readiness, "fork");
        const auto object = itemsOf(readiness, "script-class");
        QCOMPARE(with.size(), size_t(1));
        QCOMPARE(fork.size(), size_t(1));
        QCOMPARE(object.size(), size_t(1));
        // torch.no_grad() is one torch.export traces; fork is not.
        QCOMPARE(with[0]->impact, ptl::ExportImpact::Check);
        QCOMPARE(fork[0]->impact, ptl::ExportImpact::Blocks);
        QCOMPARE(object[0]->impact, ptl::ExportImpact::Check);
        QCOMPARE(with[0]->source.line, lines.at(0));
        QCOMPARE(fork[0]->source.line, lines.at(1));
        QCOMPARE(object[0]->source.line, lines.at(2));
        checkTies(report, *with[0], "lite.unsupported", "prim::Enter");
        checkTies(report, *fork[0], "lite.unsupported", "prim::fork");
        checkTies(report, *object[0], "lite.unsupported", "prim::CreateObject");
        QCOMPARE(fork[0]->nodes.size(), size_t(2));  // the fork and its wait
        QCOMPARE(QString::fromStdString(report.methods.front().graph.nodes[size_t(fork[0]->nodes[1])].kind),
                 QStringLiteral("aten::wait"));
        QVERIFY(QString::fromStdString(object[0]->detail).contains("__torch__.Scaler"));
        QCOMPARE(readiness.items.front().kind, std::string("fork"));  // blockers first
    }

    void autogradBlocks() {
        const ptl::Report report = ptl::inspectModel(fixture("full_jit_only.pt"));
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        const auto autograd = itemsOf(readiness, "autograd");
        QCOMPARE(autograd.size(), size_t(1));
        QCOMPARE(autograd[0]->impact, ptl::ExportImpact::Blocks);
        QCOMPARE(autograd[0]->source.line, expectedLines("full_jit_only.pt", "lite.full-jit-only-op").at(0));
        checkTies(report, *autograd[0], "lite.full-jit-only-op", "aten::grad");
    }

    void tracedModelSaysWhatItCannotSee() {
        const ptl::Report report = ptl::inspectModel(fixture("traced_branch.pt"));
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        const auto traced = itemsOf(readiness, "traced");
        const auto frozen = itemsOf(readiness, "frozen-size");
        QCOMPARE(traced.size(), size_t(1));
        QCOMPARE(frozen.size(), size_t(1));
        QCOMPARE(QString::fromStdString(traced[0]->findingCategory), QStringLiteral("trace.traced-method"));
        QCOMPARE(frozen[0]->impact, ptl::ExportImpact::Declare);
        QCOMPARE(frozen[0]->source.line, expectedLines("traced_branch.pt", "trace.specialized-constant").at(0));
        checkTies(report, *frozen[0], "trace.specialized-constant", "aten::reshape");
        QVERIFY(std::any_of(readiness.checked.begin(), readiness.checked.end(),
                            [](const std::string& line) { return line.rfind("traced:", 0) == 0; }));
    }

    void eagerQuantizationBlocks() {
        const ptl::Report report = ptl::inspectModel(fixture("quant_x86.pt"));
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        const auto quantized = itemsOf(readiness, "eager-quantization");
        QCOMPARE(quantized.size(), size_t(1));
        QCOMPARE(quantized[0]->impact, ptl::ExportImpact::Blocks);
        QCOMPARE(quantized[0]->nodes.size(), report.quantizedLayers.size());
        for (int node : quantized[0]->nodes)
            QVERIFY(report.methods.front().graph.nodes[size_t(node)].kind.rfind("quantized::", 0) == 0);
        QCOMPARE(QString::fromStdString(quantized[0]->findingCategory), QStringLiteral("quant.x86-settings"));
        QVERIFY(QString::fromStdString(quantized[0]->action).contains("PT2E"));
        // The quantized conv's padding branches and loops are PyTorch's own: checked, not blocking.
        for (const ptl::ExportItem& item : readiness.items)
            QVERIFY2(item.kind == "eager-quantization" || item.impact != ptl::ExportImpact::Blocks, item.kind.c_str());
    }

    // A shape the sweep saw failing becomes an item at the op that raised.
    void sweepFailureIsAnItem() {
        ptl::InspectOptions options;
        options.sweep = true;
        options.sweepSpec = "hw=20x20";  // the linear layer takes 8x4x4 features, 20x20 images give 8x5x5
        const ptl::Report report = ptl::inspectModel(fixture("clean_conv.pt"), options);
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        const auto failures = itemsOf(readiness, "sweep-failure");
        QCOMPARE(failures.size(), size_t(1));
        QCOMPARE(failures[0]->impact, ptl::ExportImpact::Declare);
        checkTies(report, *failures[0], "shape.sweep-failure", "aten::linear", false);  // in torch's Linear
        QVERIFY(std::any_of(readiness.checked.begin(), readiness.checked.end(),
                            [](const std::string& line) { return line.rfind("shape sweep: 2 shapes", 0) == 0; }));
    }

    void cleanModelSaysWhatWasChecked_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("controlFlow");
        QTest::newRow("clean_conv") << "clean_conv.pt"
                                    << "control flow: 0 branches and 0 loops; 0 on tensor values, 0 on sizes, 0 on "
                                       "attributes and constants, 0 argument checks";
        QTest::newRow("static_guard") << "static_guard.pt"
                                      << "control flow: 3 branches and 0 loops; 0 on tensor values, 0 on sizes, 2 on "
                                         "attributes and constants, 1 argument checks";
    }

    void cleanModelSaysWhatWasChecked() {
        QFETCH(QString, model);
        QFETCH(QString, controlFlow);
        const ptl::Report report = ptl::inspectModel(fixture(model.toUtf8().constData()));
        const ptl::ExportReadiness readiness = ptl::exportReadiness(report);
        QVERIFY(readiness.ready);
        QVERIFY(readiness.items.empty());
        QCOMPARE(QString::fromStdString(readiness.summary), QStringLiteral("Nothing in forward blocks torch.export."));
        QStringList checked;
        for (const std::string& line : readiness.checked) checked << QString::fromStdString(line);
        QVERIFY2(checked.contains(controlFlow), qPrintable(checked.join('\n')));
        QVERIFY(checked.contains("TorchScript classes, context managers and fork/wait: 0"));
        QVERIFY(checked.contains("eager-mode quantized ops: 0"));
        QVERIFY(QString::fromStdString(readiness.exportCode).contains("program = export(model, example)  #"));
    }

    void jsonCarriesTheItems() {
        const ptl::Report report = ptl::inspectModel(fixture("value_branch.pt"));
        const nlohmann::json json = ptl::toJson(report).at("exportReadiness");
        QCOMPARE(json.at("ready").get<bool>(), false);
        QCOMPARE(json.at("items").size(), size_t(2));
        QCOMPARE(json.at("items")[0].at("impact").get<std::string>(), std::string("blocks"));
        QCOMPARE(json.at("items")[0].at("category").get<std::string>(), std::string("control-flow.value-dependent"));
        QCOMPARE(json.at("items")[0].at("source").at("line").get<int>(), expectedLines("value_branch.pt", "control-flow.value-dependent")[0]);
        // Derived: reading the report back ignores it, and it serializes the same again.
        QVERIFY(ptl::sameReport(ptl::reportFromJson(ptl::toJson(report)), report));
    }
};

QTEST_GUILESS_MAIN(ExportReadinessTest)
#include "tst_export_readiness.moc"
