// Graph layout over plain structs: node sizes in, node centers and edge routes out. No Qt, so
// the GUI's graph view, the tests and the benchmarks all use the same code.
//
// Coordinates: top-left origin, x to the right, y down, one unit = one point (= one scene unit
// in a QGraphicsScene). Everything lies in [0, size.width] x [0, size.height]. Data flows top to
// bottom: the source of an edge sits above its target, except for edges that close a cycle.
#pragma once

#include "ptl/errors.h"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ptl::layout {

struct Size {
    double width = 0, height = 0;
};

struct Point {
    double x = 0, y = 0;
};

struct LayoutNode {
    int id = -1;                     // arbitrary, unique per request (later duplicates are ignored)
    Size size;                       // negative or NaN extents count as 0
};

// Directed. Edges naming an unknown node are ignored; self-loops and parallel edges are fine.
struct LayoutEdge {
    int id = -1;
    int source = -1, target = -1;    // node ids
};

struct LayoutRequest {
    std::vector<LayoutNode> nodes;
    std::vector<LayoutEdge> edges;
    double nodeSeparation = 24;      // horizontal gap between neighbouring nodes
    double rankSeparation = 36;      // vertical gap between ranks
};

struct NodePlacement {
    int id = -1;
    Point center;                    // the node's box is center +- size / 2
};

// From the source node's border to the target node's border, in the edge's own direction (an
// arrowhead belongs at points.back()). A polyline of >= 2 points, or, when LayoutResult::spline
// is set, cubic Bezier control points: start, then (control, control, end) triples.
struct EdgeRoute {
    int id = -1;
    std::vector<Point> points;
};

// Placements and routes follow the request's order, without the ignored nodes and edges.
struct LayoutResult {
    std::vector<NodePlacement> nodes;
    std::vector<EdgeRoute> edges;
    Size size;                       // bounding box of all nodes and routes
    std::string engine;              // name() of the engine that made it
    bool spline = false;             // how to read EdgeRoute::points
};

// Long jobs share one cancellation exception; a layout throws it when `cancelled` returns true.
using ptl::Cancelled;
using CancelCheck = std::function<bool()>;

// Engines are stateless; layout() may be called from any thread.
class LayoutEngine {
public:
    virtual ~LayoutEngine() = default;
    virtual std::string name() const = 0;
    // `cancelled` (may be empty) is polled; throws Cancelled when it returns true. Throws
    // std::runtime_error when the engine itself fails (e.g. Graphviz's dot plugin is missing).
    virtual LayoutResult layout(const LayoutRequest& request, const CancelCheck& cancelled = {}) const = 0;
};

// Graphviz "dot" through libgvc: the best layouts, spline edges, but slow on thousands of nodes
// and not interruptible while dot runs (it polls before and after). Calls are serialized.
std::unique_ptr<LayoutEngine> makeGraphvizEngine();

// Our own layered (Sugiyama-style) layout: polyline edges, tens of thousands of nodes per second.
std::unique_ptr<LayoutEngine> makeLayeredEngine();

// Graphviz below `graphvizLimit` nodes, the layered engine from there on, and also when Graphviz
// fails (logged as a warning).
LayoutResult layoutGraph(const LayoutRequest& request, const CancelCheck& cancelled = {},
                         std::size_t graphvizLimit = 600);

}  // namespace ptl::layout
