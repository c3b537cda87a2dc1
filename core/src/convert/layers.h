// The weighted layers of a model (conv, linear, RNN, embedding, in float, quantized or
// prepacked form) in execution order: what converted variants are matched against, since the
// rewritten ops keep no module paths.
#pragma once

#include "ptl/op_kinds.h"

#include <torch/script.h>

#include <string>
#include <vector>

namespace ptl::detail {

using ptl::isFloatWeightedOp;
using ptl::isQuantizedWeightedOp;
bool isWeightedOp(const std::string& kind);           // either, or an embedding or prepacked op; no packing ops
void collectWeightedOps(const torch::jit::Block* block, std::vector<const torch::jit::Node*>& ops);

// The layers of the float model, in execution order, by module path in the source model.
std::vector<std::string> layerModules(const torch::jit::Module& folded, const torch::jit::Module& source);

}  // namespace ptl::detail
