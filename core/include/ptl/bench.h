// Measurement: forward latency of a model on this host, with where and how it was measured
// (host latency is not phone latency).
#pragma once

#include "ptl/job.h"
#include "ptl/report.h"

#include <string>
#include <vector>

namespace ptl {

struct BenchOptions {
    std::vector<std::string> inputSpecs;
    int threads = 1;
    int warmup = 10;
    int iterations = 50;
    bool lite = false;                           // run in the Lite Interpreter, not the full JIT
};

// Where a latency was measured: host latency is not phone latency.
struct BenchEnvironment {
    std::string cpu;                             // /proc/cpuinfo model name
    std::string engine;                          // "full JIT" or "Lite Interpreter"
    std::string quantizedEngine;                 // "qnnpack"
    int threads = 1;
    std::string libtorch;                        // LibTorch's version, "1.13.1"
};

struct BenchResult {
    std::string model;
    BenchEnvironment environment;
    std::vector<InputInfo> inputs;
    int warmup = 0;
    std::vector<double> samplesMs;               // one per iteration, in run order
    double p50 = 0, p90 = 0, min = 0, max = 0, mean = 0;
};

BenchResult benchModel(const std::string& path, const BenchOptions& options, const JobControl& job = {});

std::string describeEnvironment(const BenchEnvironment& environment);  // "Intel Xeon ..., 1 thread, ..."

}  // namespace ptl
