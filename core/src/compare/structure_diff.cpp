// The structural part of a comparison, from two reports alone: forward's op counts and the module
// paths that were added, removed or changed. No LibTorch; see ptl/compare.h.
#include "ptl/compare.h"

#include "ptl/input_spec.h"

#include <map>
#include <set>

namespace ptl {

namespace {

using OpCounts = std::map<std::string, int64_t>;

const Graph* forwardGraph(const Report& report) {
    for (const Method& method : report.methods)
        if (method.name == "forward") return &method.graph;
    return nullptr;
}

// Constants are values, not work: they are left out of the counts.
bool counted(const Node& node) { return node.kind != "prim::Constant"; }

OpCounts opCounts(const Report& report) {
    OpCounts counts;
    if (const Graph* graph = forwardGraph(report))
        for (const Node& node : graph->nodes)
            if (counted(node)) ++counts[node.kind];
    return counts;
}

std::map<std::string, OpCounts> opCountsByModule(const Report& report) {
    std::map<std::string, OpCounts> counts;
    if (const Graph* graph = forwardGraph(report))
        for (const Node& node : graph->nodes)
            if (counted(node)) ++counts[node.scope][node.kind];
    return counts;
}

// "weight" -> "16x3x3x3 float32", for the tensors owned by each module path.
std::map<std::string, std::map<std::string, std::string>> tensorsByModule(const Report& report) {
    std::map<std::string, std::map<std::string, std::string>> tensors;
    for (const TensorInfo& tensor : report.tensors) {
        const size_t dot = tensor.name.rfind('.');
        const std::string module = dot == std::string::npos ? "" : tensor.name.substr(0, dot);
        const std::string leaf = dot == std::string::npos ? tensor.name : tensor.name.substr(dot + 1);
        tensors[module][leaf] = formatShape(tensor.shape) + " " + tensor.dtype;
    }
    return tensors;
}

std::vector<OpCountDiff> diffCounts(const OpCounts& a, const OpCounts& b, bool changedOnly) {
    std::set<std::string> ops;
    for (const auto& [op, count] : a) ops.insert(op);
    for (const auto& [op, count] : b) ops.insert(op);
    std::vector<OpCountDiff> diffs;
    for (const std::string& op : ops) {
        const auto inA = a.find(op), inB = b.find(op);
        OpCountDiff diff{op, inA == a.end() ? 0 : inA->second, inB == b.end() ? 0 : inB->second};
        if (!changedOnly || diff.delta() != 0) diffs.push_back(diff);
    }
    return diffs;
}

std::vector<std::string> diffTensors(const std::map<std::string, std::string>& a,
                                     const std::map<std::string, std::string>& b) {
    std::set<std::string> names;
    for (const auto& [name, shape] : a) names.insert(name);
    for (const auto& [name, shape] : b) names.insert(name);
    std::vector<std::string> diffs;
    for (const std::string& name : names) {
        const auto inA = a.find(name), inB = b.find(name);
        const std::string shapeA = inA == a.end() ? "(none)" : inA->second;
        const std::string shapeB = inB == b.end() ? "(none)" : inB->second;
        if (shapeA != shapeB) diffs.push_back(name + ": " + shapeA + " -> " + shapeB);
    }
    return diffs;
}

// "__torch__.torch.nn.modules.conv.___torch_mangle_26.Conv2d" -> "__torch__.torch.nn.modules.conv.Conv2d":
// TorchScript numbers each compilation of a class, which says nothing about the model.
std::string unmangled(std::string type) {
    static const std::string marker = "___torch_mangle_";
    for (size_t at = type.find(marker); at != std::string::npos; at = type.find(marker, at)) {
        const size_t dot = type.find('.', at);
        type.erase(at, dot == std::string::npos ? std::string::npos : dot - at + 1);
    }
    return type;
}

ComparedModel describe(const Report& report) {
    ComparedModel model;
    model.file = report.file;
    model.format = report.format;
    model.fileBytes = report.fileBytes;
    if (!report.modules.empty()) model.parameters = report.modules.front().totalParameters;
    for (const Method& method : report.methods)
        if (method.name == "forward") {
            model.origin = method.origin;
            model.nodes = static_cast<int64_t>(method.graph.nodes.size());
        }
    model.inputs = report.inputs;
    return model;
}

}  // namespace

void diffStructure(const Report& a, const Report& b, Comparison& out) {
    out.a = describe(a);
    out.b = describe(b);
    out.ops = diffCounts(opCounts(a), opCounts(b), false);

    const auto opsA = opCountsByModule(a), opsB = opCountsByModule(b);
    const auto tensorsA = tensorsByModule(a), tensorsB = tensorsByModule(b);
    std::map<std::string, std::string> typesB;
    for (const ModuleInfo& module : b.modules) typesB[module.path] = unmangled(module.type);
    auto lookup = [](const auto& map, const std::string& key) {
        const auto found = map.find(key);
        return found == map.end() ? typename std::decay_t<decltype(map)>::mapped_type{} : found->second;
    };
    out.modules.clear();
    std::set<std::string> inA;
    for (const ModuleInfo& module : a.modules) {
        inA.insert(module.path);
        ModuleDiff diff;
        diff.path = module.path;
        diff.typeA = unmangled(module.type);
        const auto typeB = typesB.find(module.path);
        if (typeB == typesB.end()) {
            diff.change = "removed";
            out.modules.push_back(diff);
            continue;
        }
        diff.typeB = typeB->second;
        diff.ops = diffCounts(lookup(opsA, module.path), lookup(opsB, module.path), true);
        diff.tensors = diffTensors(lookup(tensorsA, module.path), lookup(tensorsB, module.path));
        if (diff.ops.empty() && diff.tensors.empty() && diff.typeA == diff.typeB) continue;
        diff.change = "changed";
        out.modules.push_back(diff);
    }
    for (const ModuleInfo& module : b.modules) {
        if (inA.count(module.path)) continue;
        ModuleDiff diff;
        diff.path = module.path;
        diff.change = "added";
        diff.typeB = unmangled(module.type);
        out.modules.push_back(diff);
    }
}

int differingPoints(const Comparison& comparison, double tolerance) {
    int differing = 0;
    for (const ComparedPoint& point : comparison.points)
        if (point.a.ran != point.b.ran || (point.compared && point.maxAbsDiff > tolerance) ||
            (point.a.ran && point.b.ran && !point.compared))
            ++differing;
    return differing;
}

}  // namespace ptl
