// Turns each method's TorchScript graph into the report's plain graph: inlined, with nested
// If/Loop blocks, module paths from the inlined call stacks and Python source locations from
// the debug info. Also decides whether a method was scripted or traced.
#include "inspect/inspection.h"

#include "common/torch_text.h"
#include "session/scope.h"

#include <torch/csrc/jit/passes/inliner.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

namespace ptl::detail {

namespace {

using torch::jit::Node;

// One frame of a traced op's Python stack.
struct TracerFrame {
    std::string file;
    int line = 0;
};

// The tracer records the Python stack of each op as "file.py(12): forward" lines instead of
// source text; scripted code records the function's text. Parsed by hand: std::regex recurses
// per character and overflows the stack on the megabyte-long lines a damaged model can hold.
std::optional<TracerFrame> tracerFrame(const std::string& line) {
    const size_t colon = line.rfind("): ");
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    const std::string function = line.substr(colon + 3);
    if (function.empty() || std::isdigit(static_cast<unsigned char>(function.front()))) return std::nullopt;
    for (const char c : function)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
    const size_t open = line.rfind('(', colon);
    if (open == std::string::npos || open == 0 || open + 1 == colon || colon - open - 1 > 9) return std::nullopt;
    const std::string number = line.substr(open + 1, colon - open - 1);
    if (!std::all_of(number.begin(), number.end(), [](unsigned char c) { return std::isdigit(c); })) return std::nullopt;
    return TracerFrame{line.substr(0, open), std::stoi(number)};
}

// The first line of recorded source, where the tracer puts its innermost frame. Read without
// copying the whole text, which every node of a function shares.
std::string firstLineOf(const torch::jit::Source& source) {
    const std::string line = source.get_line(0).str();
    return line.substr(0, line.find('\n'));
}

std::string constantText(const Node* node) {
    if (!node->hasAttribute(c10::attr::value)) return "None";
    const auto value = torch::jit::toIValue(node->output());
    if (!value) return "?";
    if (value->isTensor()) {
        const at::Tensor& tensor = value->toTensor();
        std::ostringstream text;
        text << "tensor(" << tensor.sizes() << ", " << dtypeName(tensor.scalar_type()) << ")";
        if (tensor.numel() == 1 && !tensor.is_quantized()) text << " = " << tensor.item().toDouble();
        return text.str();
    }
    std::ostringstream text;
    text << *value;
    std::string result = text.str();
    if (result.size() > 200) result = result.substr(0, 197) + "...";
    return result;
}

std::vector<std::pair<std::string, std::string>> attributesOf(const Node* node) {
    std::vector<std::pair<std::string, std::string>> attributes;
    if (node->kind() == c10::prim::Constant) {
        attributes.emplace_back("value", constantText(node));
        return attributes;
    }
    for (const c10::Symbol name : node->attributeNames()) {
        std::ostringstream text;
        switch (node->kindOf(name)) {
        case torch::jit::AttributeKind::s: text << node->s(name); break;
        case torch::jit::AttributeKind::i: text << node->i(name); break;
        case torch::jit::AttributeKind::f: text << node->f(name); break;
        case torch::jit::AttributeKind::ty: text << node->ty(name)->annotation_str(); break;
        default: text << "<" << toString(node->kindOf(name)) << ">"; break;
        }
        attributes.emplace_back(name.toUnqualString(), text.str());
    }
    return attributes;
}

std::string schemaText(const Node* node) {
    const c10::FunctionSchema* schema = node->maybeSchema();
    if (!schema) return {};
    std::ostringstream text;
    text << *schema;
    return text.str();
}

class GraphBuilder {
public:
    GraphBuilder(Inspection& inspection, MethodGraph& target, Graph& out, NodeDetails details)
        : inspection_(inspection), target_(target), out_(out), details_(details),
          scopeOf_(inspection.module()) {}

    void build() {
        const torch::jit::Graph& graph = *target_.graph;
        for (const torch::jit::Value* input : graph.inputs()) out_.inputs.push_back(valueId(input, -1));
        out_.topNodes = addNodes(graph.block(), -1, -1);
        for (const torch::jit::Value* output : graph.outputs()) out_.outputs.push_back(valueId(output, -1));
    }

private:
    Inspection& inspection_;
    MethodGraph& target_;
    Graph& out_;
    NodeDetails details_;
    ScopeResolver scopeOf_;

