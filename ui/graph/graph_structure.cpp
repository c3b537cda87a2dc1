#include "graph_structure.h"

#include <algorithm>

namespace ptl::ui {

namespace {

std::string shortType(const std::string& qualified) {
    const size_t dot = qualified.rfind('.');
    return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

bool isControlFlow(const std::string& kind) { return kind == "prim::If" || kind == "prim::Loop"; }

}  // namespace

GraphStructure::GraphStructure(const Graph& graph, const std::vector<ModuleInfo>& modules)
    : graph_(graph), hidden_(graph.nodes.size(), 0), groupOfNode_(graph.nodes.size(), 0) {
    std::unordered_map<std::string, std::string> types;
    for (const ModuleInfo& module : modules) types[module.path] = shortType(module.type);
    // Constants, attribute reads and lists built only from those (conv strides, paddings) show
    // in the Inspector as values rather than as boxes. Nodes come in definition order.
    for (const Node& node : graph.nodes) {
        bool hide = node.kind == "prim::Constant" || node.kind == "prim::GetAttr";
        if (!hide && (node.kind == "prim::ListConstruct" || node.kind == "prim::TupleConstruct")) {
            hide = true;
            for (const int input : node.inputs) {
                const int producer = graph.values[input].producer;
                hide = hide && producer >= 0 && hidden_[producer];
            }
        }
        hidden_[node.id] = hide;
    }

    std::unordered_map<std::string, int> byPath;
    const auto rootType = types.find("");
    addGroup(GroupKind::Module, rootType != types.end() ? rootType->second : "model", "", -1, -1);
    byPath[""] = 0;
    place(graph.topNodes, 0, true, types, byPath);

    // Op counts, children before parents (children always have larger ids).
    for (size_t i = groups_.size(); i-- > 0;) {
        Group& group = groups_[i];
        group.opCount += static_cast<int>(group.ops.size());
        if (group.parent >= 0) groups_[group.parent].opCount += group.opCount;
    }
    deriveEdges();
}

int GraphStructure::addGroup(GroupKind kind, std::string title, std::string path, int node, int parent) {
    Group group;
    group.id = static_cast<int>(groups_.size());
    group.kind = kind;
    group.title = std::move(title);
    group.path = std::move(path);
    group.node = node;
    group.parent = parent;
    group.depth = parent >= 0 ? groups_[parent].depth + 1 : 0;
    groups_.push_back(std::move(group));
    if (parent >= 0) groups_[parent].groups.push_back(groups_.back().id);
    return groups_.back().id;
}

int GraphStructure::moduleGroup(const std::string& path, int parent,
                                const std::unordered_map<std::string, std::string>& types,
                                std::unordered_map<std::string, int>& byPath) {
    const auto found = byPath.find(path);
    if (found != byPath.end()) return found->second;
    const size_t dot = path.rfind('.');
    const std::string parentPath = dot == std::string::npos ? "" : path.substr(0, dot);
    const int parentGroup = parentPath.empty() ? parent : moduleGroup(parentPath, parent, types, byPath);
    const auto type = types.find(path);
    const std::string name = dot == std::string::npos ? path : path.substr(dot + 1);
    const int id = addGroup(GroupKind::Module, type != types.end() ? name + " (" + type->second + ")" : name, path,
                            -1, parentGroup);
    byPath[path] = id;
    return id;
}

void GraphStructure::place(const std::vector<int>& nodes, int group, bool byScope,
                           const std::unordered_map<std::string, std::string>& types,
                           std::unordered_map<std::string, int>& byPath) {
    for (const int id : nodes) {
        const Node& node = graph_.nodes[id];
        const int target = byScope ? moduleGroup(node.scope, 0, types, byPath) : group;
        groupOfNode_[id] = target;
        if (hidden_[id]) continue;
        if (!isControlFlow(node.kind)) {
            groups_[target].ops.push_back(id);
            continue;
        }
        const bool loop = node.kind == "prim::Loop";
        const std::string title = (loop ? "Loop" : "If") + (node.source.text.empty() ? "" : "  " + node.source.text);
        const int flow = addGroup(GroupKind::ControlFlow, title, groups_[target].path, id, target);
        groupOfNode_[id] = flow;
        for (size_t b = 0; b < node.blocks.size(); ++b) {
            const std::string blockTitle = loop ? "body" : (b == 0 ? "then" : "else");
            const int block = addGroup(GroupKind::Block, blockTitle, groups_[target].path, id, flow);
            place(node.blocks[b].nodes, block, false, types, byPath);
        }
    }
}

std::vector<int> GraphStructure::ancestry(int group) const {
    std::vector<int> chain;
    for (int g = group; g >= 0; g = groups_[g].parent) chain.push_back(g);
    std::reverse(chain.begin(), chain.end());
    return chain;
}

Unit GraphStructure::unitIn(int group, int node) const {
    const bool flow = isControlFlow(graph_.nodes[node].kind);
    // A control-flow node is its own group; an op sits in groupOf(node).
    int inner = groupOfNode_[node];
    if (!flow && inner == group) return node;
    for (int g = inner; g >= 0; g = groups_[g].parent)
        if (groups_[g].parent == group) return groupUnit(g);
    return kNoUnit;
}

void GraphStructure::deriveEdges() {
    edges_.assign(groups_.size(), {});
    std::vector<std::vector<int>> consumers(graph_.values.size());
    for (const Node& node : graph_.nodes)
        for (const int value : node.inputs) consumers[value].push_back(node.id);

    auto ownerGroup = [&](int node) {
        const int group = groupOfNode_[node];
        return isControlFlow(graph_.nodes[node].kind) ? groups_[group].parent : group;
    };
    for (const Value& value : graph_.values) {
        if (value.producer < 0 || hidden_[value.producer]) continue;
        std::vector<int> seen;
        for (const int consumer : consumers[value.id]) {
            if (hidden_[consumer] || consumer == value.producer) continue;
            // The deepest group holding both ends lays out the edge between its children.
            const std::vector<int> a = ancestry(ownerGroup(value.producer));
            const std::vector<int> b = ancestry(ownerGroup(consumer));
            int common = 0;
            for (size_t i = 0; i < a.size() && i < b.size() && a[i] == b[i]; ++i) common = a[i];
            const Unit from = unitIn(common, value.producer);
            const Unit to = unitIn(common, consumer);
            if (from == to || from == kNoUnit || to == kNoUnit) continue;
            if (std::find(seen.begin(), seen.end(), to) != seen.end()) continue;  // one edge per value and unit
            seen.push_back(to);
            edges_[common].push_back({from, to, value.id});
        }
    }
}

}  // namespace ptl::ui
