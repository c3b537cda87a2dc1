// Plain runs of instrumented graph copies; see plain_run.h.
#include "session/plain_run.h"

#include "common/torch_text.h"
#include "session/sample_values.h"

#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <stdexcept>

namespace ptl::detail {

namespace {

void mapCopiedBlock(const torch::jit::Block& source, torch::jit::Block& copy,
                    std::unordered_map<const torch::jit::Value*, torch::jit::Value*>& copies) {
    auto original = source.nodes().begin();
    for (torch::jit::Node* node : copy.nodes()) {
        for (size_t i = 0; i < node->outputs().size(); ++i) copies[original->output(i)] = node->output(i);
        for (size_t b = 0; b < node->blocks().size(); ++b) mapCopiedBlock(*original->blocks()[b], *node->blocks()[b], copies);
        ++original;
    }
}

}  // namespace

std::unordered_map<const torch::jit::Value*, torch::jit::Value*> copiedValues(const torch::jit::Graph& source,
                                                                            torch::jit::Graph& copy) {
    std::unordered_map<const torch::jit::Value*, torch::jit::Value*> copies;
    mapCopiedBlock(*source.block(), *copy.block(), copies);
    return copies;
}

std::unique_ptr<torch::jit::GraphFunction> tupleFunction(const std::string& name, std::shared_ptr<torch::jit::Graph> graph) {
    torch::jit::WithInsertPoint guard(graph->return_node());
    std::vector<torch::jit::Value*> outputs(graph->outputs().begin(), graph->outputs().end());
    torch::jit::Value* tuple = graph->insertNode(graph->createTuple(outputs))->output();
    while (!graph->outputs().empty()) graph->eraseOutput(graph->outputs().size() - 1);  // from the back: O(1) each
    graph->registerOutput(tuple);
    return std::make_unique<torch::jit::GraphFunction>(name, std::move(graph), nullptr);
}

std::vector<c10::IValue> runPlainly(torch::jit::GraphFunction& function, const torch::jit::Module& module,
                                    const std::vector<c10::IValue>& inputs) {
    torch::jit::Stack stack{module._ivalue()};
    for (const c10::IValue& input : inputs) stack.push_back(input);
    torch::jit::GraphOptimizerEnabledGuard plainExecutor(false);
    function.run(stack);
    return stack.front().toTupleRef().elements().vec();
}

c10::IValue runMethod(const torch::jit::Module& module, const std::string& method,
                      const std::vector<c10::IValue>& inputs) {
    // A method runs a handful of times here: profiling and optimizing it would cost more than
    // running it plainly. (Export needs the optimizer on, so this stays local to runs.)
    torch::jit::GraphOptimizerEnabledGuard plainExecutor(false);
    try {
        return module.get_method(method)(inputs);
    } catch (const std::exception& error) {
        throw std::runtime_error(errorText(error));
    }
}

std::shared_ptr<torch::jit::Graph> inlinedForward(const torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    return graph;
}

PlainForward::PlainForward(torch::jit::Module module) : PlainForward(module, inlinedForward(module), {}) {}

PlainForward::PlainForward(torch::jit::Module module, const std::shared_ptr<torch::jit::Graph>& source,
                           const std::vector<const torch::jit::Value*>& chosen)
    : module_(std::move(module)) {
    auto graph = source->copy();
    const auto copies = copiedValues(*source, *graph);
    for (const torch::jit::Value* value : chosen) {
        // A copy taken right away: an in-place op further on (relu6's hardtanh_) would change it.
        torch::jit::Value* copy = copies.at(value);
        torch::jit::WithInsertPoint guard(copy->node()->next());
        graph->registerOutput(graph->insert(c10::aten::clone, {copy}));
    }
    function_ = tupleFunction("captured", graph);
}

std::pair<std::vector<at::Tensor>, c10::IValue> PlainForward::run(const std::vector<c10::IValue>& inputs) {
    const std::vector<c10::IValue> elements = runPlainly(*function_, module_, cloneInputs(inputs));
    std::vector<at::Tensor> values;
    for (size_t i = 1; i < elements.size(); ++i) {
        const at::Tensor tensor = elements[i].toTensor();
        values.push_back(tensor.is_quantized() ? tensor.dequantize() : tensor);
    }
    return {std::move(values), elements.front()};
}

}  // namespace ptl::detail
