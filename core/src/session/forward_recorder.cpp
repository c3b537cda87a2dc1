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
        value.runs = 1;
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
    if (!nestedOutputs_) return recorded;
    const std::vector<int64_t> probes = results[*nestedOutputs_].toIntVector();
    const c10::List<c10::IValue> sizes = results[*nestedOutputs_ + 1].toList();
    const std::vector<int64_t> dtypes = results[*nestedOutputs_ + 2].toIntVector();
    for (size_t i = 0; i < probes.size(); ++i) {
        RecordedValue& value = recorded[nested_.at(probes[i])];
        value.shape = sizes.get(i).toIntVector();  // the last run's
        value.dtype = static_cast<c10::ScalarType>(dtypes[i]);
        ++value.runs;
    }
    return recorded;
}

Value* guardFeatureCount(const torch::jit::Module& module, torch::jit::Graph& graph, Node* node) {
    const std::string kind = node->kind().toQualString();
    if (kind.rfind("quantized::linear", 0) != 0 || node->inputs().size() < 2) return nullptr;
    const auto weight = weightOf(module, node->input(1));
    if (!weight || weight->dim() != 2) return nullptr;
    torch::jit::WithInsertPoint guard(node);
    Value* input = node->input(0);
    if (kind.find("dynamic") == std::string::npos) input = graph.insert(c10::aten::dequantize, {input});
    Value* zeros = graph.insertConstant(torch::zeros({1, weight->size(1)}));
    return graph.insert(c10::aten::linear, {input, zeros});
}

namespace {

// Outputs whose Tensor type may hold None or nothing at run time.
bool recordable(const Node* node) {
    return node->kind() != c10::prim::Uninitialized && node->kind() != c10::prim::unchecked_cast &&
           node->kind() != c10::prim::Enter && node->kind() != c10::prim::Exit && node->kind() != c10::prim::GetAttr;
}

bool isTensor(const Value* value) { return value->type()->kind() == c10::TypeKind::TensorType; }

// Nodes are created directly: insert() resolves overloads per call, which costs seconds on graphs
// of tens of thousands of values.
Node* addAfter(torch::jit::Graph& graph, Node*& anchor, c10::Symbol kind, at::ArrayRef<Value*> inputs,
               const c10::TypePtr& type) {
    Node* created = graph.create(kind, inputs);
    created->output()->setType(type);
    created->insertAfter(anchor);
    anchor = created;
    return created;
}

}  // namespace

// Values inside If and Loop blocks cannot be returned directly: each run of such a value appends
// its probe number, sizes and dtype to three lists the graph returns.
void ForwardRecorder::recordNested(torch::jit::Graph& graph, torch::jit::Block& block,
                                   const std::unordered_map<const Value*, const Value*>& originals) {
    const std::vector<Node*> nodes(block.nodes().begin(), block.nodes().end());
    for (Node* node : nodes) {
        for (torch::jit::Block* inner : node->blocks()) recordNested(graph, *inner, originals);
        if (!recordable(node)) continue;
        for (Value* output : node->outputs()) {
            if (!isTensor(output)) continue;
            Node* anchor = output->node();
            Node* probe = addAfter(graph, anchor, c10::prim::Constant, {}, c10::IntType::get());
            probe->i_(c10::attr::value, static_cast<int64_t>(nested_.size()));
            Value* sizes = addAfter(graph, anchor, c10::aten::size, {output}, c10::ListType::ofInts())->output();
            Value* dtype = addAfter(graph, anchor, c10::prim::dtype, {output}, c10::IntType::get())->output();
            addAfter(graph, anchor, c10::aten::append, {nestedLists_.probes, probe->output()}, nestedLists_.probes->type());
            addAfter(graph, anchor, c10::aten::append, {nestedLists_.sizes, sizes}, nestedLists_.sizes->type());
            addAfter(graph, anchor, c10::aten::append, {nestedLists_.dtypes, dtype}, nestedLists_.dtypes->type());
            nested_.push_back(originals.at(output));
        }
    }
}

void ForwardRecorder::instrument(torch::jit::Graph& forward, bool recordValues) {
    auto graph = forward.copy();
    std::unordered_map<const Value*, const Value*> originals;
    for (const auto& [original, copy] : copiedValues(forward, *graph)) originals[copy] = original;
    const std::vector<Node*> nodes(graph->nodes().begin(), graph->nodes().end());
    if (recordValues) {
        auto emptyList = [&](const c10::TypePtr& type) {
            Node* list = graph->create(c10::prim::ListConstruct, 1);
            list->output()->setType(type);
            graph->prependNode(list);
            return list->output();
        };
        nestedLists_ = {emptyList(c10::ListType::ofInts()), emptyList(c10::ListType::create(c10::ListType::ofInts())),
                        emptyList(c10::ListType::ofInts())};
    }
    std::vector<Value*> guards;
    for (Node* node : nodes) {
        if (Value* guard = guardFeatureCount(module_, *graph, node)) guards.push_back(guard);
        if (!recordValues) continue;
        for (torch::jit::Block* block : node->blocks()) recordNested(*graph, *block, originals);
        if (!recordable(node)) continue;
        for (Value* output : node->outputs()) {
            if (!isTensor(output)) continue;
            Node* anchor = node;
            Probe probe{originals.at(output), graph->outputs().size(), 0, std::nullopt};
            graph->registerOutput(addAfter(*graph, anchor, c10::aten::size, {output}, c10::ListType::ofInts())->output());
            probe.dtypeOutput = graph->outputs().size();
            graph->registerOutput(addAfter(*graph, anchor, c10::prim::dtype, {output}, c10::IntType::get())->output());
            if (producesQuantizedTensor(node->kind().toQualString())) {
                probe.integersOutput = graph->outputs().size();
                graph->registerOutput(addAfter(*graph, anchor, c10::aten::int_repr, {output}, c10::TensorType::get())->output());
            }
            probes_.push_back(probe);
        }
    }
    if (recordValues) {
        nestedOutputs_ = graph->outputs().size();
        for (Value* list : {nestedLists_.probes, nestedLists_.sizes, nestedLists_.dtypes}) graph->registerOutput(list);
    }
    for (Value* guard : guards) graph->registerOutput(guard);  // kept alive, never read
    function_ = tupleFunction("forward_recorded", graph);
}

}  // namespace ptl::detail
