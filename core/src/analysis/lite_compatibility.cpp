// Lite Interpreter compatibility: a static lint for constructs the bytecode exporter rejects and
// operators that only full-JIT builds register, then a real round trip: export to Lite bytecode
// in memory (or read the .ptl itself), reload it in the Lite Interpreter, run both on the
// sample inputs and compare.
#include "analysis/analyses.h"

#include "common/torch_text.h"
#include "load/mobile_compat.h"
#include "load/torch_loader.h"
#include "session/compare.h"
#include "session/sample_values.h"

#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>

#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace ptl::detail {

namespace {

using torch::jit::Node;

// Operators registered only by full-JIT builds (register_prim_ops_fulljit.cpp and the
// distributed and CUDA registrations); a Lite Interpreter runtime has none of them.
const std::set<std::string>& fullJitOnlyOps() {
    static const std::set<std::string> ops{
        "aten::__interpolate", "aten::__upsample", "aten::__upsample_bilinear", "aten::__upsample_nearest",
        "aten::_grad_sum_to_size", "aten::grad", "aten::backward", "aten::save", "aten::sort", "aten::sorted",
        "prim::AddStatValue", "prim::BailOut", "prim::BailoutTemplate", "prim::ChunkSizes",
        "prim::ConstantChunk", "prim::FallbackGraph", "prim::FusionGroup", "prim::Guard",
        "prim::IgnoredPythonOp", "prim::ModuleContainerIndex", "prim::RequiresGradCheck", "prim::TimePoint",
        "prim::TypeCheck", "prim::profile", "prim::profile_ivalue", "aten::confirmed_by_owner",
        "aten::dist_backward", "aten::get_gradients", "aten::is_owner", "aten::local_value", "aten::owner",
        "aten::owner_name", "aten::to_here", "prim::rpc_async", "prim::rpc_remote", "prim::rpc_sync",
        "cuda::_current_device", "cuda::_set_device", "cuda::current_stream", "cuda::default_stream",
        "cuda::device_count", "cuda::device_index", "cuda::set_stream", "cuda::synchronize"};
    return ops;
}

// Some names are full-JIT only in one overload: sort/sorted of tuples or classes (".any"),
// backward of a list of tensors (".TensorList").
bool isFullJitOnly(const Node* node) {
    const std::string kind = node->kind().toQualString();
    if (!fullJitOnlyOps().count(kind)) return false;
    const c10::FunctionSchema* schema = node->maybeSchema();
    if (kind == "aten::sort" || kind == "aten::sorted") return schema && schema->overload_name() == "any";
    if (kind == "aten::backward") return schema && schema->overload_name() == "TensorList";
    return true;
}

struct Lint {
    const char* category;
    std::string message;
    std::string advice;
};

std::optional<Lint> lint(const Node* node) {
    const std::string kind = node->kind().toQualString();
    if (kind == "prim::Enter")
        return Lint{"lite.unsupported", "with-block (e.g. torch.no_grad()): the Lite Interpreter rejects it",
                    "Remove the with-block from forward; inference on the phone runs without autograd anyway "
                    "(the exporter fails with \"ENTER is not supported in mobile module\")."};
    if (kind == "prim::fork")
        return Lint{"lite.unsupported", "torch.jit.fork: the Lite Interpreter has no asynchronous tasks",
                    "Call the function directly; the exporter fails with \"FORK is not supported in mobile "
                    "module\"."};
    if (kind == "aten::wait")
        return Lint{"lite.unsupported", "torch.jit.wait: the Lite Interpreter has no futures",
                    "Call the forked function directly instead of forking and waiting."};
    if (kind == "prim::CreateObject") {
        const auto type = node->output()->type()->cast<c10::ClassType>();
        // Torch's own classes (the no_grad of a with-block) are reported with their construct.
        if (type && !type->is_module() && type->name()->qualifiedName().rfind("__torch__.torch.", 0) != 0)
            return Lint{"lite.unsupported",
                        "TorchScript class " + type->name()->qualifiedName() +
                            " is not an nn.Module: the Lite Interpreter cannot load it",
                        "Replace the class with tensors, tuples or an nn.Module (the exporter fails with "
                        "\"__torch__ types other than custom c++ classes ... are not supported in lite "
                        "interpreter\")."};
    }
    if (isFullJitOnly(node))
        return Lint{"lite.full-jit-only-op",
                    kind + " is registered only in full-JIT builds; Lite Interpreter runtimes do not have it",
                    "Remove it from the exported method (autograd, saving, RPC and CUDA calls have no place in "
                    "mobile inference), or move it into a method that is not exported."};
    return std::nullopt;
}

void lintBlock(Inspection& inspection, const MethodGraph& graph, const torch::jit::Block* block,
               std::map<std::pair<std::string, std::string>, size_t>& seen) {
    for (const Node* node : block->nodes()) {
        if (const auto found = lint(node)) {
            // prim::Enter carries no source range; its context manager object does.
            const Node* located = node->kind() == c10::prim::Enter ? node->input(0)->node() : node;
            const SourceLocation& source = inspection.method(graph).graph.nodes[graph.nodeIds.at(located)].source;
            const auto key = std::make_pair(found->message, source.file + ":" + std::to_string(source.line));
            const auto existing = seen.find(key);
            if (existing != seen.end()) {
                inspection.report.findings[existing->second].nodes.push_back(graph.nodeIds.at(node));
            } else {
                Finding& finding = inspection.addNodeFinding(graph, node, Severity::Error, found->category,
                                                             found->message, found->advice);
                finding.source = source;
                seen[key] = inspection.report.findings.size() - 1;
            }
        }
        for (const torch::jit::Block* inner : node->blocks()) lintBlock(inspection, graph, inner, seen);
    }
}


// Operator names as _export_operator_list writes them ("aten::add.Tensor"), from the graphs,
// for models whose export fails.
void collectOperators(const torch::jit::Block* block, std::set<std::string>& ops) {
    for (const Node* node : block->nodes()) {
        if (const c10::FunctionSchema* schema = node->maybeSchema())
            ops.insert(schema->overload_name().empty() ? schema->name() : schema->name() + "." + schema->overload_name());
        for (const torch::jit::Block* inner : node->blocks()) collectOperators(inner, ops);
    }
}

std::vector<std::string> graphOperators(const Inspection& inspection) {
    std::set<std::string> ops;
    for (const MethodGraph& graph : inspection.graphs) collectOperators(graph.graph->block(), ops);
    return {ops.begin(), ops.end()};
}

// The exporter names the construct it stopped at; point the round-trip finding at the lint
// finding for that construct, so it too leads to a node and a source line.
void pointAtCause(Inspection& inspection, Finding& failure) {
    static const std::pair<const char*, const char*> causes[] = {
        {"ENTER is not supported", "with-block"}, {"FORK is not supported", "torch.jit.fork"},
        {"are not supported in lite interpreter", "TorchScript class"}};
    for (const auto& [error, lintMessage] : causes) {
        if (failure.message.find(error) == std::string::npos) continue;
        for (const Finding& cause : inspection.report.findings) {
            if (cause.category == "lite.unsupported" && cause.message.rfind(lintMessage, 0) == 0) {
                failure.nodes = cause.nodes;
                failure.source = cause.source;
                return;
            }
        }
    }
}

}  // namespace

