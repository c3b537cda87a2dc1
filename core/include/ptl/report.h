// The inspection report: the one data model shared by the CLI's --json output, the worker
// protocol and the GUI's views. Plain structs, no LibTorch and no Qt; report_json.h
// serializes it both ways.
#pragma once

#include "ptl/sweep.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ptl {

enum class Severity { Info, Warning, Error };

// Where a node came from in the model author's Python code, read from TorchScript debug info.
struct SourceLocation {
    std::string file;          // original Python file as recorded at export time
    int line = 0;              // 1-based; 0 when unknown
    int column = 0;            // 1-based; 0 when unknown (traced code records none)
    std::string text;          // the source line of the construct (for traced code: the call stack)
    bool traced = false;       // recorded by torch.jit.trace rather than compiled from source

    bool known() const { return !file.empty() || line > 0; }
};

// One SSA value of a method graph. Shape and dtype are filled where known: from the graph's
// types or from running the method on the sample inputs.
struct Value {
    int id = -1;
    std::string name;                // debug name, e.g. "x.1"
    std::string type;                // TorchScript type, e.g. "Tensor", "int[]"
    bool shapeKnown = false;
    std::vector<int64_t> shape;      // -1 for an unknown dimension
    std::string dtype;               // "float32", "int64", "quint8", ... when known
    int producer = -1;               // node id, or -1 for a graph or block input
};

// What an op costs, device-independent, from the shapes the sample run recorded. Ops inside
// loops count every run; ops in branches not taken count nothing.
struct OpCost {
    int64_t macs = 0;                // multiply-accumulates: conv, linear, matmul, attention, RNN
    int64_t weightBytes = 0;         // parameters, packed weights and constant tensors it reads
    int64_t activationBytes = 0;     // tensors it outputs

    OpCost& operator+=(const OpCost& other) {
        macs += other.macs;
        weightBytes += other.weightBytes;
        activationBytes += other.activationBytes;
        return *this;
    }
};

struct Block {
    std::vector<int> inputs;         // value ids
    std::vector<int> outputs;        // value ids
    std::vector<int> nodes;          // node ids, in execution order
};

struct Node {
    int id = -1;
    std::string kind;                // "aten::conv2d", "prim::If", ...
    std::string schema;              // operator schema when the node has one
    std::vector<int> inputs;         // value ids
    std::vector<int> outputs;        // value ids
    std::vector<std::pair<std::string, std::string>> attributes;  // e.g. ("value", "4")
    std::string scope;               // module instance path, "" for the top module
    SourceLocation source;
    int parent = -1;                 // enclosing If/Loop node, -1 at top level
    int parentBlock = -1;            // index of the block of `parent` holding this node
    std::vector<Block> blocks;       // sub-blocks of prim::If / prim::Loop
    OpCost cost;                     // forward's nodes, when the sample run recorded shapes
};

struct Graph {
    std::vector<Node> nodes;         // every node, nested ones included; index == id
    std::vector<Value> values;       // index == id
    std::vector<int> inputs;         // value ids of the graph inputs (self first)
    std::vector<int> outputs;        // value ids
    std::vector<int> topNodes;       // node ids at top level, in order
};

struct Method {
    std::string name;
    std::string origin;              // "scripted" or "traced"
    std::string signature;           // TorchScript schema of the method
    Graph graph;                     // inlined graph; from the bytecode for Lite files without code
};

struct ModuleInfo {
    std::string path;                // "" for the root, "features.0" below
    std::string type;                // qualified TorchScript class name
    int64_t parameters = 0;          // elements in this module's own parameters and packed weights
    int64_t bytes = 0;               // bytes of its own parameters, buffers and packed weights
    int64_t totalParameters = 0;     // including all submodules
    int64_t totalBytes = 0;
    OpCost cost;                     // of the forward ops in this module's own code
    OpCost totalCost;                // including all submodules
};

// Value statistics of a weight tensor (quantized ones dequantized), for the Weights view.
struct TensorStats {
    bool known = false;              // false for empty or non-numeric tensors
    double min = 0, max = 0, mean = 0, std = 0;
    double zeroFraction = 0;         // share of exact zeros (pruning, dead channels)
    std::vector<int64_t> histogram;  // equal-width bins over [min, max]
};

