// Observers for graph-mode quantization, as TorchScript modules defined from C++ (PyTorch's are
// Python classes, which a C++ program cannot instantiate): the passes read their dtype and qscheme
// attributes (and ch_axis for per-channel ones) and call calculate_qparams.
#pragma once

#include <torch/script.h>

#include <string>

namespace ptl::detail {

// ScalarType and QScheme are plain numbers in TorchScript source defined from C++ (torch.int64
// does not resolve there): quint8 13, qint8 12; per_tensor_affine 0, per_channel_affine 1,
// per_tensor_symmetric 2, per_channel_symmetric 3.
struct ObserverSpec {
    std::string name;
    int64_t dtype, qscheme, quantMin, quantMax;
    bool perChannel = false;
};

// The range of everything seen (per channel along axis 0 when perChannel).
torch::jit::Module minMaxObserver(const ObserverSpec& spec);
// Activations: quint8 0..quantMax, with the clipping range of least expected error.
torch::jit::Module histogramObserver(int64_t quantMax);

}  // namespace ptl::detail
