// Conversion for PyTorch Mobile: optimize_for_mobile with each pass selectable, export to Lite
// Interpreter bytecode (optionally backported), verified by reloading the file in the Lite
// Interpreter and comparing its outputs with the source model's before success is reported.
// And measurement: latency of a model on this host, with where and how it was measured.
#pragma once

#include "ptl/inspect.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ptl {

// A conversion or verification that failed (the model itself could be read).
class ConversionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// optimize_for_mobile passes, by the names the CLI and reports use.
const std::vector<std::string>& optimizationNames();  // "conv-bn-fusion", "insert-fold-prepack-ops", ...

struct ConvertOptions {
    std::string output;                          // the .ptl to write
    std::vector<std::string> inputSpecs;         // as for inspect
    bool optimize = true;
    std::vector<std::string> skipOptimizations;  // names from optimizationNames()
    std::vector<std::string> preservedMethods;   // kept by optimize_for_mobile besides forward
    int64_t bytecodeVersion = -1;                // backport to this version; -1 keeps the current one
    std::string quantize = "none";               // "none", "dynamic" (int8 Linear, 8-bit embeddings) or
                                                 // "static" (post-training, calibrated)
    std::string backend = "qnnpack";             // static: "qnnpack" (phones) or "x86" (per-channel, reduced range)
    std::string observer = "minmax";             // static activations: "minmax" or "histogram" (error-minimizing range)
    std::string calibration = "random:8";        // static: "random:N" batches shaped like the sample inputs,
                                                 // a folder of PNG/JPEG images, or a torch.save file of tensors
    // Image normalization; the defaults are Android's TensorImageUtils (torchvision's ImageNet).
    std::vector<float> mean{0.485f, 0.456f, 0.406f};
    std::vector<float> std{0.229f, 0.224f, 0.225f};
    std::string opsYaml;                         // also write the root operator list here (YAML)
};

struct OpCountChange {
    std::string op;
    int64_t before = 0, after = 0;
};

// Signal-to-quantization-noise ratio of one quantized op's output against the float op it
// replaced, over the calibration batches.
struct OpError {
    int index = 0;                // position among the quantized ops, in execution order
    std::string op;               // "quantized::conv2d_relu"
    std::string floatOp;          // "aten::conv2d"
    std::string module;           // module path of the float op
    double sqnrDb = 0;
};

// The exported file against the converted model it came from (the export must not change
// results), and, for quantized models, against the float source (what quantization cost).
struct Verification {
    bool compared = false;        // false when no sample inputs could be made
    double maxAbsDiff = 0;
    double tolerance = 0;
    std::vector<InputInfo> inputs;
    // What quantization cost, measured against the float model on the calibration batches (the
    // sample input for dynamic quantization): -1 when not quantized or not applicable.
    double quantizationMaxAbsError = -1;
    double quantizationCosine = -1;        // cosine similarity of all outputs with the float model's
    double top1Agreement = -1;             // share of rows whose argmax matches (classifier outputs)
    int errorSamples = 0;                  // batches the figures are measured on
    std::vector<OpError> opErrors;         // static quantization: per quantized op
};

struct VariantSize {
    std::string variant;          // "source", "quantized", "optimized", "exported"
    int64_t bytes = 0;            // serialized size
    // Weight bytes by the module that holds them ("features.0.0"; "" for the top module). Frozen
    // variants keep weights as graph constants, so theirs are matched to the source's layers in
    // execution order; what matches no layer is under "(other)". Empty when they do not match.
    std::map<std::string, int64_t> moduleBytes;
};

struct ConvertResult {
    std::string input, output, opsYaml;
    int64_t inputBytes = 0, outputBytes = 0;
    int64_t bytecodeVersion = -1;
    std::string quantization = "none";
    std::string backend;                         // static quantization's target engine
    std::string observer;                        // and its activation observer
    int calibrationBatches = 0;
    std::vector<std::string> warnings;
    std::vector<std::string> optimizations;      // passes applied
    std::vector<OpCountChange> opChanges;        // forward's ops whose count changed
    std::vector<std::string> operators;          // root operator list of the exported file
    std::vector<VariantSize> sizes;              // after each step
    Verification verification;
};

// Throws ModelError (input unreadable), std::invalid_argument (bad options), ConversionError
// (conversion, export or verification failed; nothing is left at the destination), Cancelled.
ConvertResult convertModel(const std::string& path, const ConvertOptions& options, const JobControl& job = {});

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
