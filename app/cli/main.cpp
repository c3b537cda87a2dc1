// ptl-studio-cli: the headless face of PTL Studio, and the worker process the GUI starts.
// stdout carries data (a readable summary, the JSON report or the worker's events);
// diagnostics go to stderr.
#include "ptl/inspect.h"
#include "ptl/report_json.h"
#include "summary.h"
#include "worker.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

using namespace ptl::cli;

namespace {

int runInspect(const std::string& model, const std::vector<std::string>& inputs, bool json,
               const std::string& failOn) {
    ptl::InspectOptions options;
    options.inputSpecs = inputs;
    ptl::Report report;
    try {
        report = ptl::inspectModel(model, options);
    } catch (...) {
        const JobFailure failure = classifyFailure(model, std::current_exception());
        std::cerr << "ptl-studio-cli: error: " << failure.message << "\n";
        return failure.exitCode;
    }
    if (json)
        std::cout << ptl::toJson(report).dump(2) << "\n";
    else
        ptl::cli::printSummary(std::cout, report);

    if (!failOn.empty()) {
        ptl::Severity threshold{};
        ptl::parseSeverity(failOn, threshold);
        for (const ptl::Finding& finding : report.findings)
            if (finding.severity >= threshold) return kFindingsOverThreshold;
    }
    return kOk;
}

}  // namespace

int main(int argc, char** argv) {
    auto log = spdlog::stderr_color_mt("ptl");
    spdlog::set_default_logger(log);
    spdlog::set_level(spdlog::level::warn);

    CLI::App app{"PTL Studio: inspect TorchScript (.pt) and Lite Interpreter (.ptl) models and find what "
                 "will break or misbehave on a phone.\n\nExit codes: 0 success; 1 findings at or above "
                 "--fail-on; 2 the model or the arguments cannot be used; 3 the inspection failed.",
                 "ptl-studio-cli"};
    app.set_version_flag("--version", ptl::toolVersion());
    app.require_subcommand(1);
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose, "Log diagnostics to stderr");

    std::string model;
    std::vector<std::string> inputs;
    bool json = false;
    std::string failOn;
    CLI::App* inspect = app.add_subcommand(
        "inspect", "Describe a model, its graph and its findings (control flow, tracing, Lite Interpreter "
                   "compatibility, quantization settings)");
    inspect->add_option("MODEL", model, "TorchScript .pt or Lite Interpreter .ptl file")->required();
    inspect->add_option("--input", inputs,
                        "Sample input for one forward argument, e.g. 1x3x224x224:float or 1x128:int64 "
                        "(repeat once per argument)");
    inspect->add_flag("--json", json, "Print the whole report as JSON (schema: docs/report-schema.md)");
    inspect->add_option("--fail-on", failOn, "Exit 1 when a finding of this severity or worse is reported")
        ->check(CLI::IsMember({"info", "warning", "error"}));

    CLI::App* worker = app.add_subcommand(
        "worker", "Used by the GUI: run one job in this process, a JSON request on stdin, JSON Lines events "
                  "on stdout (docs/worker-protocol.md)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error);
        return code == 0 ? kOk : kUnreadable;
    }
    if (verbose) spdlog::set_level(spdlog::level::info);

    if (*inspect) {
        const int code = runInspect(model, inputs, json, failOn);
        spdlog::info("finished");
        return code;
    }
    if (*worker) return runWorker();
    return kOk;
}
