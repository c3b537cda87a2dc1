// Packed weights, the qnnpack clamp ops and quantized outputs; see quantized_ops.h.
#include "common/quantized_ops.h"

#include <set>

namespace ptl::detail {

std::optional<PackedWeight> unpackPacked(const c10::IValue& value, std::string attribute) {
    if (!value.isObject()) return std::nullopt;
    // Quantized packed params unpack to (weight, bias); XNNPACK contexts (optimize_for_mobile)
    // only pickle, with the weight and bias first in their state.
    for (const char* method : {"unpack", "__getstate__"}) {
        try {
            const c10::IValue unpacked = torch::jit::Object(value.toObject()).run_method(method);
            PackedWeight packed;
            packed.attribute = attribute;
            if (unpacked.isTuple() && !unpacked.toTupleRef().elements().empty() &&
                unpacked.toTupleRef().elements()[0].isTensor()) {
                const auto& elements = unpacked.toTupleRef().elements();
                packed.weight = elements[0].toTensor();
                if (elements.size() > 1 && elements[1].isTensor()) packed.bias = elements[1].toTensor();
            } else if (unpacked.isTensor()) {
                packed.weight = unpacked.toTensor();
            } else {
                continue;
            }
            return packed;
        } catch (const std::exception&) {
            // a packed-params class without this method (custom backends)
        }
    }
    return std::nullopt;
}

std::vector<PackedWeight> packedWeightsOf(const torch::jit::Module& module) {
    std::vector<PackedWeight> weights;
    const auto type = module.type();
    for (size_t i = 0; i < type->numAttributes(); ++i) {
        const c10::TypePtr& attributeType = type->getAttribute(i);
        if (attributeType->is_module() || attributeType->str().find("PackedParams") == std::string::npos) continue;
        if (auto packed = unpackPacked(module._ivalue()->getSlot(i), type->getAttributeName(i)))
            weights.push_back(std::move(*packed));
    }
    return weights;
}

bool isQuantizedClamp(const std::string& kind) {
    static const std::set<std::string> clamps{"aten::hardtanh", "aten::hardtanh_", "aten::relu6",     "aten::relu6_",
                                              "aten::clamp",    "aten::clamp_",    "quantized::relu6"};
    return clamps.count(kind) > 0;
}

bool producesQuantizedTensor(const std::string& kind) {
    if (kind == "aten::quantize_per_tensor") return true;
    if (kind.rfind("quantized::", 0) != 0) return false;
    for (const char* floatResult : {"dynamic", "embedding", "prepack", "unpack"})
        if (kind.find(floatResult) != std::string::npos) return false;
    return true;
}

}  // namespace ptl::detail