struct TensorInfo {
    std::string name;                // "features.0.weight"
    std::string kind;                // "parameter", "buffer", "packed" (quantized, XNNPACK) or "constant" (Lite)
    std::vector<int64_t> shape;
    std::string dtype;
    int64_t bytes = 0;
    TensorStats stats;
};

// Original Python source kept in the model's debug info (one function or file excerpt each), so
// views can show the lines around a node's SourceLocation.
struct SourceSnippet {
    std::string file;
    int firstLine = 1;
    std::string text;
};

struct ExtraFile {
    std::string name;
    int64_t bytes = 0;
};

// A sample input of the inspected method, and where it came from.
struct InputInfo {
    std::string argument;            // argument name in the method signature
    std::string type;                // TorchScript type of the argument
    std::vector<int64_t> shape;
    std::string dtype;               // "float32", "int64", ...
    std::string source;              // "spec", "bundled" or "inferred"
};

struct QuantizedLayer {
    std::string module;              // module path
    std::string kind;                // "conv2d", "linear", ...
    std::string weightDtype;         // "qint8", ...
    std::string weightQScheme;       // "per_tensor_affine", "per_channel_symmetric", ...
    int64_t channels = 0;            // number of weight scales (1 for per-tensor)
    double weightScaleMin = 0, weightScaleMax = 0;
    int64_t weightZeroPointMin = 0, weightZeroPointMax = 0;
    double outputScale = 0;          // -1 when the layer has no static output quantization
    int64_t outputZeroPoint = 0;
    int64_t activationP99 = -1;      // 99th percentile of its integer outputs on the sample inputs
};

// Export to Lite bytecode in memory, reload in the Lite Interpreter, run both, compare.
struct RoundTrip {
    bool attempted = false;
    bool exported = false;
    bool reloaded = false;
    bool compared = false;
    bool matched = false;
    double maxAbsDiff = 0;
    std::string error;               // LibTorch's message when a step failed
};

// forward's cost on the sample inputs.
struct ComputeCost {
    bool measured = false;           // false without a sample run
    OpCost total;
    int64_t peakActivationBytes = 0; // most bytes of tensors alive at once, along forward's order
    int peakNode = -1;               // forward node at which they are
    std::string peakScope;           // its module path
};

struct Finding {
    std::string id;                  // stable within a report, e.g. "F3"
    Severity severity = Severity::Info;
    std::string category;            // "control-flow.shape-dependent", ...
    std::string message;
    std::string advice;
    std::string method;              // method whose graph `nodes` refer to
    std::vector<int> nodes;          // node ids in that method's graph
    SourceLocation source;
};

struct Report {
    std::string tool;                // "ptl-studio <version>"
    std::string file;
    int64_t fileBytes = 0;
    std::string format;              // "torchscript" or "lite"
    std::string container;           // "zip" or "flatbuffer"
    int64_t fileFormatVersion = -1;  // the archive's "version" record
    int64_t bytecodeVersion = -1;    // Lite models only
    std::vector<Method> methods;     // forward first
    std::vector<ModuleInfo> modules; // pre-order, root first
    std::vector<TensorInfo> tensors;
    std::vector<ExtraFile> extraFiles;
    std::vector<InputInfo> inputs;   // of forward
    std::vector<std::string> operators;  // root operator list (what a selective build needs)
    std::vector<QuantizedLayer> quantizedLayers;
    RoundTrip roundTrip;
    ComputeCost compute;
    std::vector<Finding> findings;
    std::vector<SourceSnippet> sources;
    ShapeSweep sweep;                // forward at other input shapes, when asked for (inspect --sweep)
};

const char* severityName(Severity severity);
std::string humanBytes(uint64_t bytes);  // "12 B", "3.4 KiB", "20.0 MiB"
std::string humanMacs(int64_t macs);     // "96 MACs", "3.4 k MACs", "300.8 M MACs", "1.2 G MACs"
bool parseSeverity(const std::string& name, Severity& out);

}  // namespace ptl
