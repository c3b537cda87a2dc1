// Internal to core: the state one inspection shares between its stages (graph extraction, the
// analyses). This header includes LibTorch and is only included by core's .cpp files.
#pragma once

#include "model_file.h"
#include "ptl/inspect.h"
#include "ptl/report.h"

#include <torch/script.h>

#include <memory>
#include <optional>
#include <unordered_map>

namespace ptl::detail {

// The inlined TorchScript graph of one method and the ids its nodes and values got in the report.
struct MethodGraph {
    std::string name;
    std::shared_ptr<torch::jit::Graph> graph;
    std::unordered_map<const torch::jit::Node*, int> nodeIds;
    std::unordered_map<const torch::jit::Value*, int> valueIds;
    size_t methodIndex = 0;  // into Report::methods
};

class ForwardRecorder;

struct Inspection {
    ModelFile file;
    Report& report;
    const JobControl& job;
    std::optional<torch::jit::Module> module;  // absent for bytecode-only Lite files
    std::vector<MethodGraph> graphs;           // forward first
    std::optional<std::vector<c10::IValue>> sampleInputs;  // forward's arguments, without self
    std::string sampleInputProblem;            // why there are none
    std::shared_ptr<ForwardRecorder> recorder;  // forward instrumented to record shapes
    std::optional<c10::IValue> forwardOutput;  // forward's output on the sample inputs
    std::unordered_map<int, int64_t> quantizedActivationP99;  // forward value id -> 99th percentile integer
    // The sample run records every value's shape and dtype for the report; convert and bench need
    // only forward's output and skip that cost.
    bool recordValues = true;
    std::unordered_map<std::string, size_t> snippetIndex;  // "file:firstLine" -> report.sources
    std::vector<at::Tensor> tensorValues;      // report.tensors' data, until their statistics are taken

    Method& method(const MethodGraph& graph) { return report.methods[graph.methodIndex]; }
    // Where the model author wrote this node, from the debug info; records the surrounding
    // source in report.sources once.
    SourceLocation sourceOf(const torch::jit::Node* node);
    const MethodGraph* forward() const { return graphs.empty() ? nullptr : &graphs.front(); }

    // Adds a finding; its id is assigned when the report is complete.
    Finding& addFinding(Severity severity, std::string category, std::string message, std::string advice);
    Finding& addNodeFinding(const MethodGraph& graph, const torch::jit::Node* node, Severity severity,
                            std::string category, std::string message, std::string advice);
};

// The module instance path of a node of an inlined graph ("features.0"), from its call stack.
// Containers iterated in forward (ModuleList, ModuleDict) make no call, so the stack names only
// their children; with the root module given, those steps are found in the module tree
// ("layers.0.ffn", not "0.ffn").
std::string scopeOf(const torch::jit::Node* node, const torch::jit::Module* root = nullptr);

// scopeOf for every node of a graph: nodes inlined from one call share their call stack, which is
// resolved in the module tree once.
class ScopeResolver {
public:
    explicit ScopeResolver(const torch::jit::Module* root) : root_(root) {}
    std::string operator()(const torch::jit::Node* node);

private:
    const torch::jit::Module* root_;
    std::unordered_map<const void*, std::string> paths_;  // by call stack
};
std::string dtypeName(c10::ScalarType type);
// LibTorch's messages carry C++ backtraces and Python-style context; users need the first line.
std::string firstLine(const std::string& message);
std::string errorText(const std::exception& error);  // firstLine of LibTorch's message, no backtrace

// Weights held by a quantized module's packed-params objects (not visible as parameters).
struct PackedWeight {
    std::string attribute;           // "_packed_params"
    at::Tensor weight;
    std::optional<at::Tensor> bias;
};
std::vector<PackedWeight> packedWeightsOf(const torch::jit::Module& module);  // own attributes only
// Ops that run on LibTorch 1.13's qnnpack clamp kernel when given a quantized tensor (hardtanh,
// relu6, clamp and their in-place forms), which misreads channels-last input: inspect flags them
// after quantized convolutions, convert rewrites them.
bool isQuantizedClamp(const std::string& kind);

// Runs a method on inputs; turns LibTorch errors into std::runtime_error with firstLine().
c10::IValue runMethod(const torch::jit::Module& module, const std::string& method,
                      const std::vector<c10::IValue>& inputs);

// Loads a file that carries TorchScript code, in eval mode, with the phone's quantized engine;
// throws ModelError naming the file.
torch::jit::Module loadTorchScript(const std::string& path);

// Stages, in the order inspectModel runs them.
void describeModule(Inspection& inspection);       // modules, tensors, methods
void extractGraphs(Inspection& inspection);        // inlined graphs, origins
void extractForwardGraph(Inspection& inspection);  // forward's inlined graph alone, no report graph (convert, bench)
// Finds inputs forward runs on; that run also records shapes and forwardOutput.
void prepareSampleInputs(Inspection& inspection, const std::vector<std::string>& specs);
std::vector<c10::IValue> cloneInputs(const std::vector<c10::IValue>& inputs);

// Instrumented copies of a graph, run a handful of times (input search, calibration, error
// measurement): the copy's top-level values by the source's, a function returning every
// registered output of a graph as one tuple, and a run without the graph executor's profiling and
// optimization (which cost more than they save over a few runs; the module's own methods keep
// their executors for export). runPlainly returns the tuple's elements and throws on a failed run.
std::unordered_map<const torch::jit::Value*, torch::jit::Value*> copiedValues(const torch::jit::Graph& source,
                                                                            torch::jit::Graph& copy);
std::unique_ptr<torch::jit::GraphFunction> tupleFunction(const std::string& name, std::shared_ptr<torch::jit::Graph> graph);
std::vector<c10::IValue> runPlainly(torch::jit::GraphFunction& function, const torch::jit::Module& module,
                                    const std::vector<c10::IValue>& inputs);
at::Tensor makeSampleTensor(const std::vector<int64_t>& shape, const std::string& dtype);  // seeded random
// The largest absolute difference between two outputs (tuples, lists, dicts of tensors), or
// nullopt when their structure differs; and the largest magnitude in an output.
std::optional<double> maxDifference(const c10::IValue& a, const c10::IValue& b);
double largestMagnitude(const c10::IValue& value);
double cosineSimilarity(const c10::IValue& a, const c10::IValue& b);  // of all tensors, flattened; -1 if unlike
void analyzeControlFlow(Inspection& inspection);
void analyzeTracing(Inspection& inspection);
void analyzeLiteCompatibility(Inspection& inspection, bool roundTrip);
void analyzeQuantization(Inspection& inspection);

}  // namespace ptl::detail
