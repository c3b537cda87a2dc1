// convertModel and benchModel: optimize_for_mobile, export to Lite bytecode, verification in the
// Lite Interpreter, atomic writes; latency measured with where and how.
#include "inspection.h"

#include "calibration.h"
#include "mobile_compat.h"
#include "ptl/convert.h"
#include "ptl/errors.h"
#include "ptl/input_spec.h"

#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/fold_conv_bn.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/passes/quantization/finalize.h>
#include <torch/csrc/jit/passes/quantization/insert_observers.h>
#include <torch/csrc/jit/passes/quantization/insert_quant_dequant.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/passes/xnnpack_rewrite.h>

#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>
#include <set>
#include <sstream>

namespace ptl {

namespace {

namespace fs = std::filesystem;
using torch::jit::MobileOptimizerType;

const std::vector<std::pair<std::string, MobileOptimizerType>>& optimizations() {
    static const std::vector<std::pair<std::string, MobileOptimizerType>> all{
        {"conv-bn-fusion", MobileOptimizerType::CONV_BN_FUSION},
        {"insert-fold-prepack-ops", MobileOptimizerType::INSERT_FOLD_PREPACK_OPS},
        {"remove-dropout", MobileOptimizerType::REMOVE_DROPOUT},
        {"fuse-add-relu", MobileOptimizerType::FUSE_ADD_RELU},
        {"hoist-conv-packed-params", MobileOptimizerType::HOIST_CONV_PACKED_PARAMS},
        {"conv1d-to-conv2d", MobileOptimizerType::CONV_1D_TO_2D}};
    return all;
}

// The loaded TorchScript module and the sample inputs (with forward's reference output).
struct Prepared {
    ModelFile file;
    Report scratch;
    std::unique_ptr<detail::Inspection> inspection;
};

std::unique_ptr<Prepared> prepare(const std::string& path, const std::vector<std::string>& specs, const JobControl& job,
                                  bool needInputs) {
    auto prepared = std::make_unique<Prepared>();
    prepared->file = openModelFile(path);
    prepared->inspection.reset(new detail::Inspection{prepared->file, prepared->scratch, job});
    detail::Inspection& inspection = *prepared->inspection;
    if (!prepared->file.hasCode) return prepared;  // Lite bytecode only: no TorchScript to work on
    inspection.module = detail::loadTorchScript(path);
    if (!needInputs) return prepared;
    job.report("Running the model on sample inputs", 0.05);
    detail::extractForwardGraph(inspection);
    inspection.recordValues = false;
    detail::prepareSampleInputs(inspection, specs);
    return prepared;
}

std::map<std::string, int64_t> opCounts(const torch::jit::Module& module) {
    std::map<std::string, int64_t> counts;
    auto graph = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    std::function<void(const torch::jit::Block*)> count = [&](const torch::jit::Block* block) {
        for (const torch::jit::Node* node : block->nodes()) {
            const std::string kind = node->kind().toQualString();
            if (kind != "prim::Constant" && kind != "prim::GetAttr") ++counts[kind];
            for (const torch::jit::Block* inner : node->blocks()) count(inner);
        }
    };
    count(graph->block());
    return counts;
}

bool samePath(const std::string& a, const std::string& b) {
    std::error_code error;
    if (fs::exists(a, error) && fs::exists(b, error)) return fs::equivalent(a, b, error);
    return fs::weakly_canonical(a, error) == fs::weakly_canonical(b, error);
}

// Temporary file beside the destination, then rename: readers never see a partial file, and a
// failed write leaves nothing behind.
void writeAtomically(const std::string& path, const std::string& bytes) {
    const fs::path target(path);
    const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string pattern = (directory / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw ConversionError(path + ": cannot write it: " + std::strerror(errno));
    auto fail = [&]() {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        ::unlink(pattern.c_str());
        throw ConversionError(path + ": cannot write it: " + reason);
    };
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t chunk = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (chunk < 0) {
            if (errno == EINTR) continue;
            fail();
        }
        written += static_cast<size_t>(chunk);
    }
    if (::fsync(fd) != 0 && errno != EINVAL) fail();
    ::fchmod(fd, 0644);  // mkstemp creates 0600; a model is an ordinary file
    if (::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(pattern.c_str());
        throw ConversionError(path + ": cannot write it: " + reason);
    }
    if (std::rename(pattern.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(pattern.c_str());
        throw ConversionError(path + ": cannot write it: " + reason);
    }
}

// A copy of forward, inlined, run plainly (detail::runPlainly) and also returning chosen values of
// its graph: one run gives forward's output and every chosen intermediate.
class PlainForward {
public:
    explicit PlainForward(torch::jit::Module module) : PlainForward(module, inlinedForward(module), {}) {}
    PlainForward(torch::jit::Module module, const std::shared_ptr<torch::jit::Graph>& source,
                 const std::vector<const torch::jit::Value*>& chosen)
        : module_(std::move(module)) {
        auto graph = source->copy();
        const auto copies = detail::copiedValues(*source, *graph);
        for (const torch::jit::Value* value : chosen) {
            // A copy taken right away: an in-place op further on (relu6's hardtanh_) would change it.
            torch::jit::Value* copy = copies.at(value);
            torch::jit::WithInsertPoint guard(copy->node()->next());
            graph->registerOutput(graph->insert(c10::aten::clone, {copy}));
        }
        function_ = detail::tupleFunction("captured", graph);
    }

    // The chosen values (dequantized) and forward's output.
    std::pair<std::vector<at::Tensor>, c10::IValue> run(const std::vector<c10::IValue>& inputs) {
        const std::vector<c10::IValue> elements = detail::runPlainly(*function_, module_, detail::cloneInputs(inputs));
        std::vector<at::Tensor> values;
        for (size_t i = 1; i < elements.size(); ++i) {
            const at::Tensor tensor = elements[i].toTensor();
            values.push_back(tensor.is_quantized() ? tensor.dequantize() : tensor);
        }
        return {std::move(values), elements.front()};
    }

    static std::shared_ptr<torch::jit::Graph> inlinedForward(const torch::jit::Module& module) {
        auto graph = module.get_method("forward").graph()->copy();
        torch::jit::Inline(*graph);
        return graph;
    }

private:
    torch::jit::Module module_;
    std::unique_ptr<torch::jit::GraphFunction> function_;
};

// Observers for graph-mode quantization, as TorchScript modules defined from C++: the passes read
// their dtype and qscheme attributes (and ch_axis for per-channel ones) and call
// calculate_qparams. ScalarType and QScheme are plain numbers in this source: quint8 13,
// qint8 12; per_tensor_affine 0, per_channel_affine 1, per_tensor_symmetric 2,
// per_channel_symmetric 3.
struct ObserverSpec {
    std::string name;
    int64_t dtype, qscheme, quantMin, quantMax;
    bool perChannel = false;
};

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

// LibTorch 1.13's qnnpack clamp (quantized hardtanh, relu6, clamp) reads channels-last tensors as
// if they were contiguous, and quantized convolutions return channels-last tensors: every ReLU6
// network (MobileNetV2 and its kind) comes out of the graph-mode passes computing garbage, on the
// host and on the phone alike. Where the clamp follows an op that quantizes its own output, the
// clamp becomes that op's output range (values outside it saturate, which is the clamp) and is
// removed; elsewhere the clamp's input is made contiguous first. Returns the clamps repaired.
int repairQuantizedClamps(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    auto constantDouble = [](const torch::jit::Value* value) -> std::optional<double> {
        const auto constant = torch::jit::toIValue(value);
        if (!constant || !(constant->isDouble() || constant->isInt())) return std::nullopt;
        return constant->isDouble() ? constant->toDouble() : double(constant->toInt());
    };
    std::vector<torch::jit::Node*> clamps;
    for (torch::jit::Node* node : graph->nodes()) {
        const std::string kind = node->kind().toQualString();
        if (!detail::isQuantizedClamp(kind)) continue;
        const torch::jit::Node* producer = node->input(0)->node();
        const std::string producerKind = producer->kind().toQualString();
        if (producerKind.rfind("quantized::", 0) == 0 || producerKind == "aten::quantize_per_tensor" ||
            producerKind == "aten::hardtanh" || producerKind == "aten::hardtanh_")
            clamps.push_back(node);
    }
    int repaired = 0;
    for (torch::jit::Node* clamp : clamps) {
        const std::string kind = clamp->kind().toQualString();
        std::optional<double> low = 0.0, high = 6.0;  // relu6
        const bool relu6 = kind.find("relu6") != std::string::npos;
        if (!relu6) {
            low = constantDouble(clamp->input(1));
            high = constantDouble(clamp->input(2));
        }
        torch::jit::Value* input = clamp->input(0);
        torch::jit::Node* producer = input->node();
        const std::string producerKind = producer->kind().toQualString();
        // Quantized conv, linear and add take their output scale and zero point as the last two inputs.
        const bool ownsRange = (producerKind.rfind("quantized::conv", 0) == 0 ||
                                (producerKind.rfind("quantized::linear", 0) == 0 && producerKind.find("dynamic") == std::string::npos) ||
                                producerKind.rfind("quantized::add", 0) == 0) &&
                               producer->inputs().size() >= 4 && input->uses().size() == 1;
        const auto scale = ownsRange ? constantDouble(producer->input(producer->inputs().size() - 2)) : std::nullopt;
        const auto zeroPoint = ownsRange ? constantDouble(producer->input(producer->inputs().size() - 1)) : std::nullopt;
        if (low && high && scale && zeroPoint && *scale > 0) {
            // quint8 activations: 0..255.
            const double lowest = std::max(*low, (0 - *zeroPoint) * *scale);
            const double highest = std::min(*high, (255 - *zeroPoint) * *scale);
            if (lowest <= 0 && highest > 0) {
                const double newScale = (highest - lowest) / 255.0;
                const int64_t newZeroPoint = std::clamp<int64_t>(std::llround(-lowest / newScale), 0, 255);
                torch::jit::WithInsertPoint guard(producer);
                producer->replaceInput(producer->inputs().size() - 2, graph->insertConstant(newScale));
                producer->replaceInput(producer->inputs().size() - 1, graph->insertConstant(newZeroPoint));
                clamp->output()->replaceAllUsesWith(input);
                clamp->destroy();
                ++repaired;
                continue;
            }
        }
        // An in-place clamp now writes to the copy: later readers of its input read its output.
        const c10::optional<bool> inPlaceFlag =
            kind == "quantized::relu6" ? torch::jit::constant_as<bool>(clamp->input(1)) : c10::nullopt;
        if (kind.back() == '_' || (kind == "quantized::relu6" && inPlaceFlag.value_or(true)))
            input->replaceAllUsesAfterNodeWith(clamp, clamp->output());
        torch::jit::WithInsertPoint guard(clamp);
        clamp->replaceInput(0, graph->insert(c10::aten::contiguous, {input}));
        ++repaired;
    }
    torch::jit::EliminateDeadCode(graph);
    return repaired;
}

// Dynamic quantization of Linear layers with the graph-mode passes: int8 weights, activations
// quantized at run time.
torch::jit::Module quantizeLinearDynamic(torch::jit::Module module) {
    const torch::jit::QConfigDict qconfig{{"", std::make_tuple(minMaxObserver({"DynamicActivation", 13, 0, 0, 255}),
                                                               minMaxObserver({"Weight", 12, 2, -128, 127}))}};
    torch::jit::Module observed =
        torch::jit::InsertObservers(module, "forward", qconfig, false, torch::jit::QuantType::DYNAMIC);
    torch::jit::Module quantized =
        torch::jit::InsertQuantDeQuant(observed, "forward", true, false, torch::jit::QuantType::DYNAMIC);
    return torch::jit::Finalize(quantized, torch::jit::QuantType::DYNAMIC, {});
}

// Static post-training quantization of a model with its conv-bn pairs folded: observe activations
// and weights on calibration batches, then quantize. qnnpack (phones): per-tensor symmetric int8 weights, full-range
// activations; x86: per-channel weights and activations reduced to 0..127 (fbgemm's habit).
torch::jit::Module quantizeStatic(torch::jit::Module folded, const std::string& backend,
                                  const std::string& observer, const std::vector<std::vector<c10::IValue>>& batches,
                                  const JobControl& job) {
    const bool x86 = backend == "x86";
    const torch::jit::QConfigDict qconfig{
        {"", std::make_tuple(observer == "histogram" ? histogramObserver(x86 ? 127 : 255)
                                                     : minMaxObserver({"Activation", 13, 0, 0, x86 ? 127 : 255}),
                             x86 ? minMaxObserver({"ChannelWeight", 12, 3, -128, 127, true})
                                 : minMaxObserver({"Weight", 12, 2, -128, 127}))}};
    job.report("Inserting observers", 0.1);
    // In place: the folded copy is this function's to change.
    torch::jit::Module observed =
        torch::jit::InsertObservers(folded, "forward", qconfig, true, torch::jit::QuantType::STATIC);
    PlainForward calibrate(observed);
    for (size_t i = 0; i < batches.size(); ++i) {
        job.checkCancelled();
        job.report("Calibrating: batch " + std::to_string(i + 1) + " of " + std::to_string(batches.size()),
                   0.1 + 0.1 * double(i + 1) / double(batches.size()));
        calibrate.run(batches[i]);
    }
    job.report("Quantizing with the observed ranges", 0.22);
    torch::jit::Module quantized =
        torch::jit::InsertQuantDeQuant(observed, "forward", true, false, torch::jit::QuantType::STATIC);
    return torch::jit::Finalize(quantized, torch::jit::QuantType::STATIC, {});
}

// 8-bit weight-only embeddings: aten::embedding on a frozen weight becomes a lookup in per-row
// quantized weights (uint8 with a float scale and offset per row, PyTorch's
// float_qparams_weight_only_qconfig). The graph passes of 1.13 cover embedding_bag only, so the
// lookup is an embedding_bag of one index per bag, reshaped back. The weights are a plain uint8
// tensor: a packed-params object would be serialized twice in a .ptl.
int quantizeEmbeddings(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    const auto& prepack = c10::Dispatcher::singleton().findSchemaOrThrow("quantized::embedding_bag_byte_prepack", "");
    std::vector<torch::jit::Node*> embeddings;
    for (torch::jit::Node* node : graph->nodes())
        if (node->kind() == c10::aten::embedding) embeddings.push_back(node);
    int count = 0;
    for (torch::jit::Node* node : embeddings) {
        const auto weight = torch::jit::toIValue(node->input(0));
        if (!weight || !weight->isTensor()) continue;  // frozen models hold weights as constants
        const at::Tensor rows = weight->toTensor().detach();
        if (rows.dim() != 2 || rows.scalar_type() != at::kFloat) continue;
        torch::jit::Stack stack{rows.contiguous()};
        prepack.callBoxed(&stack);
        const at::Tensor packed = stack.front().toTensor();

        torch::jit::WithInsertPoint guard(node);
        torch::jit::Value* indices = node->input(1);
        torch::jit::Value* weights = graph->insertConstant(packed);
        torch::jit::Value* flat = graph->insert(c10::aten::reshape, {indices, std::vector<int64_t>{-1}});
        torch::jit::Value* lookups = graph->insert(c10::aten::size, {flat, int64_t{0}});
        torch::jit::Value* offsets = graph->insert(c10::aten::arange, {lookups});
        torch::jit::Value* bags = graph->insert(c10::Symbol::fromQualString("quantized::embedding_bag_byte_rowwise_offsets"),
                                                {weights, flat, offsets});
        torch::jit::Value* shape = graph->insert(c10::aten::size, {indices});
        torch::jit::Value* full = graph->insert(c10::aten::add, {shape, std::vector<int64_t>{rows.size(1)}});
        node->output()->replaceAllUsesWith(graph->insert(c10::aten::reshape, {bags, full}));
        node->destroy();
        ++count;
    }
    torch::jit::EliminateDeadCode(graph);  // the float weights go with their last use
    return count;
}

// Dynamic int8 LSTM and GRU, built as torch.ao's quantize_dynamic builds them (the 1.13 graph
// passes cover Linear only): per layer and direction, the input and hidden weights are quantized
// (per-tensor symmetric int8) and prepacked with their biases for linear_dynamic, and bundled in
// the CellParamsBase objects aten::quantized_lstm and aten::quantized_gru run on. Works on the
// frozen graph, where the weights are a constant list. Returns the layers quantized.
int quantizeRecurrent(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    auto& dispatcher = c10::Dispatcher::singleton();
    const auto& prepack = dispatcher.findSchemaOrThrow("quantized::linear_prepack", "");
    const auto& makeCell = dispatcher.findSchemaOrThrow("quantized::make_quantized_cell_params_dynamic", "");
    auto call = [](const c10::OperatorHandle& op, torch::jit::Stack stack) {
        op.callBoxed(&stack);
        return stack.front();
    };
    auto packed = [&](const at::Tensor& weight, const at::Tensor& bias) {
        const double scale = std::max(weight.abs().max().item<double>() / 127.5, 1.1920929e-07);
        return call(prepack, {at::quantize_per_tensor(weight.contiguous(), scale, 0, at::kQInt8), bias});
    };
    std::vector<torch::jit::Node*> layers;
    for (torch::jit::Node* node : graph->nodes())
        if ((node->kind() == c10::aten::lstm || node->kind() == c10::aten::gru) && node->inputs().size() == 9 &&
            node->input(2)->type()->isSubtypeOf(*c10::ListType::ofTensors()))
            layers.push_back(node);
    int count = 0;
    for (torch::jit::Node* node : layers) {
        const auto params = torch::jit::toIValue(node->input(2));
        const auto hasBiases = torch::jit::toIValue(node->input(3));
        const auto numLayers = torch::jit::toIValue(node->input(4));
        const auto bidirectional = torch::jit::toIValue(node->input(7));
        if (!params || !hasBiases || !numLayers || !bidirectional) continue;  // weights not frozen
        const std::vector<at::Tensor> weights = params->toTensorVector();
        const size_t perCell = hasBiases->toBool() ? 4 : 2;
        // LSTMs with projections (proj_size) carry a fifth weight per cell: left in float.
        if (weights.size() != perCell * size_t(numLayers->toInt()) * (bidirectional->toBool() ? 2 : 1)) continue;
        torch::jit::WithInsertPoint guard(node);
        std::vector<torch::jit::Value*> cells;
        for (size_t i = 0; i < weights.size(); i += perCell) {
            const at::Tensor& inputWeight = weights[i];
            const at::Tensor& hiddenWeight = weights[i + 1];
            const at::Tensor inputBias = perCell == 4 ? weights[i + 2] : at::zeros({inputWeight.size(0)});
            const at::Tensor hiddenBias = perCell == 4 ? weights[i + 3] : at::zeros({hiddenWeight.size(0)});
            const c10::IValue cell = call(makeCell, {packed(inputWeight, inputBias), packed(hiddenWeight, hiddenBias),
                                                     inputBias, hiddenBias, false});
            cells.push_back(graph->insertConstant(cell));
        }
        torch::jit::Value* cellList = graph->insertNode(graph->createList(cells.front()->type(), cells))->output();
        std::vector<torch::jit::Value*> inputs(node->inputs().begin(), node->inputs().end());
        inputs[2] = cellList;
        const bool lstm = node->kind() == c10::aten::lstm;
        if (lstm) {  // keyword arguments dtype and use_dynamic
            inputs.push_back(graph->insertConstant(static_cast<int64_t>(at::kQInt8)));
            inputs.push_back(graph->insertConstant(true));
        }
        torch::jit::Node* quantized = graph->insertNode(graph->create(
            lstm ? c10::Symbol::fromQualString("aten::quantized_lstm") : c10::Symbol::fromQualString("aten::quantized_gru"),
            inputs, node->outputs().size()));
        for (size_t i = 0; i < node->outputs().size(); ++i) {
            quantized->output(i)->setType(node->output(i)->type());
            node->output(i)->replaceAllUsesWith(quantized->output(i));
        }
        node->destroy();
        ++count;
    }
    torch::jit::EliminateDeadCode(graph);  // the float weights go with their last use
    return count;
}

// The passes ask for reduce_range (an x86 setting); qnnpack ignores it with a warning per call.
void useFullRange(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    torch::jit::Value* fullRange = nullptr;
    for (torch::jit::Node* node : graph->nodes()) {
        if (node->kind() != c10::Symbol::fromQualString("quantized::linear_dynamic") || node->inputs().size() < 3) continue;
        if (!fullRange) {
            torch::jit::WithInsertPoint guard(graph->nodes().front());
            fullRange = graph->insertConstant(false);
        }
        node->replaceInput(2, fullRange);
    }
    torch::jit::EliminateDeadCode(graph);
}

bool isFloatWeightedOp(const std::string& kind) {
    return kind == "aten::conv1d" || kind == "aten::conv2d" || kind == "aten::conv3d" || kind == "aten::linear" ||
           kind == "aten::lstm" || kind == "aten::gru";
}

bool isQuantizedWeightedOp(const std::string& kind) {
    return kind.rfind("quantized::conv", 0) == 0 || kind.rfind("quantized::linear", 0) == 0 ||
           kind == "aten::quantized_lstm" || kind == "aten::quantized_gru";
}

// Accumulates what quantization cost on the error batches: forward's output against the float
// model's (max abs error, cosine similarity, top-1 agreement for [N, classes] outputs), and the
// SQNR of each matched op's output.
struct ErrorTotals {
    double worst = 0, dot = 0, floatNorm = 0, quantNorm = 0;
    int64_t rows = 0, agreeing = 0;
    int batches = 0;
    std::vector<double> signal, noise;

    void addOutputs(const c10::IValue& reference, const c10::IValue& actual) {
        const auto difference = detail::maxDifference(reference, actual);
        if (!difference) return;
        worst = std::max(worst, *difference);
        ++batches;
        if (!reference.isTensor() || !actual.isTensor()) return;
        at::Tensor x = reference.toTensor(), y = actual.toTensor();
        if (y.is_quantized()) y = y.dequantize();
        x = x.to(at::kDouble);
        y = y.to(at::kDouble);
        dot += (x * y).sum().item<double>();
        floatNorm += (x * x).sum().item<double>();
        quantNorm += (y * y).sum().item<double>();
        if (x.dim() == 2 && x.size(1) > 1) {
            rows += x.size(0);
            agreeing += x.argmax(1).eq(y.argmax(1)).sum().item<int64_t>();
        }
    }

    bool addOps(const std::vector<at::Tensor>& floats, const std::vector<at::Tensor>& quants) {
        signal.resize(floats.size());
        noise.resize(floats.size());
        for (size_t i = 0; i < floats.size(); ++i) {
            if (floats[i].sizes() != quants[i].sizes()) return false;
            const at::Tensor reference = floats[i].contiguous().flatten();
            const at::Tensor difference = (floats[i] - quants[i]).contiguous().flatten();
            signal[i] += at::dot(reference, reference).item<double>();
            noise[i] += at::dot(difference, difference).item<double>();
        }
        return true;
    }
};

// Float model against quantized model in one pass over the error batches. The quantization
// passes keep no source ranges, so the k-th quantized conv/linear/RNN is matched with the k-th
// float one (the passes do not reorder).
// Each batch runs once per model; only one batch's intermediates are held at a time.
void measureQuantizationError(const torch::jit::Module& folded, const torch::jit::Module& source,
                              const torch::jit::Module& quantized, const std::vector<std::vector<c10::IValue>>& batches,
                              Verification& verification, const JobControl& job) {
    const auto floatGraph = PlainForward::inlinedForward(folded);
    const auto quantGraph = PlainForward::inlinedForward(quantized);
    std::vector<const torch::jit::Node*> floatOps, quantOps;
    for (const torch::jit::Node* node : floatGraph->nodes())
        if (isFloatWeightedOp(node->kind().toQualString())) floatOps.push_back(node);
    for (const torch::jit::Node* node : quantGraph->nodes())
        if (isQuantizedWeightedOp(node->kind().toQualString())) quantOps.push_back(node);
    std::vector<const torch::jit::Value*> floatValues, quantValues;
    if (!floatOps.empty() && floatOps.size() == quantOps.size()) {
        // The activation right after an op, when it is the op's only reader.
        auto activationAfter = [](const torch::jit::Value* value) -> const torch::jit::Node* {
            if (value->uses().size() != 1) return nullptr;
            const torch::jit::Node* user = value->uses().front().user;
            const std::string kind = user->kind().toQualString();
            return kind == "aten::relu" || kind == "aten::relu_" || detail::isQuantizedClamp(kind) ? user : nullptr;
        };
        for (size_t i = 0; i < floatOps.size(); ++i) {
            const torch::jit::Value* value = floatOps[i]->output(0);
            // A quantized op with its activation fused ("_relu") or folded into its output range
            // is compared with the float activation's output.
            const torch::jit::Node* floatActivation = activationAfter(value);
            if (floatActivation && !activationAfter(quantOps[i]->output(0))) value = floatActivation->output();
            floatValues.push_back(value);
            quantValues.push_back(quantOps[i]->output(0));
        }
    } else {
        spdlog::info("per-op quantization error not measured: {} float and {} quantized weighted ops", floatOps.size(),
                     quantOps.size());
    }
    PlainForward floatRun(folded, floatGraph, floatValues), quantRun(quantized, quantGraph, quantValues);
    ErrorTotals totals;
    bool perOp = !floatValues.empty();
    for (size_t b = 0; b < batches.size(); ++b) {
        job.checkCancelled();
        const auto [floats, reference] = floatRun.run(batches[b]);
        const auto [quants, actual] = quantRun.run(batches[b]);
        totals.addOutputs(reference, actual);
        if (perOp) perOp = totals.addOps(floats, quants);
    }
    verification.errorSamples = totals.batches;
    verification.quantizationMaxAbsError = totals.worst;
    if (totals.floatNorm > 0 && totals.quantNorm > 0)
        verification.quantizationCosine = totals.dot / std::sqrt(totals.floatNorm * totals.quantNorm);
    if (totals.rows > 0) verification.top1Agreement = double(totals.agreeing) / double(totals.rows);
    if (!perOp) return;
    for (size_t i = 0; i < floatOps.size(); ++i) {
        OpError error;
        error.index = static_cast<int>(i);
        error.op = quantOps[i]->kind().toQualString();
        error.floatOp = floatOps[i]->kind().toQualString();
        error.module = detail::scopeOf(floatOps[i], &source);
        error.sqnrDb = totals.noise[i] > 0 ? 10 * std::log10(std::max(totals.signal[i], 1e-30) / totals.noise[i]) : 99.0;
        verification.opErrors.push_back(error);
    }
}

// The calibration batches the error is measured on: up to 64, and no more than about 320k input
// elements (two 224x224 RGB images, or all 64 batches of a small model), so the measurement stays
// a small part of the conversion's time.
std::vector<std::vector<c10::IValue>> errorBatches(const std::vector<std::vector<c10::IValue>>& batches) {
    constexpr int64_t kElementBudget = 320 * 1024;
    std::vector<std::vector<c10::IValue>> chosen;
    int64_t elements = 0;
    for (const auto& batch : batches) {
        int64_t size = 0;
        for (const c10::IValue& value : batch)
            if (value.isTensor()) size += value.toTensor().numel();
        if (!chosen.empty() && (chosen.size() == 64 || elements + size > kElementBudget)) break;
        elements += size;
        chosen.push_back(batch);
    }
    return chosen;
}

// The bytes of the tensors in a value: a tensor, a list or tuple of them, or an object whose state
// holds them (packed int8 weights, XNNPACK contexts, RNN cells). A storage counts once.
int64_t stateBytes(const c10::IValue& value, std::set<const void*>& seen) {
    if (value.isTensor()) {
        const at::Tensor& tensor = value.toTensor();
        if (!tensor.defined() || !seen.insert(tensor.storage().unsafeGetStorageImpl()).second) return 0;
        return static_cast<int64_t>(tensor.numel() * tensor.element_size());
    }
    int64_t total = 0;
    if (value.isList()) {
        for (const c10::IValue& element : value.toListRef()) total += stateBytes(element, seen);
    } else if (value.isTuple()) {
        for (const c10::IValue& element : value.toTupleRef().elements()) total += stateBytes(element, seen);
    } else if (value.isObject() && !value.toObjectRef().type()->is_module()) {
        torch::jit::Object object(value.toObject());
        if (const auto state = object.find_method("__getstate__")) {
            try {
                total += stateBytes((*state)({}), seen);
            } catch (const std::exception&) {
            }
        } else {
            for (const c10::IValue& slot : object._ivalue()->slots()) total += stateBytes(slot, seen);
        }
    }
    return total;
}

// Weight bytes by module of a module whose weights are attributes (not frozen).
std::map<std::string, int64_t> attributeBytesByModule(const torch::jit::Module& root) {
    std::map<std::string, int64_t> bytes;
    std::set<const void*> seen;
    std::function<void(const torch::jit::Module&, const std::string&)> visit = [&](const torch::jit::Module& module,
                                                                                   const std::string& path) {
        const auto type = module.type();
        for (size_t i = 0; i < type->numAttributes(); ++i) {
            const c10::IValue value = module._ivalue()->getSlot(i);
            if (value.isObject() && value.toObjectRef().type()->is_module()) {
                const std::string& name = type->getAttributeName(i);
                visit(torch::jit::Module(value.toObject()), path.empty() ? name : path + "." + name);
            } else if (const int64_t size = stateBytes(value, seen)) {
                bytes[path] += size;
            }
        }
    };
    visit(root, "");
    return bytes;
}

bool isWeightedOp(const std::string& kind) {
    if (isFloatWeightedOp(kind) || isQuantizedWeightedOp(kind)) return kind.find("pack") == std::string::npos;
    return kind == "aten::embedding" || kind == "aten::embedding_bag" || kind.rfind("quantized::embedding", 0) == 0 ||
           (kind.rfind("prepacked::", 0) == 0 && kind.size() > 4 && kind.compare(kind.size() - 4, 4, "_run") == 0);
}

void collectWeightedOps(const torch::jit::Block* block, std::vector<const torch::jit::Node*>& ops) {
    for (const torch::jit::Node* node : block->nodes()) {
        if (isWeightedOp(node->kind().toQualString())) ops.push_back(node);
        for (const torch::jit::Block* inner : node->blocks()) collectWeightedOps(inner, ops);
    }
}

// The layers of the float model, in execution order, by module: what frozen variants' weights are
// matched against (their rewritten ops keep no module paths).
std::vector<std::string> layerModules(const torch::jit::Module& folded, const torch::jit::Module& source) {
    auto graph = folded.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    std::vector<const torch::jit::Node*> ops;
    collectWeightedOps(graph->block(), ops);
    std::vector<std::string> modules;
    for (const torch::jit::Node* op : ops) modules.push_back(detail::scopeOf(op, &source));
    return modules;
}

// Weight bytes by module of a variant. A module that is not frozen holds them as attributes of its
// submodules. A frozen one holds them as graph constants (or attributes of the top module, where
// the passes hoist packed weights): each goes under the layer that reads it, matched to the float
// model's layers in execution order, or under the module of its reader.
std::map<std::string, int64_t> weightBytesByModule(const torch::jit::Module& module, const std::vector<std::string>& layers,
                                                   const torch::jit::Module& source) {
    std::map<std::string, int64_t> attributes = attributeBytesByModule(module);
    if (attributes.size() > 1 || (attributes.size() == 1 && !attributes.count(""))) return attributes;
    auto graph = module.get_method("forward").graph()->copy();
    torch::jit::Inline(*graph);
    std::vector<const torch::jit::Node*> ops;
    collectWeightedOps(graph->block(), ops);
    if (ops.size() != layers.size()) {
        spdlog::info("sizes per module not measured: {} layers in the float model, {} after conversion", layers.size(), ops.size());
        return {};
    }
    std::unordered_map<const torch::jit::Node*, std::string> layerOf;
    for (size_t i = 0; i < ops.size(); ++i) layerOf[ops[i]] = layers[i];
    const torch::jit::Value* self = graph->inputs().at(0);
    std::map<std::string, int64_t> bytes;
    std::set<const void*> seen;
    std::function<void(const torch::jit::Block*)> visit = [&](const torch::jit::Block* block) {
        for (const torch::jit::Node* node : block->nodes()) {
            for (const torch::jit::Block* inner : node->blocks()) visit(inner);
            std::optional<c10::IValue> value;
            if (node->kind() == c10::prim::Constant)
                value = torch::jit::toIValue(node->output());
            else if (node->kind() == c10::prim::GetAttr && node->input(0) == self)
                value = module.attr(node->s(c10::attr::name));
            if (!value || node->output()->uses().empty()) continue;
            const int64_t size = stateBytes(*value, seen);
            if (size == 0) continue;
            const torch::jit::Node* reader = node->output()->uses().front().user;
            if (reader->kind() == c10::prim::ListConstruct && !reader->output()->uses().empty())
                reader = reader->output()->uses().front().user;  // an RNN's weight list
            const auto layer = layerOf.find(reader);
            bytes[layer != layerOf.end() ? layer->second : detail::scopeOf(reader, &source)] += size;
        }
    };
    visit(graph->block());
    return bytes;
}

int64_t serializedBytes(const torch::jit::Module& module) {
    std::stringstream bytes;
    module.save(bytes);
    return static_cast<int64_t>(bytes.str().size());
}

std::string operatorsYaml(const std::vector<std::string>& operators) {
    std::string yaml = "# Root operators for a selective PyTorch Mobile build (written by " + toolVersion() + ")\n";
    for (const std::string& op : operators) yaml += "- " + op + "\n";
    return yaml;
}

std::string cpuModel() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) != 0) continue;
        const size_t colon = line.find(':');
        if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
    return "unknown CPU";
}

