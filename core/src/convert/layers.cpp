// Weighted layers in execution order; see layers.h.
#include "convert/layers.h"

#include "session/plain_run.h"
#include "session/scope.h"

namespace ptl::detail {

bool isWeightedOp(const std::string& kind) {
    if (isFloatWeightedOp(kind) || isQuantizedWeightedOp(kind)) return kind.find("pack") == std::string::npos;
    return kind == "aten::embedding" || kind == "aten::embedding_bag" || kind.rfind("quantized::embedding", 0) == 0 ||
           (kind.rfind("prepacked::", 0) == 0 && kind.size() > 4 && kind.compare(kind.size() - 4, 4, "_run") == 0);
}

void collectWeightedOps(const torch::jit::Block* block, std::vector<const torch::jit::Node*>& ops) {
    for (const torch::jit::Node* node : block->nodes()) {
        if (isWeightedOp(node->kind().toQualString())) ops.push_back(node);
        for (const torch::jit::Block* inner : node->blocks()) collectWeightedOps(inner, ops);
    }
}

std::vector<std::string> layerModules(const torch::jit::Module& folded, const torch::jit::Module& source) {
    const auto graph = inlinedForward(folded);
    std::vector<const torch::jit::Node*> ops;
    collectWeightedOps(graph->block(), ops);
    std::vector<std::string> modules;
    for (const torch::jit::Node* op : ops) modules.push_back(scopeOf(op, &source));
    return modules;
}

}  // namespace ptl::detail
