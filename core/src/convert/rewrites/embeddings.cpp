// quantizeEmbeddings: 8-bit weight-only embedding lookups; see rewrites.h.
#include "convert/rewrites/rewrites.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>

namespace ptl::detail {

int quantizeEmbeddings(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    const auto& prepack = c10::Dispatcher::singleton().findSchemaOrThrow("quantized::embedding_bag_byte_prepack", "");
    std::vector<torch::jit::Node*> embeddings;
    for (torch::jit::Node* node : graph->nodes())
        if (node->kind() == c10::aten::embedding) embeddings.push_back(node);
    int count = 0;
    for (torch::jit::Node* node : embeddings) {
        const auto weight = torch::jit::toIValue(node->input(0));
        if (!weight || !weight->isTensor()) continue;  // frozen models hold weights as constants
        const at::Tensor rows = weight->toTensor().detach();
        if (rows.dim() != 2 || rows.scalar_type() != at::kFloat) continue;
        torch::jit::Stack stack{rows.contiguous()};
        prepack.callBoxed(&stack);
        const at::Tensor packed = stack.front().toTensor();

        torch::jit::WithInsertPoint guard(node);
        torch::jit::Value* indices = node->input(1);
        torch::jit::Value* weights = graph->insertConstant(packed);
        torch::jit::Value* flat = graph->insert(c10::aten::reshape, {indices, std::vector<int64_t>{-1}});
        torch::jit::Value* lookups = graph->insert(c10::aten::size, {flat, int64_t{0}});
        torch::jit::Value* offsets = graph->insert(c10::aten::arange, {lookups});
        torch::jit::Value* bags = graph->insert(c10::Symbol::fromQualString("quantized::embedding_bag_byte_rowwise_offsets"),
                                                {weights, flat, offsets});
        torch::jit::Value* shape = graph->insert(c10::aten::size, {indices});
        torch::jit::Value* full = graph->insert(c10::aten::add, {shape, std::vector<int64_t>{rows.size(1)}});
        node->output()->replaceAllUsesWith(graph->insert(c10::aten::reshape, {bags, full}));
        node->destroy();
        ++count;
    }
    torch::jit::EliminateDeadCode(graph);  // the float weights go with their last use
    return count;
}

}  // namespace ptl::detail
