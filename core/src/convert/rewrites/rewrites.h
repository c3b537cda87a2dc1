// Graph rewrites on a quantized model's forward, where LibTorch 1.13's own passes fall short. Each
// works on forward's graph in place and returns how many sites it changed.
#pragma once

#include <torch/script.h>

namespace ptl::detail {

// LibTorch 1.13's qnnpack clamp (quantized hardtanh, relu6, clamp) reads channels-last tensors as
// if they were contiguous, and quantized convolutions return channels-last tensors: every ReLU6
// network (MobileNetV2 and its kind) comes out of the graph-mode passes computing garbage, on the
// host and on the phone alike. Where the clamp follows an op that quantizes its own output, the
// clamp becomes that op's output range (values outside it saturate, which is the clamp) and is
// removed; elsewhere the clamp's input is made contiguous first. Returns the clamps repaired.
int repairQuantizedClamps(torch::jit::Module& module);

// 8-bit weight-only embeddings: aten::embedding on a frozen weight becomes a lookup in per-row
// quantized weights (uint8 with a float scale and offset per row, PyTorch's
// float_qparams_weight_only_qconfig). The graph passes of 1.13 cover embedding_bag only, so the
// lookup is an embedding_bag of one index per bag, reshaped back. The weights are a plain uint8
// tensor: a packed-params object would be serialized twice in a .ptl.
int quantizeEmbeddings(torch::jit::Module& module);

// Dynamic int8 LSTM and GRU, built as torch.ao's quantize_dynamic builds them (the 1.13 graph
// passes cover Linear only): per layer and direction, the input and hidden weights are quantized
// (per-tensor symmetric int8) and prepacked with their biases for linear_dynamic, and bundled in
// the CellParamsBase objects aten::quantized_lstm and aten::quantized_gru run on. Works on the
// frozen graph, where the weights are a constant list. Returns the layers quantized.
int quantizeRecurrent(torch::jit::Module& module);

// The passes ask for reduce_range (an x86 setting); qnnpack ignores it with a warning per call.
void useFullRange(torch::jit::Module& module);

}  // namespace ptl::detail
