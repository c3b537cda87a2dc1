// Our own layered layout (after Sugiyama, Tagawa and Toda), built for module groups of thousands
// to tens of thousands of nodes where Graphviz takes minutes. Every step is linear or n log n.
//
// Each connected component is laid out on its own, then components are packed in rows:
//  1. Cycles: a depth-first search from the sources; edges back to a node still on the stack are
//     reversed for the layout (their routes are reversed back at the end). Self-loops are left
//     out and drawn as small loops on the node's right side. Parallel edges share one route.
//  2. Ranks: longest path from the sources, then a bottom-up pass moves nodes with more links out
//     than in down to just above their highest successor, and so do constants and the chains of
//     ops that merely transform them: they sit next to their user instead of hanging at the top.
//  3. Virtual nodes: each node gets a column of zero-width virtual nodes (a bus) down to the
//     rank above its farthest successor; an edge spanning k ranks runs down the bus and leaves it
//     at the (k - 1)th. Every edge segment now joins neighbouring ranks, long edges get a slot
//     of their own in each rank they cross, and a value used by many ops far down (TorchScript's
//     `self`) costs one column instead of one per use. Past a budget of virtual nodes the
//     longest edges go without and are drawn straight.
//  4. Order within ranks: initial order from a depth-first walk (keeps chains together), then a
//     few down and up sweeps sorting each rank by the barycenter of its neighbours' positions.
//     Crossings are counted after each sweep pair (Barth, Juenger, Mutzel: inversions in a
//     Fenwick tree) and the best order is kept. Work is O(sweeps * (E + V log V)).
//  5. x: alternating down and up passes; each rank in turn wants every node at the mean x of
//     its neighbours in the rank just placed, counting only neighbours of its own kind when it
//     has some (real nodes line up under real nodes, a bus runs straight on; mixing them makes
//     every branch pull both aside), virtual nodes wanting it harder. Keeping the order and the
//     minimum gaps (widths + nodeSeparation) makes each rank an isotonic regression, solved
//     exactly in linear time by pool-adjacent-violators.
//  6. y: each rank is a band as tall as its tallest node, bands rankSeparation apart, nodes
//     centered in their band.
//  7. Routes: bottom border of the source, down its bus (vertically through each band), to the
//     top border of the target. Segments inside a band are vertical and lie in a slot of their
//     own, segments between bands cross empty space: edges never cross nodes (save the straight
//     ones past the budget). Edges from one node share their common part.
#include "checked_request.h"
#include "layered_support.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

namespace ptl::layout {

namespace {

using detail::CancelPoll;
using detail::CheckedRequest;
using detail::Adjacency;
using detail::appendToPolyline;
using detail::inversions;
using detail::placeInOrder;

struct Box {
    double left = std::numeric_limits<double>::infinity();
    double top = std::numeric_limits<double>::infinity();
    double right = -std::numeric_limits<double>::infinity();
    double bottom = -std::numeric_limits<double>::infinity();

    void include(double x0, double y0, double x1, double y1) {
        left = std::min(left, x0);
        top = std::min(top, y0);
        right = std::max(right, x1);
        bottom = std::max(bottom, y1);
    }
    double width() const { return right - left; }
    double height() const { return bottom - top; }
};

struct Settings {
    double nodeSeparation, rankSeparation;
};

// One connected component, in its own coordinates.
class ComponentLayout {
public:
    std::vector<Point> centers;              // per component node
    std::vector<std::vector<Point>> routes;  // per component edge
    Box bounds;

    // sizes: per node; edges: (source, target) in component indices.
    ComponentLayout(const std::vector<Size>& sizes, const std::vector<std::pair<int, int>>& edges,
                    const Settings& settings, const CancelPoll& cancel)
        : sizes_(sizes), edges_(edges), settings_(settings), cancel_(cancel), realCount_(int(sizes.size())) {
        breakCycles();
        mergeParallelEdges();
        assignRanks();
        cancel_.now();
        addVirtualNodes();
        orderRanks();
        cancel_.now();
        placeHorizontally();
        cancel_.now();
        placeVertically();
        route();
    }

private:
    const std::vector<Size>& sizes_;
    const std::vector<std::pair<int, int>>& edges_;
    const Settings settings_;
    const CancelPoll& cancel_;
    const int realCount_;