double percentile(std::vector<double> sorted, double fraction) {
    if (sorted.empty()) return 0;
    std::sort(sorted.begin(), sorted.end());
    const double rank = fraction * double(sorted.size() - 1);
    const size_t low = static_cast<size_t>(rank);
    const size_t high = std::min(low + 1, sorted.size() - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - double(low));
}

}  // namespace

const std::vector<std::string>& optimizationNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> all;
        for (const auto& [name, type] : optimizations()) all.push_back(name);
        return all;
    }();
    return names;
}

ConvertResult convertModel(const std::string& path, const ConvertOptions& options, const JobControl& job) {
    if (options.output.empty()) throw std::invalid_argument("no output file given (-o OUT.ptl)");
    if (samePath(path, options.output) || (!options.opsYaml.empty() && samePath(path, options.opsYaml)))
        throw std::invalid_argument("refusing to overwrite the input model " + path);
    for (const std::string& destination : {options.output, options.opsYaml}) {
        std::error_code error;
        if (!destination.empty() && fs::exists(destination, error) && !fs::is_regular_file(destination, error))
            throw std::invalid_argument(destination + " exists and is not a regular file: refusing to replace it");
    }
    std::set<MobileOptimizerType> blocklist;
    for (const std::string& skip : options.skipOptimizations) {
        const auto found = std::find_if(optimizations().begin(), optimizations().end(),
                                        [&](const auto& entry) { return entry.first == skip; });
        if (found == optimizations().end())
            throw std::invalid_argument("unknown optimization '" + skip + "' (known: conv-bn-fusion, "
                                        "insert-fold-prepack-ops, remove-dropout, fuse-add-relu, "
                                        "hoist-conv-packed-params, conv1d-to-conv2d)");
        blocklist.insert(found->second);
    }

    job.report("Loading " + path, 0.0);
    torch::NoGradGuard noGrad;
    const auto prepared = prepare(path, options.inputSpecs, job, true);
    detail::Inspection& inspection = *prepared->inspection;
    if (!inspection.module)
        throw ConversionError(path + ": Lite Interpreter bytecode without TorchScript code cannot be converted "
                                     "again; convert the TorchScript model it came from");
    job.checkCancelled();

    ConvertResult result;
    result.input = path;
    result.output = options.output;
    result.inputBytes = static_cast<int64_t>(prepared->file.bytes);
    result.verification.inputs = prepared->scratch.inputs;
    result.sizes.push_back({"source", result.inputBytes, attributeBytesByModule(*inspection.module)});
    // The float model as the conversions leave its structure (batch norms folded; frozen, so branches
    // on module attributes fold away): converted variants are matched with it layer by layer.
    std::optional<torch::jit::Module> folded, floatReference;
    std::vector<std::string> layers;
    job.report("Reading the layers", 0.1);
    try {
        folded = torch::jit::FoldConvBatchNorm(*inspection.module);
        floatReference = torch::jit::freeze(*folded, c10::nullopt, false);
        layers = layerModules(*floatReference, *inspection.module);
    } catch (const std::exception& error) {
        spdlog::info("float layers not matched: {}", detail::errorText(error));
    }

    torch::jit::Module converted = *inspection.module;
    const auto before = opCounts(converted);
    std::vector<std::vector<c10::IValue>> calibration;  // static quantization's batches
    if (options.quantize == "dynamic") {
        job.report("Quantizing (dynamic: int8 Linear, LSTM and GRU, 8-bit embeddings)", 0.2);
        try {
            converted = quantizeLinearDynamic(converted);
            useFullRange(converted);
            quantizeEmbeddings(converted);
            quantizeRecurrent(converted);
            // A save and load makes the rewritten module whole again (compiled methods, types).
            std::stringstream roundTrip;
            converted.save(roundTrip);
            converted = torch::jit::load(roundTrip);
        } catch (const std::exception& error) {
            throw ConversionError(path + ": dynamic quantization failed: " + detail::errorText(error));
        }
        result.quantization = "dynamic";
    } else if (options.quantize == "static") {
        if (options.backend != "qnnpack" && options.backend != "x86")
            throw std::invalid_argument("unknown backend '" + options.backend + "' (qnnpack or x86)");
        if (options.observer != "minmax" && options.observer != "histogram")
            throw std::invalid_argument("unknown observer '" + options.observer + "' (minmax or histogram)");
        if (!inspection.sampleInputs)
            throw ConversionError(path + ": static quantization needs sample inputs to calibrate: pass --input (" +
                                  inspection.sampleInputProblem + ")");
        calibration = detail::calibrationBatches(options, prepared->scratch, *inspection.sampleInputs);
        const auto& batches = calibration;
        try {
            converted = quantizeStatic(folded ? *folded : torch::jit::FoldConvBatchNorm(converted), options.backend,
                                       options.observer, batches, job);
            if (const int repaired = repairQuantizedClamps(converted))
                result.warnings.push_back(std::to_string(repaired) + " quantized ReLU6/hardtanh/clamp op(s) rewritten: LibTorch "
                                          "1.13's qnnpack clamp misreads channels-last tensors (PyTorch's own quantize_jit "
                                          "output computes wrong values there); each clamp became its producer's output "
                                          "range or got a contiguous input");
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& error) {
            std::string problem = detail::errorText(error);
            // The graph passes' own words for a submodule they cannot trace back to self.
            if (problem.find("getModuleAccessPath") != std::string::npos)
                problem += " (graph-mode quantization needs every submodule called as an attribute of self, "
                           "e.g. self.block(x), not through a local variable)";
            throw ConversionError(path + ": static quantization failed: " + problem);
        }
        result.quantization = "static";
        result.backend = options.backend;
        result.observer = options.observer;
        result.calibrationBatches = static_cast<int>(batches.size());
        if (options.backend == "x86")
            result.warnings.push_back("x86 settings (per-channel weights, activations reduced to 0..127) fit "
                                      "fbgemm/onednn on laptops, not qnnpack on phones: expect a larger error and no "
                                      "speed-up on ARM");
    } else if (options.quantize != "none") {
        throw std::invalid_argument("unknown quantization '" + options.quantize + "' (none, dynamic or static)");
    }
    if (result.quantization != "none") {
        job.report("Measuring sizes", 0.28);
        result.sizes.push_back({"quantized", serializedBytes(converted), weightBytesByModule(converted, layers, *inspection.module)});
    }
    if (options.optimize) {
        job.report("Optimizing for mobile", 0.3);
        try {
            converted = torch::jit::optimizeForMobile(converted, blocklist, options.preservedMethods);
        } catch (const std::exception& error) {
            throw ConversionError(path + ": optimize_for_mobile failed: " + detail::errorText(error));
        }
        for (const auto& [name, type] : optimizations())
            if (!blocklist.count(type)) result.optimizations.push_back(name);
        result.sizes.push_back({"optimized", serializedBytes(converted), weightBytesByModule(converted, layers, *inspection.module)});
        const auto after = opCounts(converted);
        std::set<std::string> ops;
        for (const auto& entry : before) ops.insert(entry.first);
        for (const auto& entry : after) ops.insert(entry.first);
        for (const std::string& op : ops) {
            const int64_t was = before.count(op) ? before.at(op) : 0, is = after.count(op) ? after.at(op) : 0;
            if (was != is) result.opChanges.push_back({op, was, is});
        }
    }
    job.checkCancelled();

    job.report("Exporting Lite Interpreter bytecode", 0.5);
    std::string bytes;
    try {
        std::stringstream exported;
        converted._save_for_mobile(exported);
        bytes = exported.str();
        if (options.bytecodeVersion >= 0) {
            std::stringstream in(bytes), out;
            if (!torch::jit::_backport_for_mobile(in, out, options.bytecodeVersion))
                throw ConversionError(path + ": cannot backport the bytecode to version " +
                                      std::to_string(options.bytecodeVersion));
            bytes = out.str();
        }
    } catch (const ConversionError&) {
        throw;
    } catch (const std::exception& error) {
        throw ConversionError(path + ": export to the Lite Interpreter failed: " + detail::errorText(error));
    }
    job.checkCancelled();

    // Verified before it is written: reload the bytes in the Lite Interpreter and compare.
    job.report("Verifying in the Lite Interpreter", 0.7);
    try {
        std::stringstream stream(bytes);
        torch::jit::mobile::Module mobile = torch::jit::_load_for_mobile(stream);
        result.bytecodeVersion = static_cast<int64_t>(mobile.bytecode_version());
        for (const std::string& op : torch::jit::mobile::_export_operator_list(mobile)) result.operators.push_back(op);
        std::sort(result.operators.begin(), result.operators.end());
        if (inspection.sampleInputs && inspection.forwardOutput) {
            const c10::IValue actual = mobile.forward(detail::cloneInputs(*inspection.sampleInputs));
            // The export must not change results: the reference is the converted model itself.
            const c10::IValue expected = PlainForward(converted).run(*inspection.sampleInputs).second;
            const auto difference = detail::maxDifference(expected, actual);
            Verification& verification = result.verification;
            verification.compared = true;
            // XNNPACK and prepacking reorder float arithmetic: a relative tolerance of 1e-3.
            verification.tolerance = 1e-3 * std::max(1.0, detail::largestMagnitude(expected));
            verification.maxAbsDiff = difference.value_or(-1);
            if (!difference || *difference > verification.tolerance)
                throw ConversionError(path + ": the exported model's output differs from the converted model's (max "
                                             "abs difference " + std::to_string(verification.maxAbsDiff) +
                                      ", tolerance " + std::to_string(verification.tolerance) + "); nothing was written");
        }
    } catch (const ConversionError&) {
        throw;
    } catch (const std::exception& error) {
        throw ConversionError(path + ": the exported file does not run in the Lite Interpreter: " + detail::errorText(error) +
                              "; nothing was written");
    }
    if (result.quantization != "none" && inspection.sampleInputs && floatReference) {
        job.report("Measuring the quantization error", 0.8);
        try {
            measureQuantizationError(*floatReference, *inspection.module, converted,
                                     calibration.empty() ? std::vector<std::vector<c10::IValue>>{*inspection.sampleInputs}
                                                         : errorBatches(calibration),
                                     result.verification, job);
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& error) {
            result.warnings.push_back("the quantization error was not measured: " + detail::errorText(error));
        }
    }
    job.checkCancelled();

    job.report("Writing " + options.output, 0.9);
    writeAtomically(options.output, bytes);
    result.outputBytes = static_cast<int64_t>(bytes.size());
    // The exported file holds the converted module's weights.
    result.sizes.push_back({"exported", result.outputBytes,
                            result.sizes.size() > 1 ? result.sizes.back().moduleBytes : weightBytesByModule(converted, layers, *inspection.module)});
    if (!options.opsYaml.empty()) {
        writeAtomically(options.opsYaml, operatorsYaml(result.operators));
        result.opsYaml = options.opsYaml;
    }
    job.report("Done", 1.0);
    return result;
}

