// benchModel: forward latency after a warm-up, with where and how it was measured (CPU, threads,
// interpreter, quantized engine): host latency is not phone latency. A .ptl runs in the Lite
// Interpreter, as on the phone; a .pt in the full JIT unless asked otherwise.
#include "ptl/bench.h"

#include "common/torch_text.h"
#include "load/bytecode_machine.h"
#include "load/torch_loader.h"
#include "ptl/convert.h"
#include "ptl/errors.h"
#include "ptl/input_spec.h"
#include "session/sample_values.h"
#include "session/session_state.h"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/version.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>

namespace ptl {

namespace {

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

// The inputs to time forward on: the session's sample inputs, or for bytecode without TorchScript
// code, tensors made from the specs.
std::vector<c10::IValue> benchInputs(const Session& session, const BenchOptions& options, BenchResult& result) {
    if (session.hasInputs()) {
        result.inputs = session.inputs();
        return *session.state().sampleInputs;
    }
    if (!session.hasTorchScript() && !options.inputSpecs.empty()) {
        std::vector<c10::IValue> inputs;
        for (const std::string& text : options.inputSpecs) {
            const InputSpec spec = parseInputSpec(text);
            inputs.push_back(detail::makeSampleTensor(spec.shape, spec.dtype));
            result.inputs.push_back({"", "Tensor", spec.shape, spec.dtype, "spec"});
        }
        return inputs;
    }
    const std::string problem = session.inputProblem().empty() ? "pass --input for each forward argument"
                                                               : session.inputProblem();
    throw ConversionError(session.path() + ": no sample inputs: " + problem);
}

// Bytecode without TorchScript code: --input makes tensors, and the Lite Interpreter runs forward
// on whatever it is given (a missing or mistyped argument makes it read past its stack).
void checkLiteInputs(const torch::jit::mobile::Module& mobile, const std::vector<c10::IValue>& inputs) {
    const auto forward = mobile.find_method("forward");
    if (!forward || !forward->function().hasSchema()) return;
    const auto& arguments = forward->function().getSchema().arguments();
    if (arguments.size() != inputs.size() + 1)
        throw std::invalid_argument("forward takes " + std::to_string(arguments.size() - 1) + " argument(s), " +
                                    std::to_string(inputs.size()) + " given with --input");
    for (size_t i = 0; i < inputs.size(); ++i) {
        const c10::TypePtr expected = detail::staticTypeOf(arguments[i + 1].type());
        if (!inputs[i].type()->isSubtypeOf(*expected))
            throw std::invalid_argument("forward's argument '" + arguments[i + 1].name() + "' is " +
                                        expected->annotation_str() + ", which --input cannot give (it makes tensors)");
    }
}

// A .ptl is what the phone runs: it is measured in the Lite Interpreter (a .pt is exported to
// bytecode in memory when asked).
torch::jit::mobile::Module liteModuleOf(Session& session) {
    const std::string& path = session.path();
    try {
        if (session.file().format == "lite") return detail::loadLiteModule(session.file());
        std::stringstream bytecode;
        session.state().module->_save_for_mobile(bytecode);
        return torch::jit::_load_for_mobile(bytecode);
    } catch (const detail::BrokenBytecode& broken) {
        throw ModelError(path, broken.what());
    } catch (const std::exception& error) {
        throw ConversionError(path + ": cannot run in the Lite Interpreter: " + detail::errorText(error));
    }
}

void measure(const std::function<void(std::vector<c10::IValue>)>& run, const std::vector<c10::IValue>& inputs,
             const BenchOptions& options, const JobControl& job, BenchResult& result) {
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
        throw ConversionError(result.model + ": forward failed: " + detail::errorText(error));
    }
}

void summarize(BenchResult& result) {
    result.p50 = percentile(result.samplesMs, 0.5);
    result.p90 = percentile(result.samplesMs, 0.9);
    result.min = *std::min_element(result.samplesMs.begin(), result.samplesMs.end());
    result.max = *std::max_element(result.samplesMs.begin(), result.samplesMs.end());
    double sum = 0;
    for (const double sample : result.samplesMs) sum += sample;
    result.mean = sum / double(result.samplesMs.size());
}

}  // namespace

BenchResult benchModel(const std::string& path, const BenchOptions& options, const JobControl& job) {
    if (options.threads < 1 || options.iterations < 1 || options.warmup < 0)
        throw std::invalid_argument("threads and iterations must be at least 1, warm-up at least 0");
    for (const std::string& spec : options.inputSpecs) parseInputSpec(spec);
    // Before anything runs: threads of a larger pool would stay spinning beside the measured one.
    at::set_num_threads(options.threads);
    job.report("Loading " + path, 0.0);
    torch::NoGradGuard noGrad;
    Session session(path);
    session.load();
    if (session.hasTorchScript()) {
        job.report("Running the model on sample inputs", 0.05);
        session.prepareInputs(options.inputSpecs, ValueRecording::Off);
    }

    BenchResult result;
    result.model = path;
    result.environment = {cpuModel(), options.lite ? "Lite Interpreter" : "full JIT", "qnnpack", options.threads,
                          TORCH_VERSION};
    result.warmup = options.warmup;
    const std::vector<c10::IValue> inputs = benchInputs(session, options, result);

    std::optional<torch::jit::mobile::Module> mobile;
    std::function<void(std::vector<c10::IValue>)> run;
    if (options.lite || !session.hasTorchScript() || session.file().format == "lite") {
        result.environment.engine = "Lite Interpreter";
        mobile = liteModuleOf(session);
        if (!session.hasTorchScript()) checkLiteInputs(*mobile, inputs);
        run = [&](std::vector<c10::IValue> stack) { mobile->forward(std::move(stack)); };
        // The TorchScript module only served to find sample inputs; measured beside it, the Lite
        // model would run in a heap shaped by the full JIT's allocations.
        session.state().releaseTorchScript();
        malloc_trim(0);
    } else {
        run = [&](std::vector<c10::IValue> stack) { session.state().module->forward(std::move(stack)); };
    }
    measure(run, inputs, options, job, result);
    summarize(result);
    job.report("Done", 1.0);
    return result;
}

}  // namespace ptl