    std::vector<char> reversed_;                  // per edge: goes upward in the layout
    std::vector<std::pair<int, int>> links_;      // distinct downward (upper, lower) pairs
    std::vector<int> linkOf_;                     // per edge: its link, -1 for self-loops
    std::vector<int> rank_;                       // per node, virtual ones included
    std::vector<int> busStart_, bus_;             // per real node: its virtual nodes, top to bottom
    std::vector<char> straight_;                  // per link: over the budget, drawn straight
    Adjacency up_, down_;                         // neighbours in the rank above / below
    std::vector<std::vector<int>> ranks_;         // nodes of each rank, left to right
    std::vector<int> position_;                   // per node: index in its rank
    std::vector<double> x_;                       // per node: center
    std::vector<double> bandTop_, bandBottom_;    // per rank

    bool isVirtual(int v) const { return v >= realCount_; }
    double width(int v) const { return isVirtual(v) ? 0 : sizes_[v].width; }
    double height(int v) const { return isVirtual(v) ? 0 : sizes_[v].height; }
    int nodeCount() const { return int(rank_.size()); }

    // Step 1: reverse the edges that close a cycle, found by an iterative depth-first search.
    void breakCycles() {
        std::vector<std::pair<int, int>> outgoing;  // (node, edge)
        std::vector<int> inDegree(realCount_, 0);
        for (size_t e = 0; e < edges_.size(); ++e) {
            if (edges_[e].first == edges_[e].second) continue;
            outgoing.emplace_back(edges_[e].first, int(e));
            ++inDegree[edges_[e].second];
        }
        const Adjacency out = Adjacency::build(realCount_, outgoing);
        reversed_.assign(edges_.size(), 0);
        enum : char { Unseen, OnStack, Done };
        std::vector<char> state(realCount_, Unseen);
        std::vector<std::pair<int, int>> stack;  // (node, next index into out.items)
        const auto search = [&](int root) {
            if (state[root] != Unseen) return;
            state[root] = OnStack;
            stack.emplace_back(root, out.start[root]);
            while (!stack.empty()) {
                const int v = stack.back().first;
                const int next = stack.back().second;
                if (next == out.start[v + 1]) {
                    state[v] = Done;
                    stack.pop_back();
                    continue;
                }
                ++stack.back().second;
                const int e = out.items[next];
                const int w = edges_[e].second;
                if (state[w] == OnStack) {
                    reversed_[e] = 1;
                } else if (state[w] == Unseen) {
                    state[w] = OnStack;
                    stack.emplace_back(w, out.start[w]);
                }
            }
        };
        // Sources first, so the search follows the data flow and reverses few edges.
        for (int v = 0; v < realCount_; ++v)
            if (inDegree[v] == 0) search(v);
        for (int v = 0; v < realCount_; ++v) search(v);
    }

    // Edges between the same two nodes, after reversal, become one link and share its route.
    void mergeParallelEdges() {
        std::vector<std::pair<std::pair<int, int>, int>> keyed;  // ((upper, lower), edge)
        for (size_t e = 0; e < edges_.size(); ++e) {
            auto [source, target] = edges_[e];
            if (source == target) continue;
            if (reversed_[e]) std::swap(source, target);
            keyed.push_back({{source, target}, int(e)});
        }
        std::sort(keyed.begin(), keyed.end());
        linkOf_.assign(edges_.size(), -1);
        for (const auto& [pair, e] : keyed) {
            if (links_.empty() || links_.back() != pair) links_.push_back(pair);
            linkOf_[e] = int(links_.size()) - 1;
        }
    }

