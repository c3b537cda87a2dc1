// `ptl-studio-cli report`: the handoff review of one model as a self-contained HTML file
// (inspection, the conversions asked for, measured on this host, integration code). The model's code
// runs in contained workers, as for inspect, convert and bench.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>

namespace ptl::cli {

struct ReportArguments;

class ReportCommand {
public:
    explicit ReportCommand(CLI::App& app);  // registers the subcommand and its options
    ~ReportCommand();
    bool chosen() const { return command_->parsed(); }
    // The process exit code; argv is recorded in the report.
    int run(int argc, char** argv, bool verbose);

private:
    CLI::App* command_;
    std::unique_ptr<ReportArguments> args_;
};

}  // namespace ptl::cli
