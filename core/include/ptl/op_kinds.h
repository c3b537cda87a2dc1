// Which operators carry a layer's weights, by TorchScript kind: what the converter matches float
// layers with their quantized replacements by, and what the window colours by quantization error.
#pragma once

#include <string>

namespace ptl {

bool isFloatWeightedOp(const std::string& kind);      // aten::conv2d, aten::linear, aten::lstm, ...
bool isQuantizedWeightedOp(const std::string& kind);  // quantized::conv2d, quantized::linear_dynamic, ...

// Operators that open files by name when the model runs: aten::save (torch.save) and
// aten::from_file (torch.from_file, which with shared=True also creates and writes the file).
bool isFileAccessOp(const std::string& kind);

}  // namespace ptl
