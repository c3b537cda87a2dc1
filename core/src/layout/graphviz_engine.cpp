// Graphviz "dot" through libgvc/cgraph. We hand dot fixed-size boxes without labels, let it
// rank, order, place and route, then read back node centers (ND_coord) and edge splines (ED_spl),
// flipping Graphviz's y-up coordinates to our y-down ones.
#include "checked_request.h"

#include <gvc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>

namespace ptl::layout {

namespace {

using detail::CancelPoll;
using detail::CheckedRequest;

// libgvc and cgraph keep global state (error handlers, attribute dictionaries, plugin caches):
// every call into them happens under this one lock.
std::timed_mutex graphvizMutex;

// Graphviz's C API takes char* for strings it never modifies.
char* text(const char* literal) {
    return const_cast<char*>(literal);
}

// Graphviz parses numbers with strtod, which follows the C locale (a Qt application may set a
// decimal comma); printf-style formatting follows the same locale, so the two agree.
std::string number(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6f", value);
    return buffer;
}

constexpr double pointsPerInch = 72;

// Graphviz reports problems through a global callback; while we hold the lock, they are
// collected here for the exception message instead of being printed on stderr.
std::string* graphvizMessages = nullptr;

int collectMessage(char* message) {
    if (graphvizMessages && message) graphvizMessages->append(message);
    return 0;
}

class MessageCapture {
public:
    explicit MessageCapture(std::string& messages)
        : previousHandler_(agseterrf(collectMessage)), previousLevel_(agseterr(AGWARN)) {
        graphvizMessages = &messages;
    }
    ~MessageCapture() {
        graphvizMessages = nullptr;
        agseterr(previousLevel_);
        agseterrf(previousHandler_);
    }
    MessageCapture(const MessageCapture&) = delete;
    MessageCapture& operator=(const MessageCapture&) = delete;

private:
    agusererrf previousHandler_;
    agerrlevel_t previousLevel_;
};

// Owns a context, a graph and its layout, freed in the order libgvc requires.
class GraphvizSession {
public:
    GraphvizSession() : context_(gvContext()) {
        if (!context_) throw std::runtime_error("graphviz: cannot create a context");
        graph_ = agopen(text("layout"), Agdirected, nullptr);
        if (!graph_) {
            gvFreeContext(context_);
            throw std::runtime_error("graphviz: cannot create a graph");
        }
    }
    ~GraphvizSession() {
        if (laidOut_) gvFreeLayout(context_, graph_);
        agclose(graph_);
        gvFreeContext(context_);
    }
    GraphvizSession(const GraphvizSession&) = delete;
    GraphvizSession& operator=(const GraphvizSession&) = delete;

    Agraph_t* graph() const { return graph_; }
    bool layout() {
        laidOut_ = gvLayout(context_, graph_, "dot") == 0;
        return laidOut_;
    }

private:
    GVC_t* context_;
    Agraph_t* graph_ = nullptr;
    bool laidOut_ = false;
};

// A straight segment written as a cubic Bezier, for the rare edge dot leaves unrouted.
void appendStraightCubic(std::vector<Point>& points, Point from, Point to) {
    points.insert(points.end(), {from, from, to, to});
}

class GraphvizEngine : public LayoutEngine {
public:
    std::string name() const override { return "graphviz-dot"; }

