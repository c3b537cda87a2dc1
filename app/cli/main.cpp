// ptl-studio-cli: the headless face of PTL Studio, and the worker process the GUI starts.
// stdout carries data (a readable summary, the JSON report or the worker's events);
// diagnostics go to stderr.
#include "contained_job.h"
#include "json_text.h"
#include "progress.h"
#include "report_command.h"
#include "ptl/bench.h"
#include "ptl/convert.h"
#include "ptl/inspect.h"
#include "ptl/report_json.h"
#include "summary.h"
#include "worker.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>

#include <unistd.h>

using namespace ptl::cli;

namespace {

// Every option of every subcommand, filled by CLI11.
struct Arguments {
    std::string model;
    std::vector<std::string> inputs;
    bool json = false;
    std::string failOn;
    std::string progressMode = "auto";
    ptl::ConvertOptions convert;
    std::string quantize = "none", backend = "qnnpack", observer = "minmax", calibration = "random:8";
    bool noOptimize = false;
    ptl::BenchOptions bench;
    int timeoutSeconds = kDefaultTimeoutSeconds;
    std::string memoryLimit;  // empty: defaultMemoryLimit()
    bool verbose = false;
};

// Runs a worker request in a child process within the limits, with progress on stderr; a failure
// becomes one line on stderr and an exit code, a success the result event handed to `print`.
template <typename Print>
int runJob(const Arguments& args, const nlohmann::json& request, const std::string& progressMode, Print&& print) {
    Limits limits;
    limits.timeoutSeconds = args.timeoutSeconds;
    try {
        limits.memoryBytes = args.memoryLimit.empty() ? defaultMemoryLimit() : parseSize(args.memoryLimit);
    } catch (const std::invalid_argument& problem) {
        printError(std::string("--memory-limit: ") + problem.what());
        return kUnreadable;
    }
    ProgressPrinter progress(ProgressPrinter::parseMode(progressMode));
    ContainedJob job = runContained(request, args.model, limits, args.verbose,
                                    [&](const std::string& stage, double fraction) { progress.update(stage, fraction); });
    progress.finish();
    if (!job.result) {
        printError(job.failure.message);
        return job.failure.exitCode;
    }
    try {
        return print(*job.result);
    } catch (const nlohmann::json::exception& problem) {  // a worker of another version
        printError(args.model + ": the worker's result cannot be read (" + problem.what() + ")");
        return kFailed;
    }
}

// A job's arguments that are wrong before any model is read: "<model>: <problem>", exit 2.
template <typename Build>
std::optional<nlohmann::json> buildRequest(const std::string& model, Build&& build) {
    try {
        return build();
    } catch (...) {
        const JobFailure failure = classifyFailure(model, std::current_exception());
        printError(failure.message);
        return std::nullopt;
    }
}

int runInspect(const Arguments& args) {
    // The graph event serves the window; here only the result is printed.
    const nlohmann::json request{{"job", "inspect"}, {"model", args.model}, {"inputs", args.inputs}, {"graph", false}};
    return runJob(args, request, "none", [&](const nlohmann::json& result) {
        const nlohmann::json& json = result.at("report");
        if (args.json) std::cout << jsonText(json, 2) << "\n";
        if (args.json && args.failOn.empty()) return kOk;  // a big model's report takes a while to decode
        const ptl::Report report = ptl::reportFromJson(json);
        if (!args.json) ptl::cli::printSummary(std::cout, report);

        if (!args.failOn.empty()) {
            ptl::Severity threshold{};
            ptl::parseSeverity(args.failOn, threshold);
            for (const ptl::Finding& finding : report.findings)
                if (finding.severity >= threshold) return kFindingsOverThreshold;
        }
        return kOk;
    });
}

// The modules holding the most weight bytes in the first variant, with their bytes in each.
void printModuleSizes(const std::vector<ptl::VariantSize>& sizes) {
    std::vector<const ptl::VariantSize*> columns;
    for (const ptl::VariantSize& size : sizes)
        if (!size.moduleBytes.empty()) columns.push_back(&size);
    if (columns.empty()) return;
    std::vector<std::pair<std::string, int64_t>> rows(columns.front()->moduleBytes.begin(), columns.front()->moduleBytes.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    constexpr size_t kShown = 8;
    std::printf("  weights by module (the %zu largest of %zu):\n    %-32s", std::min(kShown, rows.size()), rows.size(), "");
    for (const ptl::VariantSize* column : columns) std::printf(" %11s", column->variant.c_str());
    std::printf("\n");
    for (size_t i = 0; i < rows.size() && i < kShown; ++i) {
        const std::string& name = rows[i].first.empty() ? std::string("(top module)") : rows[i].first;
        std::printf("    %-32s", name.c_str());
        for (const ptl::VariantSize* column : columns) {
            const auto found = column->moduleBytes.find(rows[i].first);
            std::printf(" %11s", found == column->moduleBytes.end() ? "-" : ptl::humanBytes(found->second).c_str());
        }
        std::printf("\n");
    }
}

void printConversion(const ptl::ConvertResult& result) {
    std::printf("%s -> %s\n", result.input.c_str(), result.output.c_str());
    std::printf("  size       %s -> %s (%.2fx)\n", ptl::humanBytes(result.inputBytes).c_str(),
                ptl::humanBytes(result.outputBytes).c_str(),
                result.inputBytes ? double(result.outputBytes) / double(result.inputBytes) : 0.0);
    std::string steps;
    for (const ptl::VariantSize& size : result.sizes)
        steps += (steps.empty() ? "" : " -> ") + size.variant + " " + ptl::humanBytes(size.bytes);
    std::printf("  steps      %s\n", steps.c_str());
    printModuleSizes(result.sizes);
    std::printf("  bytecode   v%lld\n", static_cast<long long>(result.bytecodeVersion));
    if (result.quantization == "static")
        std::printf("  quantized  static, %s, %s observer, %d calibration batches\n", result.backend.c_str(),
                    result.observer.c_str(), result.calibrationBatches);
    else
        std::printf("  quantized  %s\n", result.quantization == "none" ? "no" : result.quantization.c_str());
    std::string applied;
    for (const std::string& name : result.optimizations) applied += (applied.empty() ? "" : ", ") + name;
    std::printf("  optimized  %s\n", applied.empty() ? "no" : applied.c_str());
    for (const ptl::OpCountChange& change : result.opChanges)
        std::printf("    %-40s %4lld -> %lld\n", change.op.c_str(), static_cast<long long>(change.before),
                    static_cast<long long>(change.after));
    const ptl::Verification& verification = result.verification;
    if (verification.compared)
        std::printf("  verified   reloaded in the Lite Interpreter; outputs match the converted model (max abs difference "
                    "%.3g, tolerance %.3g)\n", verification.maxAbsDiff, verification.tolerance);
    else
        std::printf("  verified   reloaded in the Lite Interpreter; outputs not compared (no sample inputs: pass --input)\n");
    if (verification.quantizationMaxAbsError >= 0) {
        std::printf("  int8 error against the float model on %d batch(es): max abs %.4g, cosine similarity %.5f",
                    verification.errorSamples, verification.quantizationMaxAbsError, verification.quantizationCosine);
        if (verification.top1Agreement >= 0) std::printf(", top-1 agreement %.1f%%", 100 * verification.top1Agreement);
        std::printf("\n");
    }
    if (!verification.opErrors.empty()) {
        std::printf("  per-op SQNR (dB, higher is better; lowest first):\n");
        std::vector<ptl::OpError> errors = verification.opErrors;
        std::sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.sqnrDb < b.sqnrDb; });
        for (size_t i = 0; i < errors.size() && i < 8; ++i)
            std::printf("    %6.1f  %-28s %s\n", errors[i].sqnrDb, errors[i].op.c_str(),
                        errors[i].module.empty() ? "(top module)" : errors[i].module.c_str());
    }
    for (const std::string& warning : result.warnings) std::printf("  warning    %s\n", warning.c_str());
    std::printf("  operators  %zu root operators%s%s\n", result.operators.size(),
                result.opsYaml.empty() ? "" : ", written to ", result.opsYaml.c_str());
}