    // Step 2: longest path from the sources (Kahn's order), then bottom up, nodes move down next
    // to their highest successor when that shortens their links in total. On a tie they move only
    // when hanging off a private source (a constant, then ops that merely transform it), so the
    // chain follows the constant down to its user while the main flow stays near its source.
    void assignRanks() {
        rank_.assign(realCount_, 0);
        const Adjacency below = Adjacency::build(realCount_, links_);
        std::vector<int> inDegree(realCount_, 0), onlyPredecessor(realCount_, -1);
        for (const auto& [upper, lower] : links_) {
            ++inDegree[lower];
            onlyPredecessor[lower] = upper;
        }
        const std::vector<int> linksIn = inDegree;
        std::vector<int> order;  // topological
        order.reserve(realCount_);
        for (int v = 0; v < realCount_; ++v)
            if (inDegree[v] == 0) order.push_back(v);
        for (size_t i = 0; i < order.size(); ++i) {
            cancel_.poll(i);
            const int v = order[i];
            for (const int* w = below.begin(v); w != below.end(v); ++w) {
                rank_[*w] = std::max(rank_[*w], rank_[v] + 1);
                if (--inDegree[*w] == 0) order.push_back(*w);
            }
        }
        std::vector<char> hangsOffSource(realCount_, 0);
        for (const int v : order) {
            const int p = onlyPredecessor[v];
            hangsOffSource[v] = linksIn[v] == 0 || (linksIn[v] == 1 && hangsOffSource[p] && below.count(p) == 1);
        }
        for (auto v = order.rbegin(); v != order.rend(); ++v) {
            const int out = below.count(*v);
            if (out == 0 || out < linksIn[*v] || (out == linksIn[*v] && !hangsOffSource[*v])) continue;
            int highest = std::numeric_limits<int>::max();
            for (const int* w = below.begin(*v); w != below.end(*v); ++w) highest = std::min(highest, rank_[*w]);
            rank_[*v] = highest - 1;
        }
        const int lowest = *std::min_element(rank_.begin(), rank_.end());
        for (int& r : rank_) r -= lowest;
    }

    // Step 3: every node gets one column of virtual nodes (its bus) down to the rank above its
    // farthest successor, and a link spanning k ranks leaves the bus at its (k - 1)th node: a
    // value used by many ops far down costs one column, not one per use. Should the columns still
    // exceed the budget, the longest links go without and are drawn as straight lines.
    void addVirtualNodes() {
        const auto span = [&](const std::pair<int, int>& link) { return rank_[link.second] - rank_[link.first]; };
        std::vector<int> needed(realCount_, 0);
        for (const auto& link : links_) needed[link.first] = std::max(needed[link.first], span(link) - 1);
        const int longestBus = busLengthLimit(needed);
        straight_.assign(links_.size(), 0);
        std::fill(needed.begin(), needed.end(), 0);
        for (size_t l = 0; l < links_.size(); ++l) {
            straight_[l] = span(links_[l]) - 1 > longestBus;
            if (!straight_[l]) needed[links_[l].first] = std::max(needed[links_[l].first], span(links_[l]) - 1);
        }

        std::vector<std::pair<int, int>> segments;  // (upper, lower)
        busStart_.assign(realCount_ + 1, 0);
        for (int v = 0; v < realCount_; ++v) {
            busStart_[v] = int(bus_.size());
            int previous = v;
            for (int k = 1; k <= needed[v]; ++k) {
                const int virtualNode = nodeCount();
                rank_.push_back(rank_[v] + k);
                bus_.push_back(virtualNode);
                segments.emplace_back(previous, virtualNode);
                previous = virtualNode;
            }
        }
        busStart_[realCount_] = int(bus_.size());
        for (size_t l = 0; l < links_.size(); ++l) {
            if (straight_[l]) continue;
            const auto [upper, lower] = links_[l];
            segments.emplace_back(span(links_[l]) == 1 ? upper : bus_[busStart_[upper] + span(links_[l]) - 2], lower);
        }
        down_ = Adjacency::build(nodeCount(), segments);
        for (auto& segment : segments) std::swap(segment.first, segment.second);
        up_ = Adjacency::build(nodeCount(), segments);
    }

    // The longest bus that keeps all buses together within the budget (water filling).
    static int busLengthLimit(std::vector<int> lengths) {
        constexpr long long budget = 1'000'000;  // virtual nodes: about half a second of work
        std::sort(lengths.begin(), lengths.end());
        long long used = 0;
        for (size_t i = 0; i < lengths.size(); ++i) {
            const auto remaining = static_cast<long long>(lengths.size() - i);
            if (used + lengths[i] * remaining > budget) return int((budget - used) / remaining);
            used += lengths[i];
        }
        return std::numeric_limits<int>::max();
    }

