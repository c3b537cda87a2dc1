// Serialized sizes and weight bytes by module; see weight_sizes.h.
#include "convert/weight_sizes.h"

#include "convert/layers.h"
#include "session/plain_run.h"
#include "session/scope.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

namespace ptl::detail {

namespace {

// The bytes of the tensors in a value: a tensor, a list or tuple of them, or an object whose state
// holds them (packed int8 weights, XNNPACK contexts, RNN cells). A storage counts once.
int64_t stateBytes(const c10::IValue& value, std::set<const void*>& seen) {
    if (value.isTensor()) {
        const at::Tensor& tensor = value.toTensor();
        if (!tensor.defined() || !seen.insert(tensor.storage().unsafeGetStorageImpl()).second) return 0;
        return static_cast<int64_t>(tensor.numel() * tensor.element_size());
    }
    int64_t total = 0;
    if (value.isList()) {
        for (const c10::IValue& element : value.toListRef()) total += stateBytes(element, seen);
    } else if (value.isTuple()) {
        for (const c10::IValue& element : value.toTupleRef().elements()) total += stateBytes(element, seen);
    } else if (value.isObject() && !value.toObjectRef().type()->is_module()) {
        torch::jit::Object object(value.toObject());
        if (const auto state = object.find_method("__getstate__")) {
            try {
                total += stateBytes((*state)({}), seen);
            } catch (const std::exception&) {
            }
        } else {
            for (const c10::IValue& slot : object._ivalue()->slots()) total += stateBytes(slot, seen);
        }
    }
    return total;
}

}  // namespace

int64_t serializedBytes(const torch::jit::Module& module) {
    std::stringstream bytes;
    module.save(bytes);
    return static_cast<int64_t>(bytes.str().size());
}

std::map<std::string, int64_t> attributeBytesByModule(const torch::jit::Module& root) {
    std::map<std::string, int64_t> bytes;
    std::set<const void*> seen;
    std::function<void(const torch::jit::Module&, const std::string&)> visit = [&](const torch::jit::Module& module,
                                                                                   const std::string& path) {
        const auto type = module.type();
        for (size_t i = 0; i < type->numAttributes(); ++i) {
            const c10::IValue value = module._ivalue()->getSlot(i);
            if (value.isObject() && value.toObjectRef().type()->is_module()) {
                const std::string& name = type->getAttributeName(i);
                visit(torch::jit::Module(value.toObject()), path.empty() ? name : path + "." + name);
            } else if (const int64_t size = stateBytes(value, seen)) {
                bytes[path] += size;
            }
        }
    };
    visit(root, "");
    return bytes;
}

std::map<std::string, int64_t> weightBytesByModule(const torch::jit::Module& module, const std::vector<std::string>& layers,
                                                   const torch::jit::Module& source) {
    std::map<std::string, int64_t> attributes = attributeBytesByModule(module);
    if (attributes.size() > 1 || (attributes.size() == 1 && !attributes.count(""))) return attributes;
    const auto graph = inlinedForward(module);
    std::vector<const torch::jit::Node*> ops;
    collectWeightedOps(graph->block(), ops);
    if (ops.size() != layers.size()) {
        spdlog::info("sizes per module not measured: {} layers in the float model, {} after conversion", layers.size(), ops.size());
        return {};
    }
    std::unordered_map<const torch::jit::Node*, std::string> layerOf;
    for (size_t i = 0; i < ops.size(); ++i) layerOf[ops[i]] = layers[i];
    const torch::jit::Value* self = graph->inputs().at(0);
    std::map<std::string, int64_t> bytes;
    std::set<const void*> seen;
    std::function<void(const torch::jit::Block*)> visit = [&](const torch::jit::Block* block) {
        for (const torch::jit::Node* node : block->nodes()) {
            for (const torch::jit::Block* inner : node->blocks()) visit(inner);
            std::optional<c10::IValue> value;
            if (node->kind() == c10::prim::Constant)
                value = torch::jit::toIValue(node->output());
            else if (node->kind() == c10::prim::GetAttr && node->input(0) == self)
                value = module.attr(node->s(c10::attr::name));
            if (!value || node->output()->uses().empty()) continue;
            const int64_t size = stateBytes(*value, seen);
            if (size == 0) continue;
            const torch::jit::Node* reader = node->output()->uses().front().user;
            if (reader->kind() == c10::prim::ListConstruct && !reader->output()->uses().empty())
                reader = reader->output()->uses().front().user;  // an RNN's weight list
            const auto layer = layerOf.find(reader);
            bytes[layer != layerOf.end() ? layer->second : scopeOf(reader, &source)] += size;
        }
    };
    visit(graph->block());
    return bytes;
}

}  // namespace ptl::detail
