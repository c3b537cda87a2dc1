// The instrumented copy of forward; see forward_recorder.h.
#include "session/forward_recorder.h"

#include "common/quantized_ops.h"
#include "session/input_inference.h"
#include "session/plain_run.h"

#include <algorithm>

namespace ptl::detail {

using torch::jit::Node;
using torch::jit::Value;

ForwardRecorder::ForwardRecorder(const torch::jit::Module& module, torch::jit::Graph& forward, bool recordValues)
    : module_(module) {
    instrument(forward, recordValues);
}

std::vector<c10::IValue> ForwardRecorder::run(const torch::jit::Module& module, const std::vector<c10::IValue>& inputs) {
    return runPlainly(*function_, module, inputs);
}

std::unordered_map<const Value*, RecordedValue> ForwardRecorder::read(const std::vector<c10::IValue>& results) const {
    std::unordered_map<const Value*, RecordedValue> recorded;
    for (const Probe& probe : probes_) {
        RecordedValue& value = recorded[probe.value];
        value.shape = results[probe.sizeOutput].toIntVector();
        value.dtype = static_cast<c10::ScalarType>(results[probe.dtypeOutput].toInt());
        if (!probe.integersOutput) continue;
        // A percentile rather than the maximum: a few outliers beyond the calibrated range do
        // not tell how the range was chosen.
        const at::Tensor integers = results[*probe.integersOutput].toTensor().flatten().to(at::kFloat);
        if (integers.numel() == 0) continue;
        const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(0.99 * integers.numel()));
        value.quantizedP99 = static_cast<int64_t>(std::get<0>(integers.kthvalue(rank)).item<float>());
    }
    return recorded;
}

Value* ForwardRecorder::guardFeatureCount(torch::jit::Graph& graph, Node* node) const {
    const std::string kind = node->kind().toQualString();
    if (kind.rfind("quantized::linear", 0) != 0 || node->inputs().size() < 2) return nullptr;
    const auto weight = weightOf(module_, node->input(1));
    if (!weight || weight->dim() != 2) return nullptr;
    torch::jit::WithInsertPoint guard(node);
    Value* input = node->input(0);
    if (kind.find("dynamic") == std::string::npos) input = graph.insert(c10::aten::dequantize, {input});
    Value* zeros = graph.insertConstant(torch::zeros({1, weight->size(1)}));
    return graph.insert(c10::aten::linear, {input, zeros});
}

void ForwardRecorder::instrument(torch::jit::Graph& forward, bool recordValues) {
    auto graph = forward.copy();
    std::unordered_map<const Value*, const Value*> originals;
    for (const auto& [original, copy] : copiedValues(forward, *graph)) originals[copy] = original;
    const std::vector<Node*> nodes(graph->nodes().begin(), graph->nodes().end());
    std::vector<Value*> guards;
    for (Node* node : nodes) {
        if (Value* guard = guardFeatureCount(*graph, node)) guards.push_back(guard);
        if (!recordValues) continue;
        // Values typed Tensor that may hold None or nothing at run time.
        if (node->kind() == c10::prim::Uninitialized || node->kind() == c10::prim::unchecked_cast ||
            node->kind() == c10::prim::Enter || node->kind() == c10::prim::Exit || node->kind() == c10::prim::GetAttr)
            continue;
        for (Value* output : node->outputs()) {
            if (output->type()->kind() != c10::TypeKind::TensorType) continue;
            // Nodes are created directly: insert() resolves overloads per call, which costs
            // seconds on graphs of tens of thousands of values.
            Node* anchor = node;
            auto probeNode = [&](c10::Symbol kind, const c10::TypePtr& type) {
                Node* probeOp = graph->create(kind, {output});
                probeOp->output()->setType(type);
                probeOp->insertAfter(anchor);
                anchor = probeOp;
                graph->registerOutput(probeOp->output());
            };
            Probe probe{originals.at(output), graph->outputs().size(), 0, std::nullopt};
            probeNode(c10::aten::size, c10::ListType::ofInts());
            probe.dtypeOutput = graph->outputs().size();
            probeNode(c10::prim::dtype, c10::IntType::get());
            if (producesQuantizedTensor(node->kind().toQualString())) {
                probe.integersOutput = graph->outputs().size();
                probeNode(c10::aten::int_repr, c10::TensorType::get());
            }
            probes_.push_back(probe);
        }
    }
    for (Value* guard : guards) graph->registerOutput(guard);  // kept alive, never read
    function_ = tupleFunction("forward_recorded", graph);
}

}  // namespace ptl::detail