    int valueId(const torch::jit::Value* value, int producer) {
        const auto found = target_.valueIds.find(value);
        if (found != target_.valueIds.end()) return found->second;
        Value info;
        info.id = static_cast<int>(out_.values.size());
        info.name = value->debugName();
        info.type = value->type()->annotation_str();
        info.producer = producer;
        if (const auto tensor = value->type()->cast<c10::TensorType>()) {
            if (const auto sizes = tensor->sizes().concrete_sizes()) {
                info.shapeKnown = true;
                info.shape = *sizes;
            }
            if (const auto type = tensor->scalarType()) info.dtype = dtypeName(*type);
        }
        target_.valueIds.emplace(value, info.id);
        out_.values.push_back(std::move(info));
        return out_.values.back().id;
    }

    std::vector<int> addNodes(const torch::jit::Block* block, int parent, int parentBlock) {
        std::vector<int> ids;
        for (const Node* node : block->nodes()) ids.push_back(addNode(node, parent, parentBlock));
        return ids;
    }

    int addNode(const Node* node, int parent, int parentBlock) {
        const int id = static_cast<int>(out_.nodes.size());
        target_.nodeIds.emplace(node, id);
        {
            ptl::Node info;
            info.id = id;
            info.kind = node->kind().toQualString();
            if (details_ == NodeDetails::Now) {
                info.schema = schemaText(node);
                info.source = inspection_.sourceOf(node);
            } else if (node->blocks().size() > 0) {
                info.source = inspection_.sourceOf(node, false);  // its box's title; the snippet comes in order later
            }
            for (const torch::jit::Value* input : node->inputs()) info.inputs.push_back(valueId(input, -1));
            for (const torch::jit::Value* output : node->outputs()) info.outputs.push_back(valueId(output, id));
            info.attributes = attributesOf(node);
            info.scope = scopeOf_(node);
            info.parent = parent;
            info.parentBlock = parentBlock;
            out_.nodes.push_back(std::move(info));
        }
        int blockIndex = 0;
        for (const torch::jit::Block* block : node->blocks()) {
            Block info;
            for (const torch::jit::Value* input : block->inputs()) info.inputs.push_back(valueId(input, -1));
            info.nodes = addNodes(block, id, blockIndex);
            for (const torch::jit::Value* output : block->outputs()) info.outputs.push_back(valueId(output, -1));
            out_.nodes[id].blocks.push_back(std::move(info));
            ++blockIndex;
        }
        return id;
    }
};

// Traced when every node with a recorded origin was recorded by the tracer. A scripted method
// that calls a traced submodule stays scripted; analyzeTracing reports the submodule.
bool isTraced(const torch::jit::Graph& graph) {
    bool traced = false;
    for (const Node* node : graph.nodes()) {
        const auto original = node->sourceRange().findSourceRangeThatGenerated();
        if (!original || !original->source()) continue;
        if (!tracerFrame(firstLineOf(*original->source()))) return false;
        traced = true;
    }
    return traced;
}

// LibTorch 1.13's inliner gives the full call stack only to nodes with outputs: an If without
// outputs (an argument check, BatchNorm's `if self.training:`) keeps none or only the outer frames,
// what its blocks hold inherits that, and calls inlined later inside such blocks get only their
// own frames. Such an If belongs to the call that computed its condition; what a block holds lies
// within the node that holds the block. A top-level node with outputs and no call stack was not
// inlined at all: it is the top module's own code, so its path stays "" (what forward computes
// after its last child call is its own). Attribute reads of submodules are drawn with the module
// they read (self.stem[1].training).
class ScopeRepair {
public:
    ScopeRepair(const MethodGraph& target, Graph& out) : target_(target), out_(out) {}

    void run(const torch::jit::Block* block, const std::string& enclosing) {
        for (const Node* node : block->nodes()) {
            ptl::Node& info = out_.nodes[target_.nodeIds.at(node)];
            if (node->outputs().empty()) {
                // Without a stack, or with only the outer frames: the condition's call tells more.
                const std::optional<std::string> condition = fromInputs(node);
                if (!node->callstack())
                    info.scope = condition.value_or(enclosing);
                else if (condition && within(*condition, info.scope))
                    info.scope = *condition;
            } else if (!node->callstack()) {
                info.scope = enclosing;
            }
            if (within(enclosing, info.scope))
                info.scope = enclosing;  // the stack lost its inner frames (or all of them)
            else if (!within(info.scope, enclosing))
                info.scope = enclosing + "." + info.scope;  // it lost its outer frames
            if (node->kind() == c10::prim::GetAttr && info.scope.empty()) info.scope = modulePath(node->input());
            for (const torch::jit::Block* inner : node->blocks()) run(inner, info.scope);
        }
    }

private:
    const MethodGraph& target_;
    Graph& out_;

    static bool within(const std::string& path, const std::string& ancestor) {
        return ancestor.empty() || path == ancestor ||
               (path.size() > ancestor.size() && path.rfind(ancestor + ".", 0) == 0);
    }

