// The shape the graph view draws: a method graph cut into boxes that collapse and expand.
// Boxes (groups) are module instances (from node scopes), If/Loop nodes and their blocks.
// Qt-free: it only reads the report's plain graph.
#pragma once

#include "ptl/report.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ptl::ui {

enum class GroupKind { Module, ControlFlow, Block };

struct Group {
    int id = -1;
    GroupKind kind = GroupKind::Module;
    std::string title;                 // "features.3 (InvertedResidual)", "If", "then"
    std::string path;                  // module path, or that of the enclosing module
    int node = -1;                     // the If/Loop node (ControlFlow and Block groups)
    int parent = -1;                   // -1 for the root
    std::vector<int> groups;           // child groups
    std::vector<int> ops;              // op nodes directly inside
    int depth = 0;
    int opCount = 0;                   // op nodes inside, at any depth
};

// A unit of a group's layout: an op node (>= 0) or a child group (-(id + 1)).
using Unit = int;
constexpr Unit kNoUnit = INT32_MIN;
inline Unit groupUnit(int group) { return -(group + 1); }
inline bool isGroupUnit(Unit unit) { return unit < 0; }
inline int groupOfUnit(Unit unit) { return -unit - 1; }

class GraphStructure {
public:
    GraphStructure(const Graph& graph, const std::vector<ModuleInfo>& modules);

    const Graph& graph() const { return graph_; }
    const std::vector<Group>& groups() const { return groups_; }
    const Group& root() const { return groups_.front(); }
    // Nodes the view leaves out: constants and attribute reads show as node details instead.
    bool hidden(int node) const { return hidden_[node]; }
    // The innermost group holding an op node.
    int groupOf(int node) const { return groupOfNode_[node]; }
    // Data edges between units of one group, derived once: (from, to, value id).
    struct Edge {
        Unit from, to;
        int value;
    };
    const std::vector<Edge>& edgesOf(int group) const { return edges_[group]; }
    // Groups from the root down to `group`, inclusive.
    std::vector<int> ancestry(int group) const;

private:
    const Graph& graph_;
    std::vector<Group> groups_;
    std::vector<char> hidden_;
    std::vector<int> groupOfNode_;
    std::vector<std::vector<Edge>> edges_;

    int addGroup(GroupKind kind, std::string title, std::string path, int node, int parent);
    int moduleGroup(const std::string& path, int parent, const std::unordered_map<std::string, std::string>& types,
                    std::unordered_map<std::string, int>& byPath);
    void place(const std::vector<int>& nodes, int group, bool byScope,
               const std::unordered_map<std::string, std::string>& types, std::unordered_map<std::string, int>& byPath);
    void deriveEdges();
    Unit unitIn(int group, int node) const;  // the child of `group` holding `node`, or kNoUnit
};

}  // namespace ptl::ui