    // Step 4: initial order by a depth-first walk down from the top nodes, then barycenter sweeps.
    void orderRanks() {
        const int rankCount = 1 + *std::max_element(rank_.begin(), rank_.end());
        ranks_.assign(rankCount, {});
        std::vector<char> seen(nodeCount(), 0);
        std::vector<int> stack;
        for (int root = 0; root < realCount_; ++root) {
            if (up_.count(root) != 0 || seen[root]) continue;
            stack.push_back(root);
            seen[root] = 1;
            while (!stack.empty()) {
                const int v = stack.back();
                stack.pop_back();
                ranks_[rank_[v]].push_back(v);
                // Pushed in reverse so the first child is walked first.
                for (const int* w = down_.end(v); w != down_.begin(v);) {
                    --w;
                    if (!seen[*w]) {
                        seen[*w] = 1;
                        stack.push_back(*w);
                    }
                }
            }
        }
        position_.assign(nodeCount(), 0);
        for (const auto& nodes : ranks_)
            for (size_t i = 0; i < nodes.size(); ++i) position_[nodes[i]] = int(i);
        if (rankCount < 2) return;

        constexpr int maxSweeps = 6, patience = 2;
        long long best = countCrossings();
        std::vector<std::vector<int>> bestRanks = ranks_;
        for (int sweep = 0, stale = 0; sweep < maxSweeps && best > 0 && stale < patience; ++sweep) {
            for (int r = 1; r < rankCount; ++r) sortByBarycenter(r, up_);
            for (int r = rankCount - 2; r >= 0; --r) sortByBarycenter(r, down_);
            cancel_.now();
            const long long crossings = countCrossings();
            if (crossings < best) {
                best = crossings;
                bestRanks = ranks_;
                stale = 0;
            } else {
                ++stale;
            }
        }
        ranks_ = std::move(bestRanks);
        for (const auto& nodes : ranks_)
            for (size_t i = 0; i < nodes.size(); ++i) position_[nodes[i]] = int(i);
    }

    // Nodes without neighbours on that side keep their position as their barycenter.
    void sortByBarycenter(int r, const Adjacency& neighbours) {
        std::vector<int>& nodes = ranks_[r];
        std::vector<std::pair<double, int>> keyed(nodes.size());  // (barycenter, old position)
        for (size_t i = 0; i < nodes.size(); ++i) {
            const int v = nodes[i];
            double sum = 0;
            for (const int* w = neighbours.begin(v); w != neighbours.end(v); ++w) sum += position_[*w];
            const int count = neighbours.count(v);
            keyed[i] = {count ? sum / count : double(i), int(i)};
        }
        std::sort(keyed.begin(), keyed.end());
        std::vector<int> sorted(nodes.size());
        for (size_t i = 0; i < nodes.size(); ++i) sorted[i] = nodes[keyed[i].second];
        nodes = std::move(sorted);
        for (size_t i = 0; i < nodes.size(); ++i) position_[nodes[i]] = int(i);
    }

    long long countCrossings() const {
        long long total = 0;
        std::vector<int> lowerPositions, tree;
        for (size_t r = 0; r + 1 < ranks_.size(); ++r) {
            lowerPositions.clear();
            for (const int v : ranks_[r]) {
                const size_t first = lowerPositions.size();
                for (const int* w = down_.begin(v); w != down_.end(v); ++w) lowerPositions.push_back(position_[*w]);
                std::sort(lowerPositions.begin() + first, lowerPositions.end());
            }
            total += inversions(lowerPositions, int(ranks_[r + 1].size()), tree);
        }
        return total;
    }

