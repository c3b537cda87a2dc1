// Command-line options that several subcommands share (inspect, convert, bench, report, compare),
// registered once so that their names, checks and help read the same everywhere.
#pragma once

#include "contained_job.h"
#include "ptl/bench.h"
#include "ptl/convert.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace ptl::cli {

// Conversion settings as typed, before parseBackend / parseObserver / parseCalibrationSource.
struct ConvertChoices {
    std::string backend = "qnnpack", observer = "minmax", calibration = "random:8";
    bool noOptimize = false;
};

// --input, repeatable, one spec per forward argument.
void addInputOption(CLI::App* command, std::vector<std::string>& inputs);
// --progress auto|bar|json|none.
void addProgressOption(CLI::App* command, std::string& mode);
// How to convert (everything but --quantize, whose form differs between convert and report):
// --no-optimize, --backend, --observer, --calib, --keep-float, --optimize-skip, --mean, --std,
// --bytecode-version.
void addConvertOptions(CLI::App* command, ConvertChoices& choices, ConvertOptions& options);
// How to measure: --threads, --iters, --warmup; the help states the defaults `options` holds.
void addBenchOptions(CLI::App* command, BenchOptions& options);
// --sweep [SPEC] (ptl/sweep.h); the returned option's count() tells whether it was given.
CLI::Option* addSweepOption(CLI::App* command, std::string& spec, const std::string& what);

// The child process's limits as typed: --timeout SECONDS, --memory-limit SIZE; the help states the defaults.
struct LimitChoices {
    int timeoutSeconds = kDefaultTimeoutSeconds;
    std::string memoryLimit;  // empty: defaultMemoryLimit()
};
void addLimitOptions(CLI::App* command, LimitChoices& choices);
// Throws std::invalid_argument starting "--memory-limit: " for a size that does not read.
Limits limitsOf(const LimitChoices& choices);

// The choices typed into `options` (throws std::invalid_argument for unknown names).
void applyConvertChoices(const ConvertChoices& choices, ConvertOptions& options);

}  // namespace ptl::cli
