#include "scene_layout.h"

#include <functional>
#include <unordered_map>

namespace ptl::ui {

SceneLayouter::SceneLayouter(std::shared_ptr<const GraphStructure> structure, std::vector<layout::Size> opSizes,
                             std::vector<double> collapsedWidths)
    : structure_(std::move(structure)), opSizes_(std::move(opSizes)), collapsedWidths_(std::move(collapsedWidths)) {}

SceneLayout SceneLayouter::layout(const std::set<int>& expanded, const layout::CancelCheck& cancelled) {
    const GraphStructure& structure = *structure_;
    SceneLayout scene;
    std::unordered_map<int, std::shared_ptr<const layout::LayoutResult>> results;
    std::unordered_map<int, layout::Size> contentSizes;
    std::unordered_map<int, layout::Size> boxSizes;

    // Bottom-up: the size of an expanded group is that of its children's layout.
    std::function<layout::Size(int)> boxSize;
    std::function<void(int)> layOut = [&](int groupId) {
        const Group& group = structure.groups()[groupId];
        layout::LayoutRequest request;
        std::string key = std::to_string(groupId) + ":";
        for (const int child : group.groups) {
            const layout::Size size = boxSize(child);
            request.nodes.push_back({groupUnit(child), size});
            key += std::to_string(int(size.width)) + "x" + std::to_string(int(size.height)) + ",";
        }
        for (const int op : group.ops) request.nodes.push_back({op, opSizes_[op]});
        int edgeId = 0;
        for (const GraphStructure::Edge& edge : structure.edgesOf(groupId))
            request.edges.push_back({edgeId++, edge.from, edge.to});

        std::shared_ptr<const layout::LayoutResult> result;
        {
            std::lock_guard<std::mutex> lock(cacheMutex_);
            const auto found = cache_.find(key);
            if (found != cache_.end()) result = found->second;
        }
        if (!result) {
            result = std::make_shared<const layout::LayoutResult>(layout::layoutGraph(request, cancelled));
            ++scene.groupsLaidOut;
            scene.nodesLaidOut += static_cast<int>(request.nodes.size());
            std::lock_guard<std::mutex> lock(cacheMutex_);
            cache_[key] = result;
        }
        results[groupId] = result;
        contentSizes[groupId] = result->size;
    };
    boxSize = [&](int groupId) -> layout::Size {
        if (!expanded.count(groupId)) return {collapsedWidths_[groupId], BoxMetrics::collapsedHeight};
        const auto known = boxSizes.find(groupId);
        if (known != boxSizes.end()) return known->second;
        layOut(groupId);
        const layout::Size content = contentSizes[groupId];
        const layout::Size size{std::max(content.width + 2 * BoxMetrics::padding, collapsedWidths_[groupId]),
                                content.height + 2 * BoxMetrics::padding + BoxMetrics::header};
        boxSizes[groupId] = size;
        return size;
    };

    const int root = 0;
    const layout::Size rootSize = boxSize(root);
    const bool rootExpanded = expanded.count(root) > 0;
    scene.units.push_back({groupUnit(root), -1, {0, 0, rootSize.width, rootSize.height}, rootExpanded});
    scene.bounds = {0, 0, rootSize.width, rootSize.height};

    // Top-down: absolute positions.
    std::function<void(int, double, double)> place = [&](int groupId, double left, double top) {
        const auto found = results.find(groupId);
        if (found == results.end()) return;
        const layout::LayoutResult& result = *found->second;
        const double originX = left + BoxMetrics::padding;
        const double originY = top + BoxMetrics::header + BoxMetrics::padding;
        for (const layout::NodePlacement& node : result.nodes) {
            const layout::Size size = isGroupUnit(node.id) ? boxSize(groupOfUnit(node.id)) : opSizes_[node.id];
            const Box box{originX + node.center.x - size.width / 2, originY + node.center.y - size.height / 2,
                          size.width, size.height};
            const bool isExpanded = isGroupUnit(node.id) && expanded.count(groupOfUnit(node.id));
            scene.units.push_back({node.id, groupId, box, isExpanded});
            if (isExpanded) place(groupOfUnit(node.id), box.x, box.y);
        }
        const auto& edges = structure.edgesOf(groupId);
        for (const layout::EdgeRoute& route : result.edges) {
            if (route.id < 0 || route.id >= static_cast<int>(edges.size())) continue;
            PlacedEdge placed{groupId, edges[route.id].from, edges[route.id].to, edges[route.id].value, {}, result.spline};
            for (const layout::Point& point : route.points) placed.points.push_back({originX + point.x, originY + point.y});
            scene.edges.push_back(std::move(placed));
        }
    };
    if (rootExpanded) place(root, 0, 0);
    return scene;
}

}  // namespace ptl::ui
