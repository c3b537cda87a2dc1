// optimize_for_mobile's passes by name; see optimize.h.
#include "convert/optimize.h"

#include "session/plain_run.h"

#include <torch/csrc/jit/passes/xnnpack_rewrite.h>

#include <algorithm>
#include <functional>
#include <set>

namespace ptl {

namespace {

using torch::jit::MobileOptimizerType;

const std::vector<std::pair<std::string, MobileOptimizerType>>& optimizations() {
    static const std::vector<std::pair<std::string, MobileOptimizerType>> all{
        {"conv-bn-fusion", MobileOptimizerType::CONV_BN_FUSION},
        {"insert-fold-prepack-ops", MobileOptimizerType::INSERT_FOLD_PREPACK_OPS},
        {"remove-dropout", MobileOptimizerType::REMOVE_DROPOUT},
        {"fuse-add-relu", MobileOptimizerType::FUSE_ADD_RELU},
        {"hoist-conv-packed-params", MobileOptimizerType::HOIST_CONV_PACKED_PARAMS},
        {"conv1d-to-conv2d", MobileOptimizerType::CONV_1D_TO_2D}};
    return all;
}

}  // namespace

const std::vector<std::string>& optimizationNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> all;
        for (const auto& [name, type] : optimizations()) all.push_back(name);
        return all;
    }();
    return names;
}

namespace detail {

std::map<std::string, int64_t> opCounts(const torch::jit::Module& module) {
    std::map<std::string, int64_t> counts;
    const auto graph = inlinedForward(module);
    std::function<void(const torch::jit::Block*)> count = [&](const torch::jit::Block* block) {
        for (const torch::jit::Node* node : block->nodes()) {
            const std::string kind = node->kind().toQualString();
            if (kind != "prim::Constant" && kind != "prim::GetAttr") ++counts[kind];
            for (const torch::jit::Block* inner : node->blocks()) count(inner);
        }
    };
    count(graph->block());
    return counts;
}

std::vector<OpCountChange> opChanges(const std::map<std::string, int64_t>& before,
                                     const std::map<std::string, int64_t>& after) {
    std::set<std::string> ops;
    for (const auto& entry : before) ops.insert(entry.first);
    for (const auto& entry : after) ops.insert(entry.first);
    std::vector<OpCountChange> changes;
    for (const std::string& op : ops) {
        const int64_t was = before.count(op) ? before.at(op) : 0, is = after.count(op) ? after.at(op) : 0;
        if (was != is) changes.push_back({op, was, is});
    }
    return changes;
}

torch::jit::Module optimizeForMobile(const torch::jit::Module& module, const std::vector<std::string>& skipped,
                                     const std::vector<std::string>& preservedMethods, std::vector<std::string>& applied) {
    std::set<MobileOptimizerType> blocklist;
    for (const auto& [name, type] : optimizations()) {
        if (std::find(skipped.begin(), skipped.end(), name) != skipped.end())
            blocklist.insert(type);
        else
            applied.push_back(name);
    }
    return torch::jit::optimizeForMobile(module, blocklist, preservedMethods);
}

}  // namespace detail

}  // namespace ptl
