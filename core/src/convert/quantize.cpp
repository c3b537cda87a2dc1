// Dynamic and static quantization; see quantize.h.
#include "convert/quantize.h"

#include "convert/observers.h"
#include "convert/rewrites/rewrites.h"
#include "session/plain_run.h"

#include <torch/csrc/jit/passes/quantization/finalize.h>
#include <torch/csrc/jit/passes/quantization/insert_observers.h>
#include <torch/csrc/jit/passes/quantization/insert_quant_dequant.h>
#include <torch/csrc/jit/serialization/import.h>

#include <sstream>

namespace ptl::detail {

namespace {

// Dynamic quantization of Linear layers with the graph-mode passes: int8 weights, activations
// quantized at run time.
torch::jit::Module quantizeLinearDynamic(torch::jit::Module module) {
    torch::jit::QConfigDict qconfig{{"", std::make_tuple(minMaxObserver({"DynamicActivation", 13, 0, 0, 255}),
                                                               minMaxObserver({"Weight", 12, 2, -128, 127}))}};
    torch::jit::Module observed =
        torch::jit::InsertObservers(module, "forward", qconfig, false, torch::jit::QuantType::DYNAMIC);
    torch::jit::Module quantized =
        torch::jit::InsertQuantDeQuant(observed, "forward", true, false, torch::jit::QuantType::DYNAMIC);
    return torch::jit::Finalize(quantized, torch::jit::QuantType::DYNAMIC, {});
}

}  // namespace

torch::jit::Module quantizeDynamic(const torch::jit::Module& module) {
    torch::jit::Module converted = quantizeLinearDynamic(module);
    useFullRange(converted);
    quantizeEmbeddings(converted);
    quantizeRecurrent(converted);
    // A save and load makes the rewritten module whole again (compiled methods, types).
    std::stringstream roundTrip;
    converted.save(roundTrip);
    return torch::jit::load(roundTrip);
}

torch::jit::Module quantizeStatic(torch::jit::Module folded, QuantizedBackend backend, ActivationObserver observer,
                                  const std::vector<std::string>& keepFloat,
                                  const std::vector<std::vector<c10::IValue>>& batches, const JobControl& job) {
    const bool x86 = backend == QuantizedBackend::X86;
    torch::jit::QConfigDict qconfig{
        {"", std::make_tuple(observer == ActivationObserver::Histogram ? histogramObserver(x86 ? 127 : 255)
                                                                       : minMaxObserver({"Activation", 13, 0, 0, x86 ? 127 : 255}),
                             x86 ? minMaxObserver({"ChannelWeight", 12, 3, -128, 127, true})
                                 : minMaxObserver({"Weight", 12, 2, -128, 127}))}};
    // The passes give a module its parent's qconfig unless its own path is in the dictionary.
    for (const std::string& path : keepFloat) qconfig[path] = c10::nullopt;
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

}  // namespace ptl::detail
