// Quantization with LibTorch's graph-mode passes (InsertObservers, InsertQuantDeQuant, Finalize)
// and our rewrites (convert/rewrites) where the passes of 1.13 fall short.
#pragma once

#include "ptl/convert.h"

#include <torch/script.h>

#include <string>
#include <vector>

namespace ptl::detail {

// int8 Linear (the passes), LSTM and GRU (rewrites), 8-bit embeddings; activations quantized at
// run time at full range. Returns a whole module (saved and reloaded after the rewrites).
torch::jit::Module quantizeDynamic(const torch::jit::Module& module);

// Static post-training quantization of a model with its conv-bn pairs folded: observe activations
// and weights on calibration batches, then quantize. qnnpack (phones): per-tensor symmetric int8
// weights, full-range activations; x86: per-channel weights and activations reduced to 0..127
// (fbgemm's habit). The folded copy is changed in place.
// Modules named in keepFloat (paths such as "features.3") stay float with all they contain.
torch::jit::Module quantizeStatic(torch::jit::Module folded, QuantizedBackend backend, ActivationObserver observer,
                                  const std::vector<std::string>& keepFloat,
                                  const std::vector<std::vector<c10::IValue>>& batches, const JobControl& job);

}  // namespace ptl::detail