    // "stem.1" for the value self.stem[1]; "" for self or values that are not modules.
    std::string modulePath(const torch::jit::Value* value) const {
        const Node* producer = value->node();
        const auto type = value->type()->cast<c10::ClassType>();
        if (producer->kind() != c10::prim::GetAttr || !type || !type->is_module()) return {};
        const std::string parent = modulePath(producer->input());
        const std::string name = producer->s(c10::attr::name);
        return parent.empty() ? name : parent + "." + name;
    }

    // The module of the first input computed in the same block by a node with a call stack.
    std::optional<std::string> fromInputs(const Node* node) const {
        for (const torch::jit::Value* input : node->inputs()) {
            const Node* producer = input->node();
            if (producer->callstack() && producer->owningBlock() == node->owningBlock())
                return out_.nodes[target_.nodeIds.at(producer)].scope;
        }
        return std::nullopt;
    }
};

// Bundled-input helpers and private methods are plumbing, not model logic to analyse.
bool isModelLogic(const std::string& name) {
    return name.rfind("_", 0) != 0 && name.find("bundled_input") == std::string::npos;
}

}  // namespace






SourceLocation Inspection::sourceOf(const Node* node, bool keepSnippet) {
    SourceLocation location;
    const auto original = node->sourceRange().findSourceRangeThatGenerated();
    if (!original || !original->source()) return location;
    const auto source = original->source();
    if (const auto frame = tracerFrame(firstLineOf(*source))) {
        location.file = frame->file;
        location.line = frame->line;
        location.text = source->text_str().str();  // the traced call stack, innermost frame first
        location.traced = true;
        return location;
    }
    const auto fileLineColumn = original->file_line_col();
    if (!fileLineColumn) return location;
    location.file = std::get<0>(*fileLineColumn);
    location.line = static_cast<int>(std::get<1>(*fileLineColumn));
    location.column = static_cast<int>(std::get<2>(*fileLineColumn)) + 1;
    const size_t lineInSource = source->lineno_for_offset(original->start());
    location.text = trim(source->get_line(lineInSource).str());
    if (!keepSnippet) return location;

    const int firstLineNo = static_cast<int>(source->lineno_to_source_lineno(0));
    const std::string key = location.file + ":" + std::to_string(firstLineNo);
    if (snippetIndex.emplace(key, report.sources.size()).second)
        report.sources.push_back({location.file, firstLineNo, source->text_str().str()});
    return location;
}

namespace {

// An inlined copy of a method's graph (forward's is the session's), with the method's entry in
// the report.
MethodGraph addMethod(Inspection& inspection, const torch::jit::Method& method) {
    MethodGraph target;
    target.name = method.name();
    if (target.name == "forward" && inspection.session.forwardGraph) {
        target.graph = inspection.session.forwardGraph;
    } else {
        target.graph = method.graph()->copy();
        torch::jit::Inline(*target.graph);
    }
    target.methodIndex = inspection.report.methods.size();
    Method info;
    info.name = method.name();
    inspection.report.methods.push_back(std::move(info));
    return target;
}

}  // namespace

void extractGraphs(Inspection& inspection, MethodSelection selection, NodeDetails details) {
    if (!inspection.module()) return;
    std::vector<torch::jit::Method> methods;
    for (const torch::jit::Method& method : inspection.module()->get_methods()) {
        if ((method.name() == "forward") != (selection == MethodSelection::Forward)) continue;
        methods.push_back(method);
    }

    for (const torch::jit::Method& method : methods) {
        inspection.job.checkCancelled();
        MethodGraph target = addMethod(inspection, method);
        Method& info = inspection.method(target);
        std::ostringstream signature;
        signature << method.function().getSchema();
        info.signature = signature.str();
        info.origin = isTraced(*target.graph) ? "traced" : "scripted";
        GraphBuilder(inspection, target, info.graph, details).build();
        ScopeRepair(target, info.graph).run(target.graph->block(), "");
        if (isModelLogic(target.name) || target.name == "forward") inspection.graphs.push_back(std::move(target));
    }
}

void addNodeDetails(Inspection& inspection) {
    const MethodGraph* forward = inspection.forward();
    if (!forward) return;
    Graph& graph = inspection.method(*forward).graph;
    std::vector<const Node*> byId(graph.nodes.size());
    for (const auto& [node, id] : forward->nodeIds) byId[id] = node;
    // In id order, as extraction visits the nodes: report.sources comes out in the same order.
    for (size_t id = 0; id < byId.size(); ++id) {
        graph.nodes[id].schema = schemaText(byId[id]);
        graph.nodes[id].source = inspection.sourceOf(byId[id]);
    }
}

}  // namespace ptl::detail
