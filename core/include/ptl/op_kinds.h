// Which operators carry a layer's weights, by TorchScript kind: what the converter matches float
// layers with their quantized replacements by, and what the window colours by quantization error.
#pragma once

#include <string>

namespace ptl {

bool isFloatWeightedOp(const std::string& kind);      // aten::conv2d, aten::linear, aten::lstm, ...
bool isQuantizedWeightedOp(const std::string& kind);  // quantized::conv2d, quantized::linear_dynamic, ...

}  // namespace ptl
