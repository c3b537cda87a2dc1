// File-opening operators in forward, and the refusal to run them where nothing contains them.
#include "session/file_access.h"

#include "ptl/errors.h"
#include "ptl/op_kinds.h"
#include "session/session_state.h"

#include <atomic>
#include <functional>

namespace ptl {

namespace {
std::atomic<bool> fileAccessAllowed{true};
}  // namespace

void setFileAccessInModelCodeAllowed(bool allowed) { fileAccessAllowed = allowed; }

namespace detail {

std::vector<const torch::jit::Node*> fileAccessNodes(const torch::jit::Graph& graph) {
    std::vector<const torch::jit::Node*> found;
    std::function<void(const torch::jit::Block*)> visit = [&](const torch::jit::Block* block) {
        for (const torch::jit::Node* node : block->nodes()) {
            if (isFileAccessOp(node->kind().toQualString())) found.push_back(node);
            for (const torch::jit::Block* inner : node->blocks()) visit(inner);
        }
    };
    visit(graph.block());
    return found;
}

std::string describeFileAccess(const torch::jit::Node* node) {
    const std::string kind = node->kind().toQualString();
    // aten::save(item, filename), aten::from_file(filename, ...)
    const torch::jit::Value* name = node->inputs().at(kind == "aten::save" ? 1 : 0);
    const std::optional<c10::IValue> constant = torch::jit::toIValue(name);
    if (constant && constant->isString()) return kind + " on \"" + constant->toStringRef() + "\"";
    return kind + " on a file named at run time";
}

// Called before forward first runs on sample inputs.
void refuseUncontainedFileAccess(const Session::State& state) {
    if (fileAccessAllowed || !state.forwardGraph) return;
    const std::vector<const torch::jit::Node*> nodes = fileAccessNodes(*state.forwardGraph);
    if (nodes.empty()) return;
    throw ModelError(state.file.path, "forward calls " + describeFileAccess(nodes.front()) +
                                          " and this system cannot keep it from writing files (no Landlock); "
                                          "refusing to run it");
}

}  // namespace detail

}  // namespace ptl
