// ptl-studio-cli: the headless face of PTL Studio, and the worker process the GUI starts.
// stdout carries data (a readable summary, the JSON report or the worker's events);
// diagnostics go to stderr.
#include "contained_job.h"
#include "compare_summary.h"
#include "json_text.h"
#include "options.h"
#include "progress.h"
#include "report_command.h"
#include "ptl/bench.h"
#include "ptl/compare.h"
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
    std::string quantize = "none";
    ConvertChoices convertChoices;
    ptl::BenchOptions bench;
    std::string other;                       // compare: model B
    double failOnDiff = -1;                  // compare: exit 1 above this max abs difference (-1: never)
    std::string sweep;                       // inspect's and compare's --sweep spec
    CLI::Option* inspectSweep = nullptr;     // count whether --sweep was given
    CLI::Option* compareSweep = nullptr;
    LimitChoices limits;
    bool verbose = false;
};

// Runs a worker request in a child process within the limits, with progress on stderr; a failure
// becomes one line on stderr and an exit code, a success the result event handed to `print`.
template <typename Print>
int runJob(const Arguments& args, const nlohmann::json& request, const std::string& progressMode, Print&& print) {
    Limits limits;
    try {
        limits = limitsOf(args.limits);
    } catch (const std::invalid_argument& problem) {
        printError(problem.what());
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
        printFailure(model, std::current_exception());
        return std::nullopt;
    }
}

