// Lays out what is expanded, one group at a time: each expanded group's children (ops and
// child-group boxes) are placed by ptl::layout, bottom-up, and the results are composed into
// absolute positions. Group layouts are cached by their input, so expanding one module lays
// out only that module and its ancestors. Qt-free; runs off the UI thread.
#pragma once

#include "graph_structure.h"
#include "ptl/layout.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ptl::ui {

struct Box {
    double x = 0, y = 0, width = 0, height = 0;  // top-left, scene units
};

struct PlacedUnit {
    Unit unit;
    int group;      // the group it is laid out in
    Box box;
    bool expanded;  // groups only
};

struct PlacedEdge {
    int group;      // laid out in
    Unit from, to;
    int value;      // value id carried
    std::vector<layout::Point> points;  // absolute; cubic Bezier control points when `spline`
    bool spline;
};

struct SceneLayout {
    std::vector<PlacedUnit> units;   // the root group is units.front()
    std::vector<PlacedEdge> edges;
    Box bounds;
    int groupsLaidOut = 0;           // layouts computed (not from the cache) for this result
    int nodesLaidOut = 0;
};

// Geometry constants shared with the scene's items.
struct BoxMetrics {
    static constexpr double padding = 14;
    static constexpr double header = 26;
    static constexpr double collapsedHeight = 46;
};

class SceneLayouter {
public:
    // `opSizes` and `collapsedWidths` are measured on the UI thread (fonts), indexed by node and
    // group id.
    SceneLayouter(std::shared_ptr<const GraphStructure> structure, std::vector<layout::Size> opSizes,
                  std::vector<double> collapsedWidths);

    // Throws ptl::Cancelled when `cancelled` turns true. Thread-safe (one cache, locked).
    SceneLayout layout(const std::set<int>& expanded, const layout::CancelCheck& cancelled = {});

private:
    std::shared_ptr<const GraphStructure> structure_;
    std::vector<layout::Size> opSizes_;
    std::vector<double> collapsedWidths_;
    std::mutex cacheMutex_;
    std::map<std::string, std::shared_ptr<const layout::LayoutResult>> cache_;  // by group + child sizes
};

}  // namespace ptl::ui
