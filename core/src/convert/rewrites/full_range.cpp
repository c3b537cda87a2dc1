// useFullRange: dynamic linear layers without reduce_range; see rewrites.h.
#include "convert/rewrites/rewrites.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>

namespace ptl::detail {

void useFullRange(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    torch::jit::Value* fullRange = nullptr;
    for (torch::jit::Node* node : graph->nodes()) {
        if (node->kind() != c10::Symbol::fromQualString("quantized::linear_dynamic") || node->inputs().size() < 3) continue;
        if (!fullRange) {
            torch::jit::WithInsertPoint guard(graph->nodes().front());
            fullRange = graph->insertConstant(false);
        }
        node->replaceInput(2, fullRange);
    }
    torch::jit::EliminateDeadCode(graph);
}

}  // namespace ptl::detail