void printBench(const ptl::BenchResult& result) {
    std::printf("%s\n", result.model.c_str());
    std::printf("  latency    p50 %.2f ms, p90 %.2f ms, min %.2f ms, max %.2f ms, mean %.2f ms (%zu runs after %d warm-up)\n",
                result.p50, result.p90, result.min, result.max, result.mean, result.samplesMs.size(), result.warmup);
    std::printf("  measured   %s\n", ptl::describeEnvironment(result.environment).c_str());
}

// Each job runs in a child process within these limits; the help states the defaults.
void addLimits(CLI::App* command, Arguments& args) {
    command->add_option("--timeout", args.timeoutSeconds,
                        "Stop the job after this many seconds (default " + std::to_string(kDefaultTimeoutSeconds) +
                            "; 0: no limit). The model's code runs in a child process, which is killed then")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--memory-limit", args.memoryLimit,
                        "Memory the child process may use, e.g. 4G or 512M (default: three quarters of this "
                        "computer's memory, " + describeSize(defaultMemoryLimit()) + "; 0: no limit)");
}

CLI::App* addInspect(CLI::App& app, Arguments& args) {
    CLI::App* inspect = app.add_subcommand(
        "inspect", "Describe a model, its graph and its findings (control flow, tracing, Lite Interpreter "
                   "compatibility, quantization settings)");
    inspect->add_option("MODEL", args.model, "TorchScript .pt or Lite Interpreter .ptl file")->required();
    inspect->add_option("--input", args.inputs,
                        "Sample input for one forward argument, e.g. 1x3x224x224:float or 1x128:int64 "
                        "(repeat once per argument)");
    inspect->add_flag("--json", args.json, "Print the whole report as JSON (schema: docs/report-schema.md)");
    inspect->add_option("--fail-on", args.failOn, "Exit 1 when a finding of this severity or worse is reported")
        ->check(CLI::IsMember({"info", "warning", "error"}));
    addLimits(inspect, args);
    return inspect;
}

