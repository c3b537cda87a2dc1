#include "checked_request.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace ptl::layout::detail {

namespace {

double nonNegative(double value) {
    return std::isfinite(value) && value > 0 ? value : 0;
}

}  // namespace

CheckedRequest checkRequest(const LayoutRequest& request) {
    CheckedRequest checked;
    checked.nodeSeparation = nonNegative(request.nodeSeparation);
    checked.rankSeparation = nonNegative(request.rankSeparation);
    std::unordered_map<int, int> indexOf;
    indexOf.reserve(request.nodes.size());
    for (const LayoutNode& node : request.nodes) {
        if (!indexOf.emplace(node.id, int(checked.nodeIds.size())).second) continue;
        checked.nodeIds.push_back(node.id);
        checked.sizes.push_back({nonNegative(node.size.width), nonNegative(node.size.height)});
    }
    for (const LayoutEdge& edge : request.edges) {
        const auto source = indexOf.find(edge.source);
        const auto target = indexOf.find(edge.target);
        if (source == indexOf.end() || target == indexOf.end()) continue;
        checked.edges.push_back({edge.id, source->second, target->second});
    }
    return checked;
}

void moveToOrigin(LayoutResult& result, const CheckedRequest& request) {
    if (result.nodes.empty()) {
        result.size = {};
        return;
    }
    constexpr double inf = std::numeric_limits<double>::infinity();
    double left = inf, top = inf, right = -inf, bottom = -inf;
    const auto include = [&](double x0, double y0, double x1, double y1) {
        left = std::min(left, x0);
        top = std::min(top, y0);
        right = std::max(right, x1);
        bottom = std::max(bottom, y1);
    };
    for (size_t i = 0; i < result.nodes.size(); ++i) {
        const Point c = result.nodes[i].center;
        const Size s = request.sizes[i];
        include(c.x - s.width / 2, c.y - s.height / 2, c.x + s.width / 2, c.y + s.height / 2);
    }
    for (const EdgeRoute& route : result.edges)
        for (const Point& p : route.points) include(p.x, p.y, p.x, p.y);

    for (NodePlacement& node : result.nodes) {
        node.center.x -= left;
        node.center.y -= top;
    }
    for (EdgeRoute& route : result.edges)
        for (Point& p : route.points) {
            p.x -= left;
            p.y -= top;
        }
    result.size = {right - left, bottom - top};
}

}  // namespace ptl::layout::detail
