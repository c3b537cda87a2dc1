// scopeOf and ScopeResolver; see scope.h.
#include "session/scope.h"

#include <optional>

namespace ptl::detail {

using torch::jit::Node;

std::string scopeOf(const Node* node, const torch::jit::Module* root) {
    const auto stack = node->callstack();
    if (!stack) return {};
    std::string path;
    std::optional<torch::jit::Module> current;
    if (root) current = *root;
    auto childModule = [](const torch::jit::Module& parent, const std::string& name) -> std::optional<torch::jit::Module> {
        if (!parent.hasattr(name)) return std::nullopt;
        const c10::IValue child = parent.attr(name);
        if (!child.isObject() || !child.toObjectRef().type()->is_module()) return std::nullopt;
        return torch::jit::Module(child.toObject());
    };
    for (const auto& entry : (*stack)->vec()) {
        const auto& instance = std::get<torch::jit::kModuleInstanceInfo>(entry);
        if (!instance) continue;
        const std::string name = instance->instance_name();
        if (name.empty() || name == "self" || name == "SELF" || name == "INSTANCE_NAME_UNKNOWN") continue;
        std::string step = name;
        if (current) {
            auto child = childModule(*current, name);
            if (!child) {  // reached through a container that made no call
                for (const torch::jit::NameModule& container : current->named_children()) {
                    if ((child = childModule(container.value, name))) {
                        step = container.name + "." + name;
                        break;
                    }
                }
            }
            current = child;
        }
        path += (path.empty() ? "" : ".") + step;
    }
    return path;
}

std::string ScopeResolver::operator()(const Node* node) {
    const auto stack = node->callstack();
    if (!stack) return {};
    const auto known = paths_.find(stack->get());
    if (known != paths_.end()) return known->second;
    return paths_[stack->get()] = scopeOf(node, root_);
}

}  // namespace ptl::detail