    // Step 5: passes of per-rank isotonic regression towards the neighbours' mean x.
    void placeHorizontally() {
        x_.assign(nodeCount(), 0);
        std::vector<double> x, target, weight, gap;
        const auto gather = [&](const std::vector<int>& nodes) {
            x.resize(nodes.size());
            gap.resize(nodes.size());
            for (size_t i = 0; i < nodes.size(); ++i) {
                x[i] = x_[nodes[i]];
                if (i + 1 < nodes.size()) gap[i] = minimumGap(nodes[i], nodes[i + 1]);
            }
        };
        // Start packed and centered.
        for (const auto& nodes : ranks_) {
            gather(nodes);
            double at = 0;
            for (size_t i = 0; i < nodes.size(); ++i) {
                x_[nodes[i]] = at;
                if (i + 1 < nodes.size()) at += gap[i];
            }
            for (const int v : nodes) x_[v] -= at / 2;
        }
        const auto pass = [&](int r, const Adjacency& neighbours) {
            const std::vector<int>& nodes = ranks_[r];
            gather(nodes);
            target.resize(nodes.size());
            weight.resize(nodes.size());
            for (size_t i = 0; i < nodes.size(); ++i) {
                const int v = nodes[i];
                // Neighbours of the same kind first: nodes line up with nodes and a bus runs
                // straight on, instead of each pulling the other aside at every branch.
                double sum = 0, sameKindSum = 0;
                int count = 0, sameKindCount = 0;
                for (const int* w = neighbours.begin(v); w != neighbours.end(v); ++w, ++count) {
                    sum += x_[*w];
                    if (isVirtual(*w) == isVirtual(v)) {
                        sameKindSum += x_[*w];
                        ++sameKindCount;
                    }
                }
                // No neighbours on this side: stay put, but give way easily.
                target[i] = sameKindCount ? sameKindSum / sameKindCount : count ? sum / count : x[i];
                weight[i] = count == 0 ? 0.1 : isVirtual(v) ? 4 : 1;
            }
            placeInOrder(x, target, weight, gap);
            for (size_t i = 0; i < nodes.size(); ++i) x_[nodes[i]] = x[i];
        };
        const int rankCount = int(ranks_.size());
        constexpr int rounds = 4;
        for (int round = 0; round < rounds; ++round) {
            for (int r = 1; r < rankCount; ++r) pass(r, up_);
            for (int r = rankCount - 2; r >= 0; --r) pass(r, down_);
            cancel_.now();
        }
    }

    // Edges through virtual nodes run closer together than edges beside real nodes.
    double minimumGap(int left, int right) const {
        const double separation =
            isVirtual(left) && isVirtual(right) ? settings_.nodeSeparation / 2 : settings_.nodeSeparation;
        return (width(left) + width(right)) / 2 + separation;
    }

    // Step 6.
    void placeVertically() {
        bandTop_.assign(ranks_.size(), 0);
        bandBottom_.assign(ranks_.size(), 0);
        double top = 0;
        for (size_t r = 0; r < ranks_.size(); ++r) {
            double tallest = 0;
            for (const int v : ranks_[r]) tallest = std::max(tallest, height(v));
            bandTop_[r] = top;
            bandBottom_[r] = top + tallest;
            top = bandBottom_[r] + settings_.rankSeparation;
        }
        centers.resize(realCount_);
        for (int v = 0; v < realCount_; ++v) {
            centers[v] = {x_[v], (bandTop_[rank_[v]] + bandBottom_[rank_[v]]) / 2};
            bounds.include(x_[v] - width(v) / 2, centers[v].y - height(v) / 2, x_[v] + width(v) / 2,
                           centers[v].y + height(v) / 2);
        }
    }

    // Where an edge leaves or enters node v on its way to or from x = toward: under or over
    // the node, as close to `toward` as the middle of the border allows.
    double portX(int v, double toward) const {
        const double spread = 0.35 * width(v);
        return std::clamp(toward, x_[v] - spread, x_[v] + spread);
    }

