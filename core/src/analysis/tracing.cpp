// Traced methods: the tracer recorded one execution for one example input, so every Python
// branch was resolved for that input and sizes read in Python became constants.
#include "analysis/analyses.h"

#include "common/torch_text.h"

#include <map>

namespace ptl::detail {

namespace {

using torch::jit::Node;

// Ops whose size-list argument fixes an output shape.
bool takesShape(const std::string& kind) {
    static const char* kinds[] = {"aten::view",     "aten::reshape",  "aten::expand",    "aten::zeros",
                                  "aten::ones",     "aten::full",     "aten::empty",     "aten::new_zeros",
                                  "aten::new_ones", "aten::new_full", "aten::new_empty", "aten::rand",
                                  "aten::randn",    "aten::broadcast_to", "aten::randint", "aten::repeat",
                                  "aten::tile",     "aten::unflatten"};
    for (const char* candidate : kinds)
        if (kind == candidate) return true;
    return false;
}

// The constant elements of a size-list argument: (position, value).
std::vector<std::pair<size_t, int64_t>> constantDims(const torch::jit::Value* list) {
    std::vector<std::pair<size_t, int64_t>> dims;
    const Node* node = list->node();
    if (node->kind() == c10::prim::ListConstruct) {
        for (size_t i = 0; i < node->inputs().size(); ++i)
            if (const auto value = torch::jit::constant_as<int64_t>(node->input(i))) dims.emplace_back(i, *value);
    } else if (node->kind() == c10::prim::Constant) {
        if (const auto values = torch::jit::constant_as<c10::List<int64_t>>(list))
            for (size_t i = 0; i < values->size(); ++i) dims.emplace_back(i, values->get(i));
    }
    return dims;
}

}  // namespace

namespace {

// Traced submodules inside a scripted method: the outermost module paths whose nodes the
// tracer recorded, with those nodes.
std::map<std::string, std::vector<int>> tracedScopes(const Graph& graph) {
    std::map<std::string, std::vector<int>> scopes;
    for (const ptl::Node& node : graph.nodes)
        if (node.source.traced) scopes[node.scope].push_back(node.id);
    for (auto it = scopes.begin(); it != scopes.end();) {
        std::string parent = it->first;
        bool nested = false;
        while (!nested && parent.find('.') != std::string::npos) {
            parent.resize(parent.rfind('.'));
            const auto outer = scopes.find(parent);
            if (outer != scopes.end()) {
                outer->second.insert(outer->second.end(), it->second.begin(), it->second.end());
                nested = true;
            }
        }
        it = nested ? scopes.erase(it) : std::next(it);
    }
    return scopes;
}

const char* kTracedAdvice =
    "Any if/for on shapes or values in the original code was resolved for the example input and baked in, "
    "without an error for other inputs. Script it (torch.jit.script) where it branches, or check it with "
    "every input shape the app uses.";

}  // namespace

void analyzeTracing(Inspection& inspection) {
    std::vector<int64_t> sampleDims;  // non-batch dims of the sample inputs
    for (const InputInfo& input : inspection.report.inputs)
        for (size_t d = 1; d < input.shape.size(); ++d) sampleDims.push_back(input.shape[d]);

    for (const MethodGraph& graph : inspection.graphs) {
        Method& method = inspection.method(graph);
        const bool traced = method.origin == "traced";
        if (traced) {
            Finding& finding = inspection.addFinding(
                Severity::Warning, "trace.traced-method",
                method.name + " was produced by torch.jit.trace: Python control flow and sizes read in Python "
                              "were recorded for one example input",
                kTracedAdvice);
            finding.method = graph.name;
            for (const ptl::Node& node : method.graph.nodes)
                if (node.source.known()) {
                    finding.source = node.source;
                    break;
                }
        } else {
            for (const auto& [scope, nodes] : tracedScopes(method.graph)) {
                Finding& finding = inspection.addFinding(
                    Severity::Warning, "trace.traced-method",
                    "submodule " + (scope.empty() ? std::string("<root>") : scope) +
                        " was produced by torch.jit.trace and is called from scripted code: its Python control "
                        "flow and sizes were recorded for one example input",
                    kTracedAdvice);
                finding.method = graph.name;
                finding.nodes = nodes;
                finding.source = method.graph.nodes[nodes.front()].source;
            }
        }

        for (const Node* node : graph.graph->nodes()) {
            const std::string kind = node->kind().toQualString();
            if (!takesShape(kind)) continue;
            if (!traced && !method.graph.nodes[graph.nodeIds.at(node)].source.traced) continue;
            for (const torch::jit::Value* input : node->inputs()) {
                if (input->type()->str() != "int[]") continue;
                std::string baked;
                for (const auto& [position, value] : constantDims(input)) {
                    const bool batch = position == 0 && value != -1;
                    const bool sampleSize = position > 0 && value > 1 &&
                                            std::find(sampleDims.begin(), sampleDims.end(), value) != sampleDims.end();
                    if (batch || sampleSize)
                        baked += (baked.empty() ? "" : ", ") + std::string("dim ") + std::to_string(position) +
                                 " = " + std::to_string(value);
                }
                if (baked.empty()) continue;
                inspection.addNodeFinding(
                    graph, node, Severity::Warning, "trace.specialized-constant",
                    kind + " has a size fixed by tracing (" + baked + ")",
                    "The tracer recorded this size as a constant from the example input. Inputs of another "
                    "batch size or resolution will fail or silently give wrong results. Compute the size from "
                    "the tensor (x.size(0), -1) inside forward, or script this part.");
            }
        }
    }
}

}  // namespace ptl::detail
