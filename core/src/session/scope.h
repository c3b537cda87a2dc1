// Module paths of graph nodes ("features.0"), from the call stacks that inlining leaves on them.
#pragma once

#include <torch/script.h>

#include <string>
#include <unordered_map>

namespace ptl::detail {

// The module instance path of a node of an inlined graph ("features.0"), from its call stack.
// Containers iterated in forward (ModuleList, ModuleDict) make no call, so the stack names only
// their children; with the root module given, those steps are found in the module tree
// ("layers.0.ffn", not "0.ffn").
std::string scopeOf(const torch::jit::Node* node, const torch::jit::Module* root = nullptr);

// scopeOf for every node of a graph: nodes inlined from one call share their call stack, which is
// resolved in the module tree once.
class ScopeResolver {
public:
    explicit ScopeResolver(const torch::jit::Module* root) : root_(root) {}
    std::string operator()(const torch::jit::Node* node);

private:
    const torch::jit::Module* root_;
    std::unordered_map<const void*, std::string> paths_;  // by call stack
};

}  // namespace ptl::detail