void analyzeLiteCompatibility(Inspection& inspection, bool roundTrip) {
    for (const MethodGraph& graph : inspection.graphs) {
        std::map<std::pair<std::string, std::string>, size_t> seen;  // -> findings index
        lintBlock(inspection, graph, graph.graph->block(), seen);
    }
    Report& report = inspection.report;
    RoundTrip& trip = report.roundTrip;
    if (report.format == "lite") report.bytecodeVersion = static_cast<int64_t>(torch::jit::_get_model_bytecode_version(report.file));
    if (!roundTrip || !inspection.module()) {
        report.operators = graphOperators(inspection);
        return;
    }

    trip.attempted = true;
    const std::string stepFailed = report.format == "lite" ? "Loading the .ptl in the Lite Interpreter failed"
                                                           : "Export to the Lite Interpreter failed";
    std::optional<torch::jit::mobile::Module> mobile;
    try {
        if (report.format == "lite") {
            trip.exported = true;  // the file already is Lite bytecode: check what the phone will load
            mobile = loadLiteModule(inspection.session.file);
        } else {
            std::stringstream bytecode;
            inspection.module()->_save_for_mobile(bytecode);
            trip.exported = true;
            bytecode.seekg(0);
            mobile = torch::jit::_load_for_mobile(bytecode);
        }
        trip.reloaded = true;
    } catch (const std::exception& error) {
        trip.error = errorText(error);
        report.operators = graphOperators(inspection);
        Finding& finding = inspection.addFinding(Severity::Error, "lite.roundtrip", stepFailed + ": " + trip.error,
                                                 "Fix the lite.unsupported findings; the message above is "
                                                 "LibTorch's own.");
        finding.method = "forward";
        pointAtCause(inspection, finding);
        return;
    }
    for (const std::string& op : torch::jit::mobile::_export_operator_list(*mobile)) report.operators.push_back(op);
    std::sort(report.operators.begin(), report.operators.end());

    if (!inspection.session.sampleInputs || !inspection.session.forwardOutput) return;
    try {
        const c10::IValue& expected = *inspection.session.forwardOutput;
        const c10::IValue actual = mobile->forward(cloneInputs(*inspection.session.sampleInputs));
        trip.compared = true;
        const auto difference = maxDifference(expected, actual);
        const double tolerance = 1e-4 * std::max(1.0, largestMagnitude(expected));
        trip.maxAbsDiff = difference.value_or(-1);
        trip.matched = difference && *difference <= tolerance;
        if (!trip.matched) {
            trip.error = difference ? "outputs differ by up to " + std::to_string(*difference)
                                    : "outputs differ in structure";
            inspection.addFinding(Severity::Error, "lite.roundtrip",
                                  "The Lite Interpreter's output differs from the full JIT's: " + trip.error,
                                  "Look for ops whose mobile implementation differs (the operator list is in the "
                                  "report) and for randomness in forward.")
                .method = "forward";
        }
    } catch (const std::exception& error) {
        trip.error = errorText(error);
        inspection.addFinding(Severity::Error, "lite.roundtrip",
                              "Running the model in the Lite Interpreter failed: " + trip.error,
                              "The model exports but fails at run time on the phone's interpreter; the message "
                              "is LibTorch's own.")
            .method = "forward";
    }
}

}  // namespace ptl::detail
