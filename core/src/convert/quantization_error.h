// What quantization cost, measured against the float model on calibration batches: forward's
// max abs error, cosine similarity and top-1 agreement, and the SQNR of every quantized conv,
// linear, LSTM and GRU against the float op it replaced.
#pragma once

#include "ptl/convert.h"

#include <torch/script.h>

#include <vector>

namespace ptl::detail {

// folded: the float model as the conversion left its structure (conv-bn folded, frozen); source:
// the loaded model, for module paths. Fills the quantization figures of verification.
// keepFloat: modules left in float, whose float ops have no quantized counterpart.
void measureQuantizationError(const torch::jit::Module& folded, const torch::jit::Module& source,
                              const torch::jit::Module& quantized, const std::vector<std::string>& keepFloat, const std::vector<std::vector<c10::IValue>>& batches,
                              Verification& verification, const JobControl& job);

// The calibration batches the error is measured on: up to 64, and no more than about 320k input
// elements (two 224x224 RGB images, or all 64 batches of a small model), so the measurement stays
// a small part of the conversion's time.
std::vector<std::vector<c10::IValue>> errorBatches(const std::vector<std::vector<c10::IValue>>& batches);

}  // namespace ptl::detail
