// Argument shapes read from the consuming layers; see input_inference.h.
#include "session/input_inference.h"

#include <algorithm>

namespace ptl::detail {

using torch::jit::Node;
using torch::jit::Value;

std::optional<c10::IValue> moduleValue(const torch::jit::Module& module, const Value* value) {
    if (value->node()->kind() == c10::prim::Constant) return torch::jit::toIValue(value);
    std::vector<std::string> names;
    while (value->node()->kind() == c10::prim::GetAttr) {
        names.push_back(value->node()->s(c10::attr::name));
        value = value->node()->input();
    }
    if (value->node()->kind() != c10::prim::Param || value->offset() != 0 || names.empty()) return std::nullopt;
    c10::IValue current = module._ivalue();
    for (auto name = names.rbegin(); name != names.rend(); ++name) {
        if (!current.isObject()) return std::nullopt;
        const auto object = current.toObject();
        if (!object->type()->hasAttribute(*name)) return std::nullopt;
        current = object->getAttr(*name);
    }
    return current;
}

std::optional<at::Tensor> weightOf(const torch::jit::Module& module, const Value* value) {
    const auto found = moduleValue(module, value);
    if (!found) return std::nullopt;
    if (found->isTensor()) return found->toTensor();
    if (!found->isObject()) return std::nullopt;
    torch::jit::Object object(found->toObject());
    for (const char* method : {"unpack", "__getstate__"}) {
        try {
            const c10::IValue state = object.run_method(method);
            if (state.isTuple() && state.toTupleRef().elements().at(0).isTensor())
                return state.toTupleRef().elements()[0].toTensor();
            if (state.isTensor()) return state.toTensor();
        } catch (const std::exception&) {
        }
    }
    return std::nullopt;
}

std::optional<Guess> guessFromConsumers(const torch::jit::Module& module, const Value* argument, int depth) {
    if (depth > 8) return std::nullopt;
    for (const torch::jit::Use& use : argument->uses()) {
        const Node* node = use.user;
        // A value returned from an If block continues as the If's output.
        if (node->kind() == c10::prim::Return && node->owningBlock()->owningNode() &&
            node->owningBlock()->owningNode()->kind() == c10::prim::If) {
            if (auto guess = guessFromConsumers(module, node->owningBlock()->owningNode()->output(use.offset), depth + 1))
                return guess;
            continue;
        }
        const std::string kind = node->kind().toQualString();
        const bool quantizedConv = kind.rfind("quantized::conv", 0) == 0 || kind == "prepacked::conv2d_clamp_run";
        if (use.offset == 0 && (kind == "aten::conv1d" || kind == "aten::conv2d" || kind == "aten::conv3d" ||
                                kind == "aten::_convolution" || quantizedConv)) {
            const auto weight = weightOf(module, node->input(1));
            if (!weight) continue;
            int64_t groups = 1;
            const size_t groupsIndex = kind == "aten::_convolution" ? 8 : 6;
            if (!quantizedConv && node->inputs().size() > groupsIndex)
                if (const auto value = torch::jit::constant_as<int64_t>(node->input(groupsIndex))) groups = *value;
            Guess guess;
            guess.shape = {1, weight->size(1) * groups};
            for (int64_t d = 2; d < weight->dim(); ++d) guess.shape.push_back(-1);
            return guess;
        }
        if (use.offset == 0 && (kind == "aten::linear" || kind.rfind("quantized::linear", 0) == 0 ||
                                kind == "prepacked::linear_clamp_run")) {
            if (const auto weight = weightOf(module, node->input(1))) return Guess{{1, weight->size(1)}};
        }
        // Float or 8-bit (row-wise quantized) lookups: the indices are int64 below the row count.
        if (use.offset == 1 && (kind == "aten::embedding" || kind.rfind("quantized::embedding", 0) == 0)) {
            if (const auto weight = weightOf(module, node->input(0)))
                return Guess{{1, -1}, "int64", weight->size(0)};
        }
        // A reshape keeps the indices' values: a lookup after it still tells their dtype and bound.
        if (use.offset == 0 && (kind == "aten::reshape" || kind == "aten::view" || kind == "aten::flatten")) {
            auto guess = guessFromConsumers(module, node->output(), depth + 1);
            if (guess && guess->dtype == "int64") return guess;
        }
        // Ops that keep the shape: look at what consumes their result.
        static const char* passThrough[] = {"aten::quantize_per_tensor", "aten::dequantize", "aten::contiguous",
                                            "aten::mul", "aten::add", "aten::sub", "aten::div", "aten::relu",
                                            "aten::relu_", "aten::hardtanh", "aten::clamp", "aten::dropout",
                                            "quantized::add", "aten::sigmoid", "aten::tanh"};
        for (const char* op : passThrough) {
            if (kind == op && node->outputs().size() == 1) {
                if (auto guess = guessFromConsumers(module, node->output(), depth + 1)) return guess;
            }
        }
    }
    return std::nullopt;
}

std::vector<int64_t> fill(std::vector<int64_t> shape, int64_t size) {
    for (int64_t& dim : shape)
        if (dim < 0) dim = size;
    return shape;
}

bool hasFreeDims(const std::vector<int64_t>& shape) {
    return std::find(shape.begin(), shape.end(), -1) != shape.end();
}

}  // namespace ptl::detail
