// Conversion for PyTorch Mobile: optimize_for_mobile with each pass selectable, export to Lite
// Interpreter bytecode (optionally backported), verified by reloading the file in the Lite
// Interpreter and comparing its outputs with the source model's before success is reported.
#pragma once

#include "ptl/bench.h"
#include "ptl/errors.h"
#include "ptl/job.h"
#include "ptl/report.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ptl {

// optimize_for_mobile passes, by the names the CLI and reports use.
const std::vector<std::string>& optimizationNames();  // "conv-bn-fusion", "insert-fold-prepack-ops", ...

enum class Quantization {
    None,
    Dynamic,  // int8 Linear, LSTM and GRU weights, activations quantized at run time; 8-bit embeddings
    Static,   // post-training int8 weights and activations, calibrated
};
enum class QuantizedBackend {
    Qnnpack,  // phones: per-tensor symmetric weights, full-range activations
    X86,      // laptops (fbgemm/onednn): per-channel weights, activations reduced to 0..127
};
enum class ActivationObserver {
    MinMax,
    Histogram,  // searches the clipping range with the least expected quantization error
};

// Where static quantization's calibration batches come from.
struct CalibrationSource {
    enum class Kind {
        Random,       // `batches` batches shaped like the sample inputs
        ImageFolder,  // PNG/JPEG images, resized, center-cropped and normalized by mean/std
        TensorFile,   // a torch.save file: one tensor split into batches, or a list of tensors
    };
    Kind kind = Kind::Random;
    int batches = 8;
    std::string path;
};

// The names the CLI, reports and JSON use ("none", "dynamic", "static"; "qnnpack", "x86";
// "minmax", "histogram"; "random:N", a folder or a file). Parsing throws std::invalid_argument
// naming the choices; a calibration folder or file must exist.
Quantization parseQuantization(const std::string& name);
QuantizedBackend parseBackend(const std::string& name);
ActivationObserver parseObserver(const std::string& name);
CalibrationSource parseCalibrationSource(const std::string& text);
const char* quantizationName(Quantization quantization);
const char* backendName(QuantizedBackend backend);
const char* observerName(ActivationObserver observer);
std::string calibrationText(const CalibrationSource& source);  // as parseCalibrationSource reads it

struct ConvertOptions {
    std::string output;                          // the .ptl to write
    std::vector<std::string> inputSpecs;         // as for inspect
    bool optimize = true;
    std::vector<std::string> skipOptimizations;  // names from optimizationNames()
    std::vector<std::string> preservedMethods;   // kept by optimize_for_mobile besides forward
    int64_t bytecodeVersion = -1;                // backport to this version; -1 keeps the current one
    Quantization quantize = Quantization::None;
    QuantizedBackend backend = QuantizedBackend::Qnnpack;     // static quantization's target engine
    ActivationObserver observer = ActivationObserver::MinMax;  // static quantization's activations
    CalibrationSource calibration;               // static quantization; random:8 by default
    // Static quantization: module paths ("features.3") left in float with everything below them.
    std::vector<std::string> keepFloat;
    // Image normalization; the defaults are Android's TensorImageUtils (torchvision's ImageNet).
    std::vector<float> mean{0.485f, 0.456f, 0.406f};
    std::vector<float> std{0.229f, 0.224f, 0.225f};
    std::string opsYaml;                         // also write the root operator list here (YAML)
};

// What can be checked without reading the model (destinations, pass names, calibration,
// normalization), so a bad option fails before LibTorch reads anything. Throws
// std::invalid_argument; convertModel calls it first.
void checkConvertOptions(const std::string& modelPath, const ConvertOptions& options);

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
    std::vector<std::string> keptFloat;          // modules static quantization left in float
    std::vector<std::string> warnings;
    std::vector<std::string> optimizations;      // passes applied
    std::vector<OpCountChange> opChanges;        // forward's ops whose count changed
    std::vector<std::string> operators;          // root operator list of the exported file
    std::vector<VariantSize> sizes;              // after each step
    Verification verification;
};

// The root operator list as YAML for a selective PyTorch Mobile build (--ops-yaml, the window's export).
std::string operatorsYaml(const std::vector<std::string>& operators);

// Throws ModelError (input unreadable), std::invalid_argument (bad options), ConversionError
// (conversion, export or verification failed; nothing is left at the destination), Cancelled.
ConvertResult convertModel(const std::string& path, const ConvertOptions& options, const JobControl& job = {});


}  // namespace ptl
