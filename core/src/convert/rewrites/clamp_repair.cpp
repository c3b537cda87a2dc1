// repairQuantizedClamps: the qnnpack clamp defect and its repair; see rewrites.h.
#include "convert/rewrites/rewrites.h"

#include "common/quantized_ops.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace ptl::detail {

int repairQuantizedClamps(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    auto constantDouble = [](const torch::jit::Value* value) -> std::optional<double> {
        const auto constant = torch::jit::toIValue(value);
        if (!constant || !(constant->isDouble() || constant->isInt())) return std::nullopt;
        return constant->isDouble() ? constant->toDouble() : double(constant->toInt());
    };
    auto readDouble = [&](const torch::jit::Value* value, double& out) {
        const auto constant = constantDouble(value);
        if (constant) out = *constant;
        return constant.has_value();
    };
    std::vector<torch::jit::Node*> clamps;
    for (torch::jit::Node* node : graph->nodes()) {
        const std::string kind = node->kind().toQualString();
        if (!isQuantizedClamp(kind)) continue;
        const torch::jit::Node* producer = node->input(0)->node();
        const std::string producerKind = producer->kind().toQualString();
        if (producerKind.rfind("quantized::", 0) == 0 || producerKind == "aten::quantize_per_tensor" ||
            producerKind == "aten::hardtanh" || producerKind == "aten::hardtanh_")
            clamps.push_back(node);
    }
    int repaired = 0;
    for (torch::jit::Node* clamp : clamps) {
        const std::string kind = clamp->kind().toQualString();
        std::optional<double> low = 0.0, high = 6.0;  // relu6
        const bool relu6 = kind.find("relu6") != std::string::npos;
        if (!relu6) {
            low = constantDouble(clamp->input(1));
            high = constantDouble(clamp->input(2));
        }
        torch::jit::Value* input = clamp->input(0);
        torch::jit::Node* producer = input->node();
        const std::string producerKind = producer->kind().toQualString();
        // Quantized conv, linear and add take their output scale and zero point as the last two inputs.
        const bool ownsRange = (producerKind.rfind("quantized::conv", 0) == 0 ||
                                (producerKind.rfind("quantized::linear", 0) == 0 && producerKind.find("dynamic") == std::string::npos) ||
                                producerKind.rfind("quantized::add", 0) == 0) &&
                               producer->inputs().size() >= 4 && input->uses().size() == 1;
        // Plain doubles rather than optionals: GCC 12 misreads the optionals as maybe uninitialized.
        double scale = 0, zeroPoint = 0;
        const bool rangeKnown = ownsRange && low && high &&
                                readDouble(producer->input(producer->inputs().size() - 2), scale) &&
                                readDouble(producer->input(producer->inputs().size() - 1), zeroPoint) && scale > 0;
        if (rangeKnown) {
            // quint8 activations: 0..255.
            const double lowest = std::max(*low, (0 - zeroPoint) * scale);
            const double highest = std::min(*high, (255 - zeroPoint) * scale);
            if (lowest <= 0 && highest > 0) {
                const double newScale = (highest - lowest) / 255.0;
                const int64_t newZeroPoint = std::clamp<int64_t>(std::llround(-lowest / newScale), 0, 255);
                torch::jit::WithInsertPoint guard(producer);
                producer->replaceInput(producer->inputs().size() - 2, graph->insertConstant(newScale));
                producer->replaceInput(producer->inputs().size() - 1, graph->insertConstant(newZeroPoint));
                clamp->output()->replaceAllUsesWith(input);
                clamp->destroy();
                ++repaired;
                continue;
            }
        }
        // An in-place clamp now writes to the copy: later readers of its input read its output.
        const c10::optional<bool> inPlaceFlag =
            kind == "quantized::relu6" ? torch::jit::constant_as<bool>(clamp->input(1)) : c10::nullopt;
        if (kind.back() == '_' || (kind == "quantized::relu6" && inPlaceFlag.value_or(true)))
            input->replaceAllUsesAfterNodeWith(clamp, clamp->output());
        torch::jit::WithInsertPoint guard(clamp);
        clamp->replaceInput(0, graph->insert(c10::aten::contiguous, {input}));
        ++repaired;
    }
    torch::jit::EliminateDeadCode(graph);
    return repaired;
}

}  // namespace ptl::detail
