// ptl-studio-cli: the headless face of PTL Studio. stdout carries data (a readable summary or
// the JSON report); diagnostics and progress go to stderr.
#include "ptl/errors.h"
#include "ptl/inspect.h"
#include "ptl/report_json.h"
#include "summary.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

namespace {

// Exit codes, documented in --help and docs/cli.md.
constexpr int kOk = 0;
constexpr int kFindingsOverThreshold = 1;
constexpr int kUnreadable = 2;

int runInspect(const std::string& model, const std::vector<std::string>& inputs, bool json,
               const std::string& failOn) {
    ptl::InspectOptions options;
    options.inputSpecs = inputs;
    ptl::Report report;
    try {
        report = ptl::inspectModel(model, options);
    } catch (const ptl::ModelError& error) {
        std::cerr << "ptl-studio-cli: error: " << error.what() << "\n";
        return kUnreadable;
    } catch (const std::invalid_argument& error) {
        std::cerr << "ptl-studio-cli: error: " << model << ": " << error.what() << "\n";
        return kUnreadable;
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
                 "--fail-on; 2 the model or the arguments cannot be used.",
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
    return kOk;
}