    LayoutResult layout(const LayoutRequest& request, const CancelCheck& cancelled) const override {
        const CancelPoll cancel(cancelled);
        const CheckedRequest checked = detail::checkRequest(request);
        std::unique_lock lock(graphvizMutex, std::defer_lock);
        // Another layout may hold Graphviz for seconds; stay responsive to cancellation meanwhile.
        do cancel.now();
        while (!lock.try_lock_for(std::chrono::milliseconds(50)));

        std::string messages;
        MessageCapture capture(messages);
        GraphvizSession session;
        Agraph_t* graph = session.graph();
        agattr(graph, AGRAPH, text("rankdir"), text("TB"));
        agattr(graph, AGRAPH, text("nodesep"), text(number(checked.nodeSeparation / pointsPerInch).c_str()));
        agattr(graph, AGRAPH, text("ranksep"), text(number(checked.rankSeparation / pointsPerInch).c_str()));
        // Components laid out apart and packed by bounding box, so none reaches into another.
        agattr(graph, AGRAPH, text("packmode"), text("graph"));
        agattr(graph, AGRAPH, text("pack"), text(std::to_string(std::lround(std::min(checked.nodeSeparation, 1e6))).c_str()));
        agattr(graph, AGNODE, text("shape"), text("box"));
        agattr(graph, AGNODE, text("fixedsize"), text("true"));
        agattr(graph, AGNODE, text("label"), text(""));  // no text to measure: sizes are ours
        Agsym_t* width = agattr(graph, AGNODE, text("width"), text("0"));
        Agsym_t* height = agattr(graph, AGNODE, text("height"), text("0"));
        // No arrowheads: splines then run from border to border; the view draws its own arrows.
        agattr(graph, AGEDGE, text("dir"), text("none"));

        std::vector<Agnode_t*> nodes(checked.nodeIds.size());
        for (size_t i = 0; i < nodes.size(); ++i) {
            cancel.poll(i);
            nodes[i] = agnode(graph, nullptr, 1);
            agxset(nodes[i], width, text(number(checked.sizes[i].width / pointsPerInch).c_str()));
            agxset(nodes[i], height, text(number(checked.sizes[i].height / pointsPerInch).c_str()));
        }
        std::vector<Agedge_t*> edges(checked.edges.size());
        for (size_t i = 0; i < edges.size(); ++i) {
            cancel.poll(i);
            // Anonymous edges in a non-strict graph: parallel edges stay distinct.
            edges[i] = agedge(graph, nodes[checked.edges[i].source], nodes[checked.edges[i].target], nullptr, 1);
        }

        cancel.now();
        if (!session.layout())
            throw std::runtime_error("graphviz: dot layout failed" + (messages.empty() ? "" : ": " + messages));
        cancel.now();

        // Graphviz's origin is the bottom-left corner of the bounding box, y up.
        const boxf box = GD_bb(graph);
        const auto toOurs = [&](pointf p) { return Point{p.x - box.LL.x, box.UR.y - p.y}; };

        LayoutResult result;
        result.engine = name();
        result.spline = true;
        result.nodes.reserve(nodes.size());
        for (size_t i = 0; i < nodes.size(); ++i)
            result.nodes.push_back({checked.nodeIds[i], toOurs(ND_coord(nodes[i]))});

        result.edges.reserve(edges.size());
        for (size_t i = 0; i < edges.size(); ++i) {
            const detail::CheckedEdge& edge = checked.edges[i];
            EdgeRoute route{edge.id, {}};
            if (const splines* spline = ED_spl(edges[i])) {
                // Usually one Bezier; chain any further ones, bridging gaps with straight pieces.
                for (int b = 0; b < spline->size; ++b) {
                    const bezier& piece = spline->list[b];
                    for (int j = 0; j < piece.size; ++j) {
                        const Point p = toOurs(piece.list[j]);
                        if (j == 0 && !route.points.empty()) {
                            const Point last = route.points.back();
                            if (last.x != p.x || last.y != p.y) route.points.insert(route.points.end(), {last, p, p});
                            continue;
                        }
                        route.points.push_back(p);
                    }
                }
            }
            if (route.points.size() < 4 || route.points.size() % 3 != 1) {
                const Point source = result.nodes[edge.source].center;
                const Point target = result.nodes[edge.target].center;
                route.points.clear();
                appendStraightCubic(route.points, {source.x, source.y + checked.sizes[edge.source].height / 2},
                                    {target.x, target.y - checked.sizes[edge.target].height / 2});
            }
            result.edges.push_back(std::move(route));
        }
        detail::moveToOrigin(result, checked);
        return result;
    }
};

}  // namespace

std::unique_ptr<LayoutEngine> makeGraphvizEngine() {
    return std::make_unique<GraphvizEngine>();
}

}  // namespace ptl::layout
