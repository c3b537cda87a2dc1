// inspect, convert and bench run LibTorch in a child process: this same program's worker
// (worker.h), forked (or, from a process with threads, started through /proc/self/exe), so that
// a crash, a hang or a memory blow-up in LibTorch or in the model's own code ends the child and
// becomes one line here. The child gets limits on time and memory; its progress events are
// forwarded, its stderr is ours.
#pragma once

#include "worker.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace ptl::cli {

struct Limits {
    int timeoutSeconds = 0;    // wall-clock time of the whole job; 0: none
    uint64_t memoryBytes = 0;  // the child's data (heap and anonymous memory, RLIMIT_DATA); 0: none
};

constexpr int kDefaultTimeoutSeconds = 600;
uint64_t defaultMemoryLimit();  // three quarters of this computer's memory

// "4G", "512M", "1.5GiB", "2048K", "1073741824" (bytes), "0" (no limit); binary units.
// Throws std::invalid_argument naming what is wrong.
uint64_t parseSize(const std::string& text);
std::string describeSize(uint64_t bytes);  // "4 GiB", "1.5 GiB", "512 MiB"

struct ContainedJob {
    std::optional<nlohmann::json> result;  // the worker's result event, when the job succeeded
    JobFailure failure;                     // why not, otherwise: one line naming the file
};

using ProgressCallback = std::function<void(const std::string& stage, double fraction)>;

// Runs one worker request (docs/worker-protocol.md) in a child within `limits`. A child killed
// by a signal or a limit becomes a "failed" JobFailure naming `model`, the last stage it
// reported and the cause.
ContainedJob runContained(const nlohmann::json& request, const std::string& model, const Limits& limits,
                          bool verbose, const ProgressCallback& progress);

}  // namespace ptl::cli
