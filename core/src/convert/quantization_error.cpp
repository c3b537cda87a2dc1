// The quantization error in one pass over the error batches; see quantization_error.h.
#include "convert/quantization_error.h"

#include "common/quantized_ops.h"
#include "convert/layers.h"
#include "session/compare.h"
#include "session/plain_run.h"
#include "session/scope.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace ptl::detail {

namespace {

bool isKeptFloat(const std::string& module, const std::vector<std::string>& keepFloat) {
    for (const std::string& kept : keepFloat)
        if (module == kept || module.rfind(kept + ".", 0) == 0) return true;
    return false;
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
        const auto difference = maxDifference(reference, actual);
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

}  // namespace

// Float model against quantized model in one pass over the error batches. The quantization
// passes keep no source ranges, so the k-th quantized conv/linear/RNN is matched with the k-th
// float one (the passes do not reorder).
// Each batch runs once per model; only one batch's intermediates are held at a time.
void measureQuantizationError(const torch::jit::Module& folded, const torch::jit::Module& source,
                              const torch::jit::Module& quantized, const std::vector<std::string>& keepFloat,
                              const std::vector<std::vector<c10::IValue>>& batches, Verification& verification,
                              const JobControl& job) {
    const auto floatGraph = inlinedForward(folded);
    const auto quantGraph = inlinedForward(quantized);
    std::vector<const torch::jit::Node*> floatOps, quantOps;
    for (const torch::jit::Node* node : floatGraph->nodes())
        if (isFloatWeightedOp(node->kind().toQualString()) && !isKeptFloat(scopeOf(node, &source), keepFloat))
            floatOps.push_back(node);
    for (const torch::jit::Node* node : quantGraph->nodes())
        if (isQuantizedWeightedOp(node->kind().toQualString())) quantOps.push_back(node);
    std::vector<const torch::jit::Value*> floatValues, quantValues;
    if (!floatOps.empty() && floatOps.size() == quantOps.size()) {
        // The activation right after an op, when it is the op's only reader.
        auto activationAfter = [](const torch::jit::Value* value) -> const torch::jit::Node* {
            if (value->uses().size() != 1) return nullptr;
            const torch::jit::Node* user = value->uses().front().user;
            const std::string kind = user->kind().toQualString();
            return kind == "aten::relu" || kind == "aten::relu_" || isQuantizedClamp(kind) ? user : nullptr;
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
        error.module = scopeOf(floatOps[i], &source);
        error.sqnrDb = totals.noise[i] > 0 ? 10 * std::log10(std::max(totals.signal[i], 1e-30) / totals.noise[i]) : 99.0;
        verification.opErrors.push_back(error);
    }
}

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

}  // namespace ptl::detail
