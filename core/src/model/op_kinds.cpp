// Operator kinds the converter and the analyses single out; see op_kinds.h.
#include "ptl/op_kinds.h"

namespace ptl {

bool isFloatWeightedOp(const std::string& kind) {
    // aten::_convolution is how a traced model records its convolutions.
    return kind == "aten::conv1d" || kind == "aten::conv2d" || kind == "aten::conv3d" || kind == "aten::_convolution" ||
           kind == "aten::linear" || kind == "aten::lstm" || kind == "aten::gru";
}

bool isQuantizedWeightedOp(const std::string& kind) {
    return kind.rfind("quantized::conv", 0) == 0 || kind.rfind("quantized::linear", 0) == 0 ||
           kind == "aten::quantized_lstm" || kind == "aten::quantized_gru";
}

bool isFileAccessOp(const std::string& kind) { return kind == "aten::save" || kind == "aten::from_file"; }

}  // namespace ptl
