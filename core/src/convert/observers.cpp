// The min-max and histogram observers as TorchScript source; see observers.h.
#include "convert/observers.h"

namespace ptl::detail {

torch::jit::Module minMaxObserver(const ObserverSpec& spec) {
    auto unit = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module observer("__torch__.ptl.quantization." + spec.name, unit, true);
    observer.register_attribute("dtype", c10::IntType::get(), spec.dtype);
    observer.register_attribute("qscheme", c10::IntType::get(), spec.qscheme);
    observer.register_attribute("quant_min", c10::IntType::get(), spec.quantMin);
    observer.register_attribute("quant_max", c10::IntType::get(), spec.quantMax);
    observer.register_attribute("ch_axis", c10::IntType::get(), int64_t{0});
    observer.register_attribute("min_val", c10::TensorType::get(), torch::empty({0}));
    observer.register_attribute("max_val", c10::TensorType::get(), torch::empty({0}));
    const std::string reduce = spec.perChannel ? R"(
        y = x.detach().transpose(0, self.ch_axis).flatten(1)
        lo = torch.amin(y, 1)
        hi = torch.amax(y, 1))"
                                               : R"(
        y = x.detach()
        lo = torch.min(y).reshape(1)
        hi = torch.max(y).reshape(1))";
    observer.define(R"(
def forward(self, x: Tensor) -> Tensor:
    if x.numel() > 0:)" + reduce + R"(
        if self.min_val.numel() == 0:
            self.min_val = lo
            self.max_val = hi
        else:
            self.min_val = torch.min(lo, self.min_val)
            self.max_val = torch.max(hi, self.max_val)
    return x

def calculate_qparams(self):
    lo = self.min_val
    hi = self.max_val
    if lo.numel() == 0:
        lo = torch.zeros(1)
        hi = torch.zeros(1)
    lo = torch.clamp(lo, max=0.0)
    hi = torch.clamp(hi, min=0.0)
    levels = float(self.quant_max - self.quant_min)
    if self.qscheme == 2 or self.qscheme == 3:
        scale = torch.clamp(2.0 * torch.max(-lo, hi) / levels, min=1e-8)
        zero_point = torch.zeros(scale.size(), dtype=3)
    else:
        scale = torch.clamp((hi - lo) / levels, min=1e-8)
        zero_point = torch.clamp(self.quant_min - torch.round(lo / scale), self.quant_min, self.quant_max).to(3)
    if self.qscheme == 0 or self.qscheme == 2:
        return scale.reshape(()), zero_point.reshape(())
    return scale, zero_point
)");
    return observer;
}

// Activations: a histogram of everything seen (rebinned as the range grows); calculate_qparams
// searches clipping ranges for the one with the least expected squared quantization error
// (clipping error outside the range, rounding error scale^2/12 inside).
torch::jit::Module histogramObserver(int64_t quantMax) {
    auto unit = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module observer("__torch__.ptl.quantization.HistogramObserver", unit, true);
    observer.register_attribute("dtype", c10::IntType::get(), int64_t{13});
    observer.register_attribute("qscheme", c10::IntType::get(), int64_t{0});
    observer.register_attribute("quant_min", c10::IntType::get(), int64_t{0});
    observer.register_attribute("quant_max", c10::IntType::get(), quantMax);
    observer.register_attribute("bins", c10::IntType::get(), int64_t{2048});
    observer.register_attribute("histogram", c10::TensorType::get(), torch::empty({0}));
    observer.register_attribute("min_val", c10::TensorType::get(), torch::empty({0}));
    observer.register_attribute("max_val", c10::TensorType::get(), torch::empty({0}));
    observer.define(R"(
def forward(self, x: Tensor) -> Tensor:
    if x.numel() == 0:
        return x
    y = x.detach().float()
    lo = torch.min(y).reshape(1)
    hi = torch.max(y).reshape(1)
    if self.histogram.numel() == 0:
        self.min_val = lo
        self.max_val = hi
        self.histogram = torch.histc(y, self.bins, float(lo.item()), float(hi.item()))
        return x
    new_lo = torch.min(lo, self.min_val)
    new_hi = torch.max(hi, self.max_val)
    old_width = (self.max_val - self.min_val) / self.bins
    new_width = torch.clamp((new_hi - new_lo) / self.bins, min=1e-12)
    centers = self.min_val + (torch.arange(self.bins).float() + 0.5) * old_width
    index = torch.clamp(torch.floor((centers - new_lo) / new_width), 0, self.bins - 1).long()
    rebinned = torch.zeros(self.bins).index_add_(0, index, self.histogram)
    self.histogram = rebinned + torch.histc(y, self.bins, float(new_lo.item()), float(new_hi.item()))
    self.min_val = new_lo
    self.max_val = new_hi
    return x

def calculate_qparams(self):
    if self.histogram.numel() == 0:
        return torch.tensor(1.0), torch.tensor(0, dtype=3)
    width = (self.max_val - self.min_val) / self.bins
    centers = self.min_val + (torch.arange(self.bins).float() + 0.5) * width
    cdf = torch.cumsum(self.histogram, 0) / torch.clamp(torch.sum(self.histogram), min=1.0)
    levels = float(self.quant_max - self.quant_min)
    best_error = torch.tensor(float("inf"))
    best_lo = self.min_val
    best_hi = self.max_val
    for low_tail in [0.0, 1e-5, 1e-4, 1e-3, 1e-2]:
        for high_tail in [0.0, 1e-5, 1e-4, 1e-3, 1e-2]:
            lo_index = int(torch.sum(cdf <= low_tail).item())
            hi_index = max(lo_index, self.bins - 1 - int(torch.sum(cdf >= 1.0 - high_tail).item()) + 1)
            hi_index = min(hi_index, self.bins - 1)
            a = torch.clamp(centers[lo_index].reshape(1) - width / 2, max=0.0)
            b = torch.clamp(centers[hi_index].reshape(1) + width / 2, min=0.0)
            scale = torch.clamp((b - a) / levels, min=1e-8)
            clipped = torch.where(centers < a, (a - centers) ** 2, torch.where(centers > b, (centers - b) ** 2, scale * scale / 12.0))
            error = torch.sum(self.histogram * clipped)
            if bool(error < best_error):
                best_error = error
                best_lo = a
                best_hi = b
    scale = torch.clamp((best_hi - best_lo) / levels, min=1e-8)
    zero_point = torch.clamp(self.quant_min - torch.round(best_lo / scale), self.quant_min, self.quant_max).to(3)
    return scale.reshape(()), zero_point.reshape(())
)");
    return observer;
}

}  // namespace ptl::detail
