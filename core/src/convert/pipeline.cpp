// convertModel: a TorchScript model in, a verified Lite Interpreter file out.
//
// The pipeline, in order:
//   1. Options are checked before anything is read (checkConvertOptions): destinations, pass
//      names, input specs, the calibration source.
//   2. A Session loads the model and finds sample inputs (given, bundled or inferred) with one
//      plain run of forward; that run's output is the reference for everything after it.
//   3. A float reference is built once: conv-bn folded and frozen, as the quantized variants will
//      be. Its weighted layers, in execution order, are what frozen variants (whose rewritten ops
//      keep no module paths) are matched against for per-module sizes and per-op error.
//   4. Quantization, with LibTorch's graph-mode passes: InsertObservers, a calibration run,
//      InsertQuantDeQuant, Finalize. The passes need observer *modules*, and PyTorch's observers
//      are Python classes; ours are TorchScript source compiled from C++ (convert/observers.cpp),
//      so no Python is needed at run time. Where the 1.13 passes stop short, graph rewrites finish
//      the job (convert/rewrites): LSTM/GRU and 8-bit embeddings for dynamic quantization,
//      full-range activations for qnnpack.
//   5. The qnnpack clamp defect: LibTorch 1.13's quantized hardtanh/relu6/clamp kernel reads the
//      channels-last tensors that quantized convolutions return as if they were contiguous, so
//      every ReLU6 network (MobileNetV2 and its kind) computes noise after PyTorch's own
//      quantize_jit, on the host and on the phone. The repair (rewrites/clamp_repair.cpp) folds
//      each clamp into the output range of the op before it, or gives it a contiguous input.
//   6. optimize_for_mobile with the chosen passes; op counts before and after.
//   7. Export to Lite bytecode (optionally backported), reloaded in the Lite Interpreter and run
//      on the sample inputs against the converted model: nothing is written unless it matches.
//   8. For quantized variants, the error against the float reference on (a bounded share of) the
//      calibration batches: output error, top-1 agreement and per-op SQNR.
//   9. An atomic write beside the destination, then a rename.
#include "ptl/convert.h"

#include "common/torch_text.h"
#include "load/torch_loader.h"
#include "convert/calibration.h"
#include "convert/export.h"
#include "convert/layers.h"
#include "convert/optimize.h"
#include "convert/quantization_error.h"
#include "convert/quantize.h"
#include "convert/rewrites/rewrites.h"
#include "convert/weight_sizes.h"
#include "ptl/atomic_file.h"
#include "ptl/errors.h"
#include "session/session_state.h"

#include <spdlog/spdlog.h>
#include <torch/csrc/jit/passes/fold_conv_bn.h>

#include <optional>

namespace ptl {

namespace {

// The float model as the conversions leave its structure (batch norms folded; frozen, so branches
// on module attributes fold away), and its weighted layers by module in execution order.
struct FloatReference {
    std::optional<torch::jit::Module> folded, frozen;
    std::vector<std::string> layers;
};

FloatReference floatReferenceOf(const torch::jit::Module& source) {
    FloatReference reference;
    try {
        reference.folded = torch::jit::FoldConvBatchNorm(source);
        reference.frozen = torch::jit::freeze(*reference.folded, c10::nullopt, false);
        reference.layers = detail::layerModules(*reference.frozen, source);
    } catch (const std::exception& error) {
        spdlog::info("float layers not matched: {}", detail::errorText(error));
    }
    return reference;
}

// One conversion's shared state: the session, the options, the result being filled.
class Conversion {
public:
    Conversion(Session& session, const ConvertOptions& options, const JobControl& job)
        : session_(session), state_(session.state()), options_(options), job_(job), source_(*state_.module) {}

    ConvertResult run() {
        result_.input = session_.path();
        result_.output = options_.output;
        result_.inputBytes = static_cast<int64_t>(session_.file().bytes);
        result_.verification.inputs = session_.inputs();
        result_.sizes.push_back({"source", result_.inputBytes, detail::attributeBytesByModule(source_)});
        job_.report("Reading the layers", 0.1);
        reference_ = floatReferenceOf(source_);

        torch::jit::Module converted = source_;
        const auto before = detail::opCounts(converted);
        if (options_.quantize == Quantization::Dynamic) converted = quantizeDynamically(converted);
        if (options_.quantize == Quantization::Static) converted = quantizeStatically(converted);
        if (options_.quantize != Quantization::None) {
            job_.report("Measuring sizes", 0.28);
            recordSize("quantized", converted);
        }
        if (options_.optimize) converted = optimize(converted, before);
        job_.checkCancelled();

        job_.report("Exporting Lite Interpreter bytecode", 0.5);
        const std::string bytes = detail::exportBytecode(converted, options_.bytecodeVersion, session_.path());
        job_.checkCancelled();
        // Verified before it is written: reload the bytes in the Lite Interpreter and compare.
        job_.report("Verifying in the Lite Interpreter", 0.7);
        detail::verifyExport(bytes, converted, session_, result_);
        if (options_.quantize != Quantization::None && state_.sampleInputs && reference_.frozen)
            measureError(converted);
        job_.checkCancelled();
        write(bytes, converted);
        job_.report("Done", 1.0);
        return std::move(result_);
    }

private:
    Session& session_;
    Session::State& state_;
    const ConvertOptions& options_;
    const JobControl& job_;
    const torch::jit::Module& source_;
    ConvertResult result_;
    FloatReference reference_;
    std::vector<std::vector<c10::IValue>> calibration_;  // static quantization's batches