    // Step 7. Each bus is drawn once as a polyline from its node's bottom border; a link leaving
    // the bus at its kth node copies that line's prefix, so the work is the size of the output.
    void route() {
        const auto bottomOf = [&](int v) { return centers[v].y + height(v) / 2; };
        const auto topOf = [&](int v) { return centers[v].y - height(v) / 2; };
        std::vector<std::vector<Point>> busLines(realCount_);
        std::vector<int> busLineLength(bus_.size());  // line's length once it reached bus node k
        for (int v = 0; v < realCount_; ++v) {
            if (busStart_[v] == busStart_[v + 1]) continue;
            std::vector<Point>& line = busLines[v];
            const double start = portX(v, x_[bus_[busStart_[v]]]);
            appendToPolyline(line, {start, bottomOf(v)});
            appendToPolyline(line, {start, bandBottom_[rank_[v]]});
            for (int k = busStart_[v]; k < busStart_[v + 1]; ++k) {
                appendToPolyline(line, {x_[bus_[k]], bandTop_[rank_[bus_[k]]]});
                appendToPolyline(line, {x_[bus_[k]], bandBottom_[rank_[bus_[k]]]});
                busLineLength[k] = int(line.size());
            }
        }

        std::vector<std::vector<Point>> linkRoutes(links_.size());
        for (size_t l = 0; l < links_.size(); ++l) {
            cancel_.poll(l);
            const auto [upper, lower] = links_[l];
            const int span = rank_[lower] - rank_[upper];
            std::vector<Point>& points = linkRoutes[l];
            if (span == 1 || straight_[l]) {
                const double start = portX(upper, x_[lower]), end = portX(lower, x_[upper]);
                appendToPolyline(points, {start, bottomOf(upper)});
                if (!straight_[l]) {
                    appendToPolyline(points, {start, bandBottom_[rank_[upper]]});
                    appendToPolyline(points, {end, bandTop_[rank_[lower]]});
                }
                appendToPolyline(points, {end, topOf(lower)});
            } else {
                // Only the last point of a prefix may since have been merged into a longer run.
                const int last = busStart_[upper] + span - 2;
                const std::vector<Point>& line = busLines[upper];
                points.assign(line.begin(), line.begin() + busLineLength[last] - 1);
                const double x = x_[bus_[last]];
                appendToPolyline(points, {x, bandBottom_[rank_[bus_[last]]]});
                appendToPolyline(points, {portX(lower, x), bandTop_[rank_[lower]]});
                appendToPolyline(points, {portX(lower, x), topOf(lower)});
            }
            if (points.size() < 2) points.push_back(points.back());  // zero-sized nodes, touching
        }
        routes.resize(edges_.size());
        for (size_t e = 0; e < edges_.size(); ++e) {
            if (linkOf_[e] < 0) {
                routes[e] = selfLoop(edges_[e].first);
            } else {
                routes[e] = linkRoutes[linkOf_[e]];
                if (reversed_[e]) std::reverse(routes[e].begin(), routes[e].end());
            }
            for (const Point& p : routes[e]) bounds.include(p.x, p.y, p.x, p.y);
        }
    }

    // A small loop out of the right side and back, within half the node separation.
    std::vector<Point> selfLoop(int v) const {
        const double side = x_[v] + width(v) / 2;
        const double reach = settings_.nodeSeparation > 0 ? settings_.nodeSeparation / 2 : 8;
        const double y = centers[v].y, spread = height(v) / 4;
        return {{side, y - spread}, {side + reach, y - spread}, {side + reach, y + spread}, {side, y + spread}};
    }
};

// The request's nodes and edges grouped by connected component (union-find), largest first.
struct Components {
    std::vector<int> componentOf, localIndex;           // by node
    std::vector<std::vector<int>> nodes, edges;          // by component
    std::vector<int> order;                              // components, largest first
};

Components splitComponents(const CheckedRequest& checked) {
    const int nodeCount = int(checked.nodeIds.size());
    std::vector<int> parent(nodeCount);
    std::iota(parent.begin(), parent.end(), 0);
    const auto root = [&](int v) {
        while (parent[v] != v) v = parent[v] = parent[parent[v]];
        return v;
    };
    for (const detail::CheckedEdge& edge : checked.edges) parent[root(edge.source)] = root(edge.target);
    Components components;
    components.componentOf.assign(nodeCount, -1);
    components.localIndex.resize(nodeCount);
    std::vector<int> rootComponent(nodeCount, -1);
    for (int v = 0; v < nodeCount; ++v) {
        int& component = rootComponent[root(v)];
        if (component < 0) {
            component = int(components.nodes.size());
            components.nodes.emplace_back();
            components.edges.emplace_back();
        }
        components.componentOf[v] = component;
        components.localIndex[v] = int(components.nodes[component].size());
        components.nodes[component].push_back(v);
    }
    for (size_t e = 0; e < checked.edges.size(); ++e)
        components.edges[components.componentOf[checked.edges[e].source]].push_back(int(e));
    components.order.resize(components.nodes.size());
    std::iota(components.order.begin(), components.order.end(), 0);
    std::stable_sort(components.order.begin(), components.order.end(),
                     [&](int a, int b) { return components.nodes[a].size() > components.nodes[b].size(); });
    return components;
}

// Shelf packing: rows of components, tops aligned, about as wide as the whole is tall. Returns
// each component's shift.
std::vector<Point> packShelves(const Components& components, const std::vector<Box>& bounds, const Settings& settings) {
    double area = 0, widest = 0;
    for (const Box& box : bounds) {
        area += box.width() * box.height();
        widest = std::max(widest, box.width());
    }
    const double gapX = 2 * settings.nodeSeparation, gapY = settings.rankSeparation;
    const double rowWidth = std::max(widest, std::sqrt(2 * area));
    std::vector<Point> shift(bounds.size());
    double x = 0, y = 0, rowHeight = 0;
    for (const int c : components.order) {
        if (x > 0 && x + bounds[c].width() > rowWidth) {
            x = 0;
            y += rowHeight + gapY;
            rowHeight = 0;
        }
        shift[c] = {x - bounds[c].left, y - bounds[c].top};
        x += bounds[c].width() + gapX;
        rowHeight = std::max(rowHeight, bounds[c].height());
    }
    return shift;
}

// Components, largest first, packed left to right in rows about as wide as the whole is tall.
class LayeredEngine : public LayoutEngine {
public:
    std::string name() const override { return "layered"; }