BenchResult benchModel(const std::string& path, const BenchOptions& options, const JobControl& job) {
    if (options.threads < 1 || options.iterations < 1 || options.warmup < 0)
        throw std::invalid_argument("threads and iterations must be at least 1, warm-up at least 0");
    // Before anything runs: threads of a larger pool would stay spinning beside the measured one.
    at::set_num_threads(options.threads);
    job.report("Loading " + path, 0.0);
    torch::NoGradGuard noGrad;
    const auto prepared = prepare(path, options.inputSpecs, job, true);
    detail::Inspection& inspection = *prepared->inspection;

    BenchResult result;
    result.model = path;
    result.environment = {cpuModel(), options.lite ? "Lite Interpreter" : "full JIT", "qnnpack", options.threads};
    result.warmup = options.warmup;

    std::vector<c10::IValue> inputs;
    if (inspection.sampleInputs) {
        inputs = *inspection.sampleInputs;
        result.inputs = prepared->scratch.inputs;
    } else if (!inspection.module && !options.inputSpecs.empty()) {
        for (const std::string& text : options.inputSpecs) {
            const InputSpec spec = parseInputSpec(text);
            inputs.push_back(detail::makeSampleTensor(spec.shape, spec.dtype));
            result.inputs.push_back({"", "Tensor", spec.shape, spec.dtype, "spec"});
        }
    } else {
        const std::string problem = prepared->scratch.findings.empty() ? "pass --input for each forward argument"
                                                                         : prepared->scratch.findings.front().message;
        throw ConversionError(path + ": no sample inputs: " + problem);
    }

    std::function<c10::IValue(std::vector<c10::IValue>)> run;
    std::optional<torch::jit::mobile::Module> mobile;
    // A .ptl is what the phone runs: it is measured in the Lite Interpreter.
    const bool needsMobile = options.lite || !inspection.module || prepared->file.format == "lite";
    if (needsMobile) {
        result.environment.engine = "Lite Interpreter";
        try {
            if (prepared->file.format == "lite") {
                mobile = torch::jit::_load_for_mobile(path);
            } else {
                std::stringstream bytecode;
                inspection.module->_save_for_mobile(bytecode);
                mobile = torch::jit::_load_for_mobile(bytecode);
            }
        } catch (const std::exception& error) {
            throw ConversionError(path + ": cannot run in the Lite Interpreter: " + detail::errorText(error));
        }
        run = [&](std::vector<c10::IValue> stack) { return mobile->forward(std::move(stack)); };
        // The TorchScript module only served to find sample inputs; measured beside it, the Lite
        // model would run in a heap shaped by the full JIT's allocations.
        inspection.recorder.reset();
        inspection.forwardOutput.reset();
        inspection.module.reset();
        malloc_trim(0);
    } else {
        run = [&](std::vector<c10::IValue> stack) { return inspection.module->forward(std::move(stack)); };
    }

    try {
        for (int i = 0; i < options.warmup; ++i) {
            job.checkCancelled();
            run(inputs);
        }
        for (int i = 0; i < options.iterations; ++i) {
            if (i % 8 == 0) {
                job.checkCancelled();
                job.report("Measuring", double(i) / options.iterations);
            }
            const auto start = std::chrono::steady_clock::now();
            run(inputs);
            result.samplesMs.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
    } catch (const Cancelled&) {
        throw;
    } catch (const std::exception& error) {
        throw ConversionError(path + ": forward failed: " + detail::errorText(error));
    }
    result.p50 = percentile(result.samplesMs, 0.5);
    result.p90 = percentile(result.samplesMs, 0.9);
    result.min = *std::min_element(result.samplesMs.begin(), result.samplesMs.end());
    result.max = *std::max_element(result.samplesMs.begin(), result.samplesMs.end());
    double sum = 0;
    for (const double sample : result.samplesMs) sum += sample;
    result.mean = sum / double(result.samplesMs.size());
    job.report("Done", 1.0);
    return result;
}

}  // namespace ptl