int runInspect(const Arguments& args) {
    // The graph event serves the window; here only the result is printed.
    nlohmann::json request{{"job", "inspect"}, {"model", args.model}, {"inputs", args.inputs}, {"graph", false}};
    if (args.inspectSweep->count() > 0) request["sweep"] = args.sweep;
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

CLI::App* addInspect(CLI::App& app, Arguments& args) {
    CLI::App* inspect = app.add_subcommand(
        "inspect", "Describe a model, its graph and its findings (control flow, tracing, Lite Interpreter "
                   "compatibility, quantization settings)");
    inspect->add_option("MODEL", args.model, "TorchScript .pt or Lite Interpreter .ptl file")->required();
    addInputOption(inspect, args.inputs);
    args.inspectSweep = addSweepOption(inspect, args.sweep,
                   "Also run forward at other input shapes and report, per shape, whether it ran (or the error), "
                   "the branches and loop trip counts it took and the output shapes; shapes that fail or take "
                   "another path than the sample input become findings (shape.sweep-failure, "
                   "shape.sweep-divergence) at the node that decided.");
    inspect->add_flag("--json", args.json, "Print the whole report as JSON (schema: docs/report-schema.md)");
    inspect->add_option("--fail-on", args.failOn, "Exit 1 when a finding of this severity or worse is reported")
        ->check(CLI::IsMember({"info", "warning", "error"}));
    addLimitOptions(inspect, args.limits);
    return inspect;
}

CLI::App* addConvert(CLI::App& app, Arguments& args) {
    ptl::ConvertOptions& options = args.convert;
    CLI::App* convert = app.add_subcommand(
        "convert", "Optimize for mobile and export a Lite Interpreter .ptl, verified by reloading it in the Lite "
                   "Interpreter and comparing outputs with the source model");
    convert->add_option("MODEL", args.model, "TorchScript .pt (or .ptl with TorchScript code)")->required();
    convert->add_option("-o,--output", options.output, "The .ptl to write (atomically; never the input)")->required();
    addInputOption(convert, args.inputs);
    convert->add_option("--quantize", args.quantize,
                        "none; dynamic: int8 Linear, LSTM and GRU layers (activations quantized at run time) and 8-bit "
                        "weight-only embeddings; static: post-training int8 with calibration")
        ->check(CLI::IsMember({"none", "dynamic", "static"}));
    addConvertOptions(convert, args.convertChoices, options);
    convert->add_option("--preserve-method", options.preservedMethods, "Keep this method besides forward (repeatable)");
    convert->add_option("--ops-yaml", options.opsYaml,
                        "Also write the root operator list (YAML) for a selective mobile build");
    convert->add_flag("--json", args.json, "Print the result as JSON");
    addProgressOption(convert, args.progressMode);
    addLimitOptions(convert, args.limits);
    return convert;
}

CLI::App* addBench(CLI::App& app, Arguments& args) {
    ptl::BenchOptions& options = args.bench;
    CLI::App* bench = app.add_subcommand(
        "bench", "Measure forward latency on this computer (host latency, not phone latency; the output says "
                 "where and how it was measured)");
    bench->add_option("MODEL", args.model, "TorchScript .pt or Lite Interpreter .ptl")->required();
    addInputOption(bench, args.inputs);
    addBenchOptions(bench, options);
    bench->add_flag("--lite", options.lite, "Run in the Lite Interpreter (a .pt is exported in memory first)");
    bench->add_flag("--json", args.json, "Print the result, with every sample, as JSON");
    addProgressOption(bench, args.progressMode);
    addLimitOptions(bench, args.limits);
    return bench;
}

int runConvert(Arguments& args) {
    ptl::ConvertOptions& options = args.convert;
    options.inputSpecs = args.inputs;
    const std::optional<nlohmann::json> request = buildRequest(args.model, [&] {
        // Typed and checked before the model is read: a bad option costs milliseconds.
        options.quantize = ptl::parseQuantization(args.quantize);
        applyConvertChoices(args.convertChoices, options);
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

CLI::App* addCompare(CLI::App& app, Arguments& args) {
    CLI::App* compare = app.add_subcommand(
        "compare", "Compare two models or two variants of one (traced against scripted, float against int8, before "
                   "against after optimize): op counts, graph differences by module path, and both models' outputs "
                   "on the same inputs over a shape sweep (max abs difference and cosine similarity per shape)");
    compare->add_option("A", args.model, "The first model (.pt, or .ptl with TorchScript code)")->required();
    compare->add_option("B", args.other, "The second model")->required();
    addInputOption(compare, args.inputs);
    args.compareSweep = addSweepOption(compare, args.sweep,
                                      "The shapes to run both models at; without --sweep too, they come from A's sample inputs.");
    compare->add_option("--fail-on-diff", args.failOnDiff,
                        "Exit 1 when at some shape the outputs differ by more than this max abs difference, their "
                        "shapes differ, or one model runs and the other fails")
        ->check(CLI::NonNegativeNumber);
    compare->add_flag("--json", args.json, "Print the comparison as JSON (schema: docs/report-schema.md)");
    addProgressOption(compare, args.progressMode);
    addLimitOptions(compare, args.limits);
    return compare;
}

int runCompare(Arguments& args) {
    nlohmann::json request{{"job", "compare"}, {"model", args.model}, {"other", args.other}, {"inputs", args.inputs}};
    if (args.compareSweep->count() > 0) request["sweep"] = args.sweep;
    return runJob(args, request, args.progressMode, [&](const nlohmann::json& result) {
        const nlohmann::json& json = result.at("compare");
        if (args.json) std::cout << jsonText(json, 2) << "\n";
        const ptl::Comparison comparison = ptl::comparisonFromJson(json);
        if (!args.json) printComparison(std::cout, comparison);
        if (args.failOnDiff >= 0 && ptl::differingPoints(comparison, args.failOnDiff) > 0) return kFindingsOverThreshold;
        return kOk;
    });
}

}  // namespace

int main(int argc, char** argv) {
    auto log = spdlog::stderr_color_mt("ptl");
    spdlog::set_default_logger(log);
    spdlog::set_level(spdlog::level::warn);

    CLI::App app{"PTL Studio: inspect TorchScript (.pt) and Lite Interpreter (.ptl) models and find what "
                 "will break or misbehave on a phone; convert them for the Lite Interpreter, measure and compare "
                 "them.\n\nExit codes: 0 success; 1 findings at or above --fail-on, or compare's outputs differing "
                 "beyond --fail-on-diff; 2 the model or the arguments cannot be used; 3 the inspection, conversion or verification failed, or the model's code crashed or exceeded "
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
    CLI::App* compare = addCompare(app, args);
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
    if (*compare) return runCompare(args);
    if (report.chosen()) return report.run(argc, argv, args.verbose);
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
