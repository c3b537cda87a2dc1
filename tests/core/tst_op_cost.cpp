// The cost of forward's ops (MACs, weight bytes read, activation bytes written), summed per module,
// and the activation peak, against figures worked out by hand from the fixtures' layer sizes
// (tests/fixtures/make_fixtures.py); and the module each op is attributed to.
#include "ptl/inspect.h"
#include "ptl/report_json.h"

#include <QtTest>

#include <map>

namespace {

const ptl::Report& inspected(const std::string& name, const std::string& input) {
    static std::map<std::string, ptl::Report> cache;
    const auto found = cache.find(name);
    if (found != cache.end()) return found->second;
    ptl::InspectOptions options;
    options.inputSpecs = {input};
    options.roundTrip = false;
    return cache.emplace(name, ptl::inspectModel(PTL_FIXTURES_DIR "/" + name, options)).first->second;
}

const ptl::ModuleInfo& module(const ptl::Report& report, const std::string& path) {
    for (const ptl::ModuleInfo& info : report.modules)
        if (info.path == path) return info;
    throw std::runtime_error("no module " + path);
}

// The forward nodes of a kind, in order.
std::vector<const ptl::Node*> nodes(const ptl::Report& report, const std::string& kind) {
    std::vector<const ptl::Node*> found;
    for (const ptl::Node& node : report.methods.front().graph.nodes)
        if (node.kind == kind) found.push_back(&node);
    return found;
}

}  // namespace

class OpCostTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // clean_conv.pt on 1x3x16x16: conv1 3->8 (3x3, padding 1), relu, max-pool 2, conv2 8->8 (3x3,
    // padding 1), relu, max-pool 2, flatten, fc 128->10; float32 throughout.
    void convolutionsAndLinear() {
        const ptl::Report& report = inspected("clean_conv.pt", "1x3x16x16:float");
        QVERIFY(report.compute.measured);
        const auto convs = nodes(report, "aten::conv2d");
        QCOMPARE(convs.size(), size_t(2));
        // conv1: 8x16x16 = 2048 outputs x (3 channels x 3x3) = 55,296 MACs; weight 8x3x3x3 = 216 and
        // bias 8 floats = 896 bytes; output 2048 floats = 8192 bytes.
        QCOMPARE(convs[0]->cost.macs, int64_t(55296));
        QCOMPARE(convs[0]->cost.weightBytes, int64_t(896));
        QCOMPARE(convs[0]->cost.activationBytes, int64_t(8192));
        // conv2: 8x8x8 = 512 outputs x (8 x 3x3) = 36,864 MACs; 576 + 8 floats = 2336 bytes.
        QCOMPARE(convs[1]->cost.macs, int64_t(36864));
        QCOMPARE(convs[1]->cost.weightBytes, int64_t(2336));
        // fc: 10 outputs x 128 inputs = 1280 MACs; 1280 + 10 floats = 5160 bytes.
        const auto linear = nodes(report, "aten::linear");
        QCOMPARE(linear.size(), size_t(1));
        QCOMPARE(linear[0]->cost.macs, int64_t(1280));
        QCOMPARE(linear[0]->cost.weightBytes, int64_t(5160));
        QCOMPARE(linear[0]->cost.activationBytes, int64_t(40));
        // ReLU and pooling multiply nothing.
        for (const ptl::Node* relu : nodes(report, "aten::relu")) QCOMPARE(relu->cost.macs, int64_t(0));

        // 55,296 + 36,864 + 1280; every parameter read once: (216 + 8 + 576 + 8 + 1280 + 10) x 4.
        QCOMPARE(report.compute.total.macs, int64_t(93440));
        QCOMPARE(report.compute.total.weightBytes, int64_t(8392));
        QCOMPARE(module(report, "").totalCost.macs, int64_t(93440));
        QCOMPARE(module(report, "conv1").totalCost.macs, int64_t(55296));
        QCOMPARE(module(report, "fc").cost.macs, int64_t(1280));
        QCOMPARE(module(report, "").cost.macs, int64_t(0));  // the top module's own code: flatten

        // Peak: at the first relu, conv1's output and the relu's (8192 bytes each) are alive; the
        // input (3072 bytes) died at conv1, and later layers hold less.
        QCOMPARE(report.compute.peakActivationBytes, int64_t(16384));
        QCOMPARE(report.methods.front().graph.nodes.at(report.compute.peakNode).kind, std::string("aten::relu"));
        QCOMPARE(report.compute.peakScope, std::string("relu"));
    }

    // digits_relu6.pt on 1x1x8x8: two blocks of conv (no bias), batch norm, in-place ReLU6.
    void inPlaceOpsShareTheirInputsMemory() {
        const ptl::Report& report = inspected("digits_relu6.pt", "1x1x8x8:float");
        // blocks.0.0: 16x8x8 = 1024 outputs x 9 = 9216; blocks.1.0: 32x8x8 = 2048 outputs x (16 x 9)
        // = 294,912; fc: 10 x 512 = 5120.
        QCOMPARE(module(report, "blocks.0").totalCost.macs, int64_t(9216));
        QCOMPARE(module(report, "blocks.1").totalCost.macs, int64_t(294912));
        QCOMPARE(report.compute.total.macs, int64_t(309248));
        // The batch norm reads weight, bias, running mean and variance: 4 x 32 floats.
        QCOMPARE(module(report, "blocks.1.1").totalCost.weightBytes, int64_t(512));
        // Peak at blocks.1's batch norm: the conv's output and the norm's, 32x8x8 floats each. The
        // in-place ReLU6 writes into the norm's output and adds nothing.
        QCOMPARE(report.compute.peakActivationBytes, int64_t(16384));
        QCOMPARE(report.compute.peakScope, std::string("blocks.1.1"));
    }

    // text_classifier.pt on 1x8 tokens: embedding 100x16, q/k/v linear 16->16, q k^T, softmax,
    // weights v, mean over the sequence, classifier 16->4.
    void matrixProducts() {
        const ptl::Report& report = inspected("text_classifier.pt", "1x8:int64");
        // q, k, v: 8x16 outputs x 16 = 2048 each.
        QCOMPARE(module(report, "attn.q").totalCost.macs, int64_t(2048));
        // q k^T: 8x8 outputs x 16; weights v: 8x16 outputs x 8. 1024 each.
        const auto matmuls = nodes(report, "aten::matmul");
        QCOMPARE(matmuls.size(), size_t(2));
        QCOMPARE(matmuls[0]->cost.macs, int64_t(1024));
        QCOMPARE(matmuls[1]->cost.macs, int64_t(1024));
        QCOMPARE(matmuls[0]->cost.weightBytes, int64_t(0));  // both operands are activations
        // The lookup multiplies nothing and reads the 100x16 table.
        QCOMPARE(nodes(report, "aten::embedding").front()->cost.macs, int64_t(0));
        QCOMPARE(nodes(report, "aten::embedding").front()->cost.weightBytes, int64_t(6400));
        // 3 x 2048 + 2 x 1024 + 4 x 16.
        QCOMPARE(report.compute.total.macs, int64_t(8256));
    }

    // rnn_classifier.pt on 1x12 tokens: a two-layer bidirectional LSTM 16->24 and a GRU 48->24.
    void recurrentLayers() {
        const ptl::Report& report = inspected("rnn_classifier.pt", "1x12:int64");
        // LSTM, per time step, 4 gates x 24 per direction: layer 0 w_ih 96x16 + w_hh 96x24 = 3840,
        // layer 1 (input 2 x 24) w_ih 96x48 + w_hh 96x24 = 6912; both directions: 2 x (3840 + 6912)
        // = 21,504; 12 steps: 258,048.
        QCOMPARE(module(report, "lstm").totalCost.macs, int64_t(258048));
        // Weights: per direction 3840 + 6912 matrices and 4 x 96 biases... (3840 + 192 + 6912 + 192)
        // x 2 directions x 4 bytes = 89,088.
        QCOMPARE(module(report, "lstm").totalCost.weightBytes, int64_t(89088));
        // GRU, 3 gates x 24: w_ih 72x48 + w_hh 72x24 = 5184 per step, 12 steps: 62,208.
        QCOMPARE(module(report, "gru").totalCost.macs, int64_t(62208));
        // Outputs: states 1x12x48, h and c 4x1x24 each, in floats.
        QCOMPARE(nodes(report, "aten::lstm").front()->cost.activationBytes, int64_t((576 + 96 + 96) * 4));
        // + fc 4 x 24.
        QCOMPARE(report.compute.total.macs, int64_t(258048 + 62208 + 96));
    }

    void costSurvivesTheJsonRoundTrip() {
        const ptl::Report& report = inspected("clean_conv.pt", "1x3x16x16:float");
        const ptl::Report copy = ptl::reportFromJson(ptl::toJson(report));
        QCOMPARE(copy.compute.total.macs, report.compute.total.macs);
        QCOMPARE(copy.compute.peakScope, report.compute.peakScope);
        QCOMPARE(module(copy, "conv1").totalCost.weightBytes, int64_t(896));
        QCOMPARE(nodes(copy, "aten::linear").front()->cost.macs, int64_t(1280));
    }

    // Bytecode alone cannot be run for shapes: nothing is measured, and nothing is made up.
    void noSampleRunNoCost() {
        const ptl::Report report = ptl::inspectModel(PTL_FIXTURES_DIR "/clean_conv_flatbuffer.ptl");
        QVERIFY(!report.compute.measured);
        QCOMPARE(report.compute.total.macs, int64_t(0));
    }

    // Ops a module's forward runs after its last child call are its own, not the last child's.
    void opsAfterTheLastChildBelongToTheParent() {
        const ptl::Report& conv = inspected("clean_conv.pt", "1x3x16x16:float");
        QCOMPARE(nodes(conv, "aten::flatten").front()->scope, std::string());
        const ptl::Report& text = inspected("text_classifier.pt", "1x8:int64");
        QCOMPARE(nodes(text, "aten::add").front()->scope, std::string());   // h + self.attn(h)
        QCOMPARE(nodes(text, "aten::mean").front()->scope, std::string());
        const ptl::Report& relu6 = inspected("digits_relu6.pt", "1x1x8x8:float");
        QCOMPARE(nodes(relu6, "aten::max_pool2d").front()->scope, std::string("pool"));
        QCOMPARE(nodes(relu6, "aten::flatten").front()->scope, std::string());
    }

    // LibTorch gives no call stack to an If without outputs (BatchNorm's `if self.training:`
    // checks); it belongs to the module whose attribute it tests, and so does what it holds.
    void branchesWithoutOutputsKeepTheirModule() {
        const ptl::Report& report = inspected("digits_relu6.pt", "1x1x8x8:float");
        const ptl::Graph& graph = report.methods.front().graph;
        int checked = 0;
        for (const ptl::Node* branch : nodes(report, "prim::If")) {
            if (!branch->outputs.empty()) continue;
            const ptl::Node& condition = graph.nodes.at(graph.values.at(branch->inputs.front()).producer);
            if (condition.kind != "prim::GetAttr") continue;
            QCOMPARE(branch->scope, condition.scope);
            QVERIFY2(branch->scope.rfind("blocks.", 0) == 0 && branch->scope.size() > 8, branch->scope.c_str());
            for (const ptl::Block& block : branch->blocks)
                for (const int id : block.nodes) QCOMPARE(graph.nodes.at(id).scope, branch->scope);
            ++checked;
        }
        QVERIFY(checked >= 2);
    }
};

QTEST_GUILESS_MAIN(OpCostTest)
#include "tst_op_cost.moc"