CLI::App* addConvert(CLI::App& app, Arguments& args) {
    ptl::ConvertOptions& options = args.convert;
    CLI::App* convert = app.add_subcommand(
        "convert", "Optimize for mobile and export a Lite Interpreter .ptl, verified by reloading it in the Lite "
                   "Interpreter and comparing outputs with the source model");
    convert->add_option("MODEL", args.model, "TorchScript .pt (or .ptl with TorchScript code)")->required();
    convert->add_option("-o,--output", options.output, "The .ptl to write (atomically; never the input)")->required();
    convert->add_option("--input", args.inputs, "Sample input for one forward argument (repeat once per argument)");
    convert->add_flag("--no-optimize", args.noOptimize, "Export without optimize_for_mobile");
    convert->add_option("--quantize", args.quantize,
                        "none; dynamic: int8 Linear, LSTM and GRU layers (activations quantized at run time) and 8-bit "
                        "weight-only embeddings; static: post-training int8 with calibration")
        ->check(CLI::IsMember({"none", "dynamic", "static"}));
    convert->add_option("--backend", args.backend,
                        "Static quantization target: qnnpack (phones: per-tensor weights, full-range activations) or "
                        "x86 (per-channel weights, reduced range; not the phone's engine)")
        ->check(CLI::IsMember({"qnnpack", "x86"}));
    convert->add_option("--observer", args.observer,
                        "Static quantization's activation observer: minmax, or histogram (searches the clipping "
                        "range with the least quantization error)")
        ->check(CLI::IsMember({"minmax", "histogram"}));
    convert->add_option("--calib", args.calibration,
                        "Calibration data for static quantization: random:N batches shaped like the inputs "
                        "(default random:8), a folder of PNG/JPEG images (resized, center-cropped, normalized by "
                        "--mean/--std), or a file saved with torch.save holding one tensor (split into batches) or a "
                        "list of tensors (one per batch)");
    convert->add_option("--keep-float", options.keepFloat,
                        "Static quantization: leave this module (a path such as features.3) and its children in "
                        "float (repeatable)");
    convert->add_option("--optimize-skip", options.skipOptimizations,
                        "Skip one optimize_for_mobile pass: conv-bn-fusion, insert-fold-prepack-ops, remove-dropout, "
                        "fuse-add-relu, hoist-conv-packed-params, conv1d-to-conv2d (repeatable)");
    convert->add_option("--mean", options.mean,
                        "Per-channel mean for calibration images, as TensorImageUtils (default 0.485,0.456,0.406)")
        ->delimiter(',')
        ->expected(3);
    convert->add_option("--std", options.std, "Per-channel std for calibration images (default 0.229,0.224,0.225)")
        ->delimiter(',')
        ->expected(3);
    convert->add_option("--preserve-method", options.preservedMethods, "Keep this method besides forward (repeatable)");
    convert->add_option("--bytecode-version", options.bytecodeVersion,
                        "Backport the bytecode to this version, for older PyTorch Mobile runtimes (PyTorch's v8 to v7 "
                        "backport writes the tensors twice: expect a file about twice as large)");
    convert->add_option("--ops-yaml", options.opsYaml,
                        "Also write the root operator list (YAML) for a selective mobile build");
    convert->add_flag("--json", args.json, "Print the result as JSON");
    convert->add_option("--progress", args.progressMode, "Progress on stderr: auto (a bar on a terminal), bar, json, none")
        ->check(CLI::IsMember({"auto", "bar", "json", "none"}));
    addLimits(convert, args);
    return convert;
}

