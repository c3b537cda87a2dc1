// Classifies every prim::If condition and prim::Loop trip count by what it derives from:
// input shapes, input values, or only module attributes and constants; branches whose only
// effect is to raise are argument guards.
//
// The classification is a backward data-flow walk over the inlined graph. Three facts travel
// with each value: whether it is tensor data derived from the inputs, whether it is a scalar
// derived from input shapes (aten::size, dim, numel, len), and whether it is a scalar derived
// from input values (aten::Bool, Int, item ... of input-derived data, or a scalar argument).
#include "analysis/analyses.h"

#include "common/torch_text.h"

#include <map>
#include <set>
#include <tuple>

namespace ptl::detail {

namespace {

using torch::jit::Node;
using torch::jit::Value;

enum Flag : unsigned { kInputData = 1, kShape = 2, kValue = 4 };

bool oneOf(const std::string& kind, std::initializer_list<const char*> kinds) {
    for (const char* candidate : kinds)
        if (kind == candidate) return true;
    return false;
}

class Dependence {
public:
    unsigned of(const Value* value) {
        const auto known = memo_.find(value);
        if (known != memo_.end()) return known->second;
        memo_[value] = 0;  // breaks cycles through loop-carried values
        const unsigned flags = compute(value);
        memo_[value] = flags;
        return flags;
    }

private:
    std::unordered_map<const Value*, unsigned> memo_;

    unsigned ofInputs(const Node* node) {
        unsigned flags = 0;
        for (const Value* input : node->inputs()) flags |= of(input);
        return flags;
    }