    const std::string& path() const { return session_.path(); }

    void recordSize(const std::string& variant, const torch::jit::Module& module) {
        result_.sizes.push_back(
            {variant, detail::serializedBytes(module), detail::weightBytesByModule(module, reference_.layers, source_)});
    }

    torch::jit::Module quantizeDynamically(const torch::jit::Module& module) {
        job_.report("Quantizing (dynamic: int8 Linear, LSTM and GRU, 8-bit embeddings)", 0.2);
        result_.quantization = "dynamic";
        try {
            return detail::quantizeDynamic(module);
        } catch (const std::exception& error) {
            throw ConversionError(path() + ": dynamic quantization failed: " + detail::errorText(error));
        }
    }

    torch::jit::Module quantizeStatically(const torch::jit::Module& module) {
        if (!state_.sampleInputs)
            throw ConversionError(path() + ": static quantization needs sample inputs to calibrate: pass --input (" +
                                  state_.inputProblem + ")");
        checkKeptModules();
        calibration_ = detail::calibrationBatches(options_, session_.inputs(), *state_.sampleInputs);
        torch::jit::Module quantized;
        try {
            quantized = detail::quantizeStatic(reference_.folded ? *reference_.folded : torch::jit::FoldConvBatchNorm(module),
                                               options_.backend, options_.observer, options_.keepFloat, calibration_, job_);
            if (const int repaired = detail::repairQuantizedClamps(quantized))
                result_.warnings.push_back(std::to_string(repaired) + " quantized ReLU6/hardtanh/clamp op(s) rewritten: LibTorch "
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
            throw ConversionError(path() + ": static quantization failed: " + problem);
        }
        result_.quantization = "static";
        result_.backend = backendName(options_.backend);
        result_.observer = observerName(options_.observer);
        result_.calibrationBatches = static_cast<int>(calibration_.size());
        result_.keptFloat = options_.keepFloat;
        if (options_.backend == QuantizedBackend::X86)
            result_.warnings.push_back("x86 settings (per-channel weights, activations reduced to 0..127) fit "
                                       "fbgemm/onednn on laptops, not qnnpack on phones: expect a larger error and no "
                                       "speed-up on ARM");
        return quantized;
    }

    // Every --keep-float path must name a module of the model.
    void checkKeptModules() const {
        for (const std::string& path : options_.keepFloat) {
            bool found = false;
            for (const auto& named : source_.named_modules()) found = found || named.name == path;
            if (!found) throw std::invalid_argument("--keep-float " + path + ": the model has no module at that path");
        }
    }

    torch::jit::Module optimize(const torch::jit::Module& module, const std::map<std::string, int64_t>& before) {
        job_.report("Optimizing for mobile", 0.3);
        torch::jit::Module optimized;
        try {
            std::vector<std::string> applied;
            optimized = detail::optimizeForMobile(module, options_.skipOptimizations, options_.preservedMethods, applied);
            result_.optimizations = applied;
        } catch (const std::exception& error) {
            throw ConversionError(path() + ": optimize_for_mobile failed: " + detail::errorText(error));
        }
        recordSize("optimized", optimized);
        result_.opChanges = detail::opChanges(before, detail::opCounts(optimized));
        return optimized;
    }

    void measureError(const torch::jit::Module& converted) {
        job_.report("Measuring the quantization error", 0.8);
        try {
            detail::measureQuantizationError(*reference_.frozen, source_, converted, options_.keepFloat,
                                             calibration_.empty() ? std::vector<std::vector<c10::IValue>>{*state_.sampleInputs}
                                                                  : detail::errorBatches(calibration_),
                                             result_.verification, job_);
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& error) {
            result_.warnings.push_back("the quantization error was not measured: " + detail::errorText(error));
        }
    }

    void write(const std::string& bytes, const torch::jit::Module& converted) {
        job_.report("Writing " + options_.output, 0.9);
        writeAtomically(options_.output, bytes);
        result_.outputBytes = static_cast<int64_t>(bytes.size());
        // The exported file holds the converted module's weights.
        result_.sizes.push_back({"exported", result_.outputBytes,
                                 result_.sizes.size() > 1
                                     ? result_.sizes.back().moduleBytes
                                     : detail::weightBytesByModule(converted, reference_.layers, source_)});
        if (!options_.opsYaml.empty()) {
            writeAtomically(options_.opsYaml, operatorsYaml(result_.operators));
            result_.opsYaml = options_.opsYaml;
        }
    }
};

}  // namespace

ConvertResult convertModel(const std::string& path, const ConvertOptions& options, const JobControl& job) {
    checkConvertOptions(path, options);
    job.report("Loading " + path, 0.0);
    torch::NoGradGuard noGrad;
    Session session(path);
    if (!session.file().hasCode)
        throw ConversionError(path + ": Lite Interpreter bytecode without TorchScript code cannot be converted "
                                     "again; convert the TorchScript model it came from");
    session.load();
    if (session.file().format == "lite") {
        try {
            detail::loadLiteModule(session.file());  // refuses a .ptl whose bytecode is damaged
        } catch (const detail::BrokenBytecode& broken) {
            throw ModelError(path, broken.what());
        } catch (const std::exception&) {
            // the bytecode's own load problems do not matter: conversion starts from the code
        }
    }
    job.report("Running the model on sample inputs", 0.05);
    session.prepareInputs(options.inputSpecs, ValueRecording::Off);
    job.checkCancelled();
    return Conversion(session, options, job).run();
}

}  // namespace ptl