    LayoutResult layout(const LayoutRequest& request, const CancelCheck& cancelled) const override {
        const CancelPoll cancel(cancelled);
        cancel.now();
        const CheckedRequest checked = detail::checkRequest(request);
        const Settings settings{checked.nodeSeparation, checked.rankSeparation};
        const Components components = splitComponents(checked);

        LayoutResult result;
        result.engine = name();
        result.nodes.resize(checked.nodeIds.size());
        result.edges.resize(checked.edges.size());
        std::vector<Box> bounds(components.nodes.size());
        for (const int c : components.order) {
            cancel.now();
            bounds[c] = layOutComponent(checked, components, c, settings, cancel, result);
        }
        const std::vector<Point> shift = packShelves(components, bounds, settings);
        for (size_t v = 0; v < result.nodes.size(); ++v) {
            result.nodes[v].center.x += shift[components.componentOf[v]].x;
            result.nodes[v].center.y += shift[components.componentOf[v]].y;
        }
        for (size_t e = 0; e < checked.edges.size(); ++e) {
            const Point offset = shift[components.componentOf[checked.edges[e].source]];
            for (Point& p : result.edges[e].points) {
                p.x += offset.x;
                p.y += offset.y;
            }
        }
        detail::moveToOrigin(result, checked);
        return result;
    }

private:
    // Lays out component c in its own coordinates into result; returns its bounds.
    static Box layOutComponent(const CheckedRequest& checked, const Components& components, int c,
                               const Settings& settings, const CancelPoll& cancel, LayoutResult& result) {
        std::vector<Size> sizes;
        for (const int v : components.nodes[c]) sizes.push_back(checked.sizes[v]);
        std::vector<std::pair<int, int>> edges;
        for (const int e : components.edges[c])
            edges.emplace_back(components.localIndex[checked.edges[e].source], components.localIndex[checked.edges[e].target]);
        ComponentLayout component(sizes, edges, settings, cancel);
        for (size_t i = 0; i < components.nodes[c].size(); ++i) {
            const int v = components.nodes[c][i];
            result.nodes[v] = {checked.nodeIds[v], component.centers[i]};
        }
        for (size_t i = 0; i < components.edges[c].size(); ++i) {
            const int e = components.edges[c][i];
            result.edges[e] = {checked.edges[e].id, std::move(component.routes[i])};
        }
        return component.bounds;
    }
};

}  // namespace

std::unique_ptr<LayoutEngine> makeLayeredEngine() {
    return std::make_unique<LayeredEngine>();
}

}  // namespace ptl::layout
