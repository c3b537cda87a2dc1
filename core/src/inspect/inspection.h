// Internal to core: one inspection's report under construction, over an opened Session. The
// graph extraction fills the report's graphs and remembers which report ids the TorchScript
// nodes and values got; the analyses (analysis/analyses.h) add findings that point at them.
#pragma once

#include "ptl/inspect.h"
#include "ptl/job.h"
#include "ptl/report.h"
#include "session/session_state.h"

#include <torch/csrc/jit/mobile/module.h>
#include <torch/script.h>

#include <memory>
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

struct Inspection {
    Session::State& session;
    Report& report;
    const JobControl& job;
    std::vector<MethodGraph> graphs;           // forward first
    std::unordered_map<int, int64_t> quantizedActivationP99;  // forward value id -> 99th percentile integer
    std::unordered_map<std::string, size_t> snippetIndex;  // "file:firstLine" -> report.sources
    std::vector<at::Tensor> tensorValues;      // report.tensors' data, until their statistics are taken

    const torch::jit::Module* module() const { return session.module ? &*session.module : nullptr; }
    Method& method(const MethodGraph& graph) { return report.methods[graph.methodIndex]; }
    const MethodGraph* forward() const { return graphs.empty() ? nullptr : &graphs.front(); }
    // Where the model author wrote this node, from the debug info; records the surrounding
    // source in report.sources once (unless `keepSnippet` is false).
    SourceLocation sourceOf(const torch::jit::Node* node, bool keepSnippet = true);

    // Adds a finding; its id is assigned when the report is complete (orderFindings).
    Finding& addFinding(Severity severity, std::string category, std::string message, std::string advice);
    Finding& addNodeFinding(const MethodGraph& graph, const torch::jit::Node* node, Severity severity,
                            std::string category, std::string message, std::string advice);
};

// inspectModel on a session the caller opened: compare inspects each model and then runs the
// module this loaded, instead of loading the file a second time.
Report inspectSession(Session& session, const InspectOptions& options, const JobControl& job);

// Stages, in the order inspectModel runs them.
void describeModule(Inspection& inspection);        // modules and tensors of the TorchScript module
// Modules, tensors, methods and operators of Lite bytecode (its constants included).
void describeMobileModule(Inspection& inspection, const torch::jit::mobile::Module& mobile);
// Tensors and packed weights among the bytecode's constants (optimize_for_mobile folds weights into
// them), counted in the root module: a .ptl that also carries TorchScript code adds them this way.
void describeBytecodeConstants(Inspection& inspection, const torch::jit::mobile::Module& mobile);
// Each method's graph from its bytecode, for Lite files without TorchScript code.
void extractBytecodeGraphs(Inspection& inspection, const torch::jit::mobile::Module& mobile);
// Inlined graphs and origins: forward's first (the view draws it), then the other methods'.
// NodeDetails::Later leaves out operator schemas and source locations (but those of If/Loop
// nodes, which title their boxes) for addNodeDetails to fill in: the graph gets drawn sooner.
enum class MethodSelection { Forward, Others };
enum class NodeDetails { Now, Later };
void extractGraphs(Inspection& inspection, MethodSelection selection, NodeDetails details = NodeDetails::Now);
// Forward's schemas and source locations, and report.sources, as extraction with NodeDetails::Now
// would have made them.
void addNodeDetails(Inspection& inspection);
void measureTensors(Inspection& inspection);
// Each module's parent in a pre-order module list (-1 for the root).
std::vector<int> moduleParents(const std::vector<ModuleInfo>& modules);        // statistics of report.tensors
// The sample run's shapes and dtypes on forward's report values, and quantized activations' ranges.
void applyRecordedValues(Inspection& inspection);
// Each forward node's cost from the recorded shapes, summed per module, and the activation peak.
void measureCost(Inspection& inspection);
void orderFindings(Report& report);                 // most severe first; ids F1, F2, ...

}  // namespace ptl::detail
