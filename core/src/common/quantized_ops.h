// Facts about quantized ops and modules that inspection, the quantization audit and conversion
// all rely on; each is decided here once.
#pragma once

#include <torch/script.h>

#include <optional>
#include <string>
#include <vector>

namespace ptl::detail {

// Weights held by a quantized module's packed-params objects (not visible as parameters).
struct PackedWeight {
    std::string attribute;           // "_packed_params"
    at::Tensor weight;
    std::optional<at::Tensor> bias;
};
std::vector<PackedWeight> packedWeightsOf(const torch::jit::Module& module);  // own attributes only
// The weights in one packed-params object (conv, linear, embedding), if it unpacks.
std::optional<PackedWeight> unpackPacked(const c10::IValue& value, std::string attribute);

// Ops that run on LibTorch 1.13's qnnpack clamp kernel when given a quantized tensor (hardtanh,
// relu6, clamp and their in-place forms), which misreads channels-last input: inspect flags them
// after quantized convolutions, convert rewrites them.
bool isQuantizedClamp(const std::string& kind);

// Quantized ops with quantized outputs (dynamic linear and embedding lookups return floats).
bool producesQuantizedTensor(const std::string& kind);

}  // namespace ptl::detail