CLI::App* addBench(CLI::App& app, Arguments& args) {
    ptl::BenchOptions& options = args.bench;
    CLI::App* bench = app.add_subcommand(
        "bench", "Measure forward latency on this computer (host latency, not phone latency; the output says "
                 "where and how it was measured)");
    bench->add_option("MODEL", args.model, "TorchScript .pt or Lite Interpreter .ptl")->required();
    bench->add_option("--input", args.inputs, "Sample input for one forward argument (repeat once per argument)");
    bench->add_option("--threads", options.threads, "Intra-op threads (default 1, as on most phones' big core)")
        ->check(CLI::Range(1, 256));
    bench->add_option("--iters", options.iterations, "Measured runs (default 50)")->check(CLI::Range(1, 1000000));
    bench->add_option("--warmup", options.warmup, "Runs before measuring (default 10)")->check(CLI::Range(0, 1000000));
    bench->add_flag("--lite", options.lite, "Run in the Lite Interpreter (a .pt is exported in memory first)");
    bench->add_flag("--json", args.json, "Print the result, with every sample, as JSON");
    bench->add_option("--progress", args.progressMode, "Progress on stderr: auto, bar, json, none")
        ->check(CLI::IsMember({"auto", "bar", "json", "none"}));
    addLimits(bench, args);
    return bench;
}

int runConvert(Arguments& args) {
    ptl::ConvertOptions& options = args.convert;
    options.inputSpecs = args.inputs;
    options.optimize = !args.noOptimize;
    const std::optional<nlohmann::json> request = buildRequest(args.model, [&] {
        // Typed and checked before the model is read: a bad option costs milliseconds.
        options.quantize = ptl::parseQuantization(args.quantize);
        options.backend = ptl::parseBackend(args.backend);
        options.observer = ptl::parseObserver(args.observer);
        if (options.quantize == ptl::Quantization::Static) options.calibration = ptl::parseCalibrationSource(args.calibration);
        return nlohmann::json{{"job", "convert"}, {"model", args.model}, {"options", ptl::toJson(options)}};
    });
    if (!request) return kUnreadable;
    return runJob(args, *request, args.progressMode, [&](const nlohmann::json& result) {
        if (args.json) std::cout << jsonText(result.at("convert"), 2) << "\n";
        else printConversion(ptl::convertResultFromJson(result.at("convert")));
        return kOk;
    });
}

int runBench(Arguments& args) {
    args.bench.inputSpecs = args.inputs;
    const nlohmann::json request{{"job", "bench"}, {"model", args.model}, {"options", ptl::toJson(args.bench)}};
    return runJob(args, request, args.progressMode, [&](const nlohmann::json& result) {
        if (args.json) std::cout << jsonText(result.at("bench"), 2) << "\n";
        else printBench(ptl::benchResultFromJson(result.at("bench")));
        return kOk;
    });
}

}  // namespace

int main(int argc, char** argv) {
    auto log = spdlog::stderr_color_mt("ptl");
    spdlog::set_default_logger(log);
    spdlog::set_level(spdlog::level::warn);

    CLI::App app{"PTL Studio: inspect TorchScript (.pt) and Lite Interpreter (.ptl) models and find what "
                 "will break or misbehave on a phone; convert them for the Lite Interpreter and measure them.\n\nExit "
                 "codes: 0 success; 1 findings at or above --fail-on; 2 the model or the arguments cannot be "
                 "used; 3 the inspection, conversion or verification failed, or the model's code crashed or exceeded "
                 "--timeout or --memory-limit.",
                 "ptl-studio-cli"};
    app.set_version_flag("--version", ptl::toolVersion());
    app.require_subcommand(1);
    app.fallthrough();  // -v works after the subcommand too
    Arguments args;
    app.add_flag("-v,--verbose", args.verbose, "Log diagnostics to stderr");

    CLI::App* inspect = addInspect(app, args);
    CLI::App* convert = addConvert(app, args);
    CLI::App* bench = addBench(app, args);
    ReportCommand report(app);
    CLI::App* worker = app.add_subcommand(
        "worker", "Used by the GUI: run one job in this process, a JSON request on stdin, JSON Lines events "
                  "on stdout (docs/worker-protocol.md)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? kOk : kUnreadable;
    }
    if (args.verbose) spdlog::set_level(spdlog::level::info);

    if (*inspect) return runInspect(args);
    if (*convert) return runConvert(args);
    if (*bench) return runBench(args);
    if (report.chosen()) return report.run(argc, argv);
    if (*worker) {
        spdlog::set_pattern("[%l] %v");  // the window stamps each line when it arrives
        const int code = runWorker();
        // A one-job process: its terminal event is written, and LibTorch's static destructors would
        // only race its thread pools on the way out.
        spdlog::default_logger()->flush();
        std::fflush(nullptr);
        _exit(code);
    }
    return kOk;
}