    unsigned compute(const Value* value) {
        const Node* node = value->node();
        if (node->kind() == c10::prim::Param) {
            const Node* owner = node->owningBlock()->owningNode();
            if (owner) return ofInputs(owner);  // a block parameter: what its If/Loop was given
            if (value->offset() == 0) return 0;  // self: module attributes
            return value->type()->kind() == c10::TypeKind::TensorType ? kInputData : kValue;
        }
        const std::string kind = node->kind().toQualString();
        if (oneOf(kind, {"prim::Constant", "prim::GetAttr"})) return 0;
        // Checks for None / type refinement depend on how forward is called, not on data.
        if (oneOf(kind, {"aten::__is__", "aten::__isnot__", "prim::isinstance", "aten::__not__"}) &&
            kind != "aten::__not__")
            return 0;
        const unsigned inputs = ofInputs(node);
        if (oneOf(kind, {"aten::size", "aten::dim", "aten::numel", "aten::len", "prim::shape"})) {
            if (node->input(0)->type()->kind() == c10::TypeKind::TensorType)
                return (inputs & kInputData) ? kShape : (inputs & (kShape | kValue));
            return inputs;
        }
        if (oneOf(kind, {"aten::Bool", "aten::Int", "aten::Float", "aten::item", "aten::is_nonzero",
                         "aten::ScalarImplicit", "aten::tolist", "aten::equal", "aten::allclose"}))
            return ((inputs & kInputData) ? unsigned(kValue) : 0u) | (inputs & (kShape | kValue));
        if (node->kind() == c10::prim::If) {
            unsigned flags = of(node->input(0));
            for (const torch::jit::Block* block : node->blocks())
                flags |= of(block->outputs()[value->offset()]);
            return flags;
        }
        if (node->kind() == c10::prim::Loop) {
            unsigned flags = inputs;
            const torch::jit::Block* body = node->blocks()[0];
            flags |= of(body->outputs()[value->offset() + 1]);
            return flags;
        }
        return inputs;
    }
};

bool onlyRaises(const torch::jit::Block* block) {
    bool raises = false;
    for (const Node* node : block->nodes()) {
        if (node->kind() == c10::prim::RaiseException) raises = true;
    }
    return raises;
}

bool isGuard(const Node* node) {
    if (node->kind() != c10::prim::If || node->outputs().size() != 0) return false;
    const auto* yes = node->blocks()[0];
    const auto* no = node->blocks()[1];
    return (onlyRaises(yes) && no->nodes().begin() == no->nodes().end()) ||
           (onlyRaises(no) && yes->nodes().begin() == yes->nodes().end());
}

struct Verdict {
    Severity severity;
    const char* category;
    std::string message;
    const char* advice;
};

Verdict judge(const Node* node, unsigned flags) {
    const bool loop = node->kind() == c10::prim::Loop;
    const std::string what = loop ? "Loop trip count" : "Branch condition";
    if (!loop && isGuard(node))
        return {Severity::Info, "control-flow.guard", "Argument check: the branch only raises an error",
                "Not a hazard: it rejects bad arguments. Make sure the app's inputs pass it."};
    if (flags & kValue)
        return {Severity::Warning, "control-flow.value-dependent",
                what + " depends on tensor values computed from the inputs",
                "Data-dependent control flow: the path taken, the results and the latency vary per input. "
                "torch.jit.trace would record one path only, and torch.export cannot capture it without "
                "torch.cond; test on phones with inputs that take every path."};
    if (flags & kShape)
        return {Severity::Warning, "control-flow.shape-dependent", what + " depends on input shapes",
                "The model behaves differently for different input sizes (batch, resolution, sequence "
                "length). Check it with every shape the app will feed; tracing would bake one path in, "
                "and torch.export needs the shape made static or the branch written with torch.cond."};
    return {Severity::Info, "control-flow.static",
            what + " depends only on module attributes and constants",
            "Not data-dependent: the path is fixed once the model is exported."};
}

bool isLibraryCode(const std::string& file) {
    for (const char* package : {"/torch/", "/torchvision/", "/torchaudio/", "/torchtext/"})
        if (file.find(package) != std::string::npos &&
            (file.find("-packages/") != std::string::npos || file.find("/lib/python") != std::string::npos))
            return true;
    return false;
}

void collectControlFlow(const torch::jit::Block* block, std::vector<const Node*>& out) {
    for (const Node* node : block->nodes()) {
        if (node->kind() == c10::prim::If || node->kind() == c10::prim::Loop) out.push_back(node);
        for (const torch::jit::Block* inner : node->blocks()) collectControlFlow(inner, out);
    }
}

}  // namespace

void analyzeControlFlow(Inspection& inspection) {
    for (const MethodGraph& graph : inspection.graphs) {
        Dependence dependence;
        std::vector<const Node*> nodes;
        collectControlFlow(graph.graph->block(), nodes);
        // One finding per construct in the source: the same line inlined in many module
        // instances (every conv layer, every attention block) is one thing to fix.
        std::map<std::tuple<std::string, std::string, int, int>, size_t> byConstruct;  // -> findings index
        for (const Node* node : nodes) {
            unsigned flags = 0;
            if (node->kind() == c10::prim::If) {
                flags = dependence.of(node->input(0));
            } else {
                flags = dependence.of(node->input(0)) | dependence.of(node->input(1)) |
                        dependence.of(node->blocks()[0]->outputs()[0]);
            }
            const Verdict verdict = judge(node, flags);
            const int id = graph.nodeIds.at(node);
            const SourceLocation& source = inspection.method(graph).graph.nodes[id].source;
            const auto key = std::make_tuple(std::string(verdict.category), source.file, source.line, source.column);
            const auto existing = byConstruct.find(key);
            if (existing != byConstruct.end() && source.known()) {
                inspection.report.findings[existing->second].nodes.push_back(id);
                continue;
            }
            std::string message = verdict.message;
            if (!source.text.empty()) message += ": " + source.text;
            // Hazards inside PyTorch's own modules are not the model author's to fix; they stay
            // visible, at info level.
            Severity severity = verdict.severity;
            if (isLibraryCode(source.file)) {
                severity = Severity::Info;
                message += " (in PyTorch library code, reached from " +
                           (inspection.method(graph).graph.nodes[id].scope.empty()
                                ? std::string("the top module")
                                : inspection.method(graph).graph.nodes[id].scope) + ")";
            }
            inspection.addNodeFinding(graph, node, severity, verdict.category, message, verdict.advice);
            byConstruct[key] = inspection.report.findings.size() - 1;
        }
    }
    // Counts of grouped findings read better in the message.
    for (Finding& finding : inspection.report.findings) {
        if (finding.category.rfind("control-flow.", 0) == 0 && finding.nodes.size() > 1)
            finding.message += " (" + std::to_string(finding.nodes.size()) + " places in the inlined graph)";
    }
}

}  // namespace ptl::detail
