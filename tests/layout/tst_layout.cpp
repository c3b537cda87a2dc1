// Both layout engines on real structures: every node placed once, no overlaps, edges flowing
// down and starting and ending at their nodes, components apart, bad input survived, and
// cancellation honoured. The layered engine also promises that no edge crosses a node.
#include "ptl/layout.h"

#include "neural_net_graph.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <thread>

using namespace ptl::layout;

namespace {

struct Rect {
    double left, top, right, bottom;
};

std::unique_ptr<LayoutEngine> engineNamed(const QString& name) {
    return name == QLatin1String("graphviz") ? makeGraphvizEngine() : makeLayeredEngine();
}

LayoutRequest requestOf(std::initializer_list<Size> sizes, std::initializer_list<std::pair<int, int>> edges) {
    LayoutRequest request;
    for (const Size& size : sizes) request.nodes.push_back({int(request.nodes.size()), size});
    for (const auto& [source, target] : edges) request.edges.push_back({int(request.edges.size()), source, target});
    return request;
}

// The node boxes of a result, by id, with sizes from the request (first node of an id wins).
std::map<int, Rect> boxes(const LayoutRequest& request, const LayoutResult& result) {
    std::map<int, Size> sizes;
    for (const LayoutNode& node : request.nodes) sizes.emplace(node.id, node.size);
    std::map<int, Rect> boxes;
    for (const NodePlacement& node : result.nodes) {
        const Size size = sizes.at(node.id);
        const double w = std::isfinite(size.width) ? std::max(size.width, 0.0) : 0;
        const double h = std::isfinite(size.height) ? std::max(size.height, 0.0) : 0;
        boxes[node.id] = {node.center.x - w / 2, node.center.y - h / 2, node.center.x + w / 2, node.center.y + h / 2};
    }
    return boxes;
}

double distanceToBorder(Point p, const Rect& r) {
    const double dx = std::max({r.left - p.x, 0.0, p.x - r.right});
    const double dy = std::max({r.top - p.y, 0.0, p.y - r.bottom});
    if (dx > 0 || dy > 0) return std::hypot(dx, dy);
    return std::min({p.x - r.left, r.right - p.x, p.y - r.top, r.bottom - p.y});
}

// Whether segment a-b enters the interior of r (touching its border does not count).
bool crossesInterior(Point a, Point b, Rect r) {
    constexpr double inset = 0.01;
    r = {r.left + inset, r.top + inset, r.right - inset, r.bottom - inset};
    if (r.left >= r.right || r.top >= r.bottom) return false;
    double t0 = 0, t1 = 1;  // Liang-Barsky clipping
    const double dx = b.x - a.x, dy = b.y - a.y;
    const double p[] = {-dx, dx, -dy, dy};
    const double q[] = {a.x - r.left, r.right - a.x, a.y - r.top, r.bottom - a.y};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0) {
            if (q[i] < 0) return false;
        } else {
            const double t = q[i] / p[i];
            if (p[i] < 0) t0 = std::max(t0, t);
            else t1 = std::min(t1, t);
        }
    }
    return t0 < t1;
}

// Empty when the result is a sound layout of the request, else what is wrong.
QString problems(const LayoutRequest& request, const LayoutResult& result, bool isDag, double borderTolerance) {
    std::map<int, int> nodeCount;
    for (const LayoutNode& node : request.nodes) nodeCount[node.id] = 0;
    for (const NodePlacement& node : result.nodes) {
        if (!nodeCount.count(node.id)) return QStringLiteral("unknown node %1 placed").arg(node.id);
        if (++nodeCount[node.id] > 1) return QStringLiteral("node %1 placed twice").arg(node.id);
    }
    for (const auto& [id, count] : nodeCount)
        if (count == 0) return QStringLiteral("node %1 not placed").arg(id);

    const std::map<int, Rect> box = boxes(request, result);
    constexpr double eps = 0.01;
    for (const auto& [id, r] : box)
        if (r.left < -eps || r.top < -eps || r.right > result.size.width + eps || r.bottom > result.size.height + eps)
            return QStringLiteral("node %1 outside the layout's size").arg(id);

    // Overlaps: sweep boxes by left edge.
    std::vector<std::pair<int, Rect>> sorted(box.begin(), box.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.left < b.second.left; });
    for (size_t i = 0; i < sorted.size(); ++i)
        for (size_t j = i + 1; j < sorted.size() && sorted[j].second.left < sorted[i].second.right - eps; ++j) {
            const Rect& a = sorted[i].second;
            const Rect& b = sorted[j].second;
            if (a.top < b.bottom - eps && b.top < a.bottom - eps)
                return QStringLiteral("nodes %1 and %2 overlap").arg(sorted[i].first).arg(sorted[j].first);
        }

    std::map<int, const LayoutEdge*> validEdges;
    for (const LayoutEdge& edge : request.edges)
        if (box.count(edge.source) && box.count(edge.target)) validEdges[edge.id] = &edge;
    if (result.edges.size() != validEdges.size())
        return QStringLiteral("%1 routes for %2 edges").arg(result.edges.size()).arg(validEdges.size());
    for (const EdgeRoute& route : result.edges) {
        if (!validEdges.count(route.id)) return QStringLiteral("route for unknown edge %1").arg(route.id);
        const LayoutEdge& edge = *validEdges[route.id];
        const size_t n = route.points.size();
        if (result.spline ? n < 4 || n % 3 != 1 : n < 2)
            return QStringLiteral("edge %1 has a route of %2 points").arg(edge.id).arg(n);
        if (distanceToBorder(route.points.front(), box.at(edge.source)) > borderTolerance)
            return QStringLiteral("edge %1 does not start at node %2").arg(edge.id).arg(edge.source);
        if (distanceToBorder(route.points.back(), box.at(edge.target)) > borderTolerance)
            return QStringLiteral("edge %1 does not end at node %2").arg(edge.id).arg(edge.target);
        for (const Point& p : route.points)
            if (p.x < -eps || p.y < -eps || p.x > result.size.width + eps || p.y > result.size.height + eps)
                return QStringLiteral("edge %1 leaves the layout's size").arg(edge.id);
        if (isDag && box.at(edge.source).top + box.at(edge.source).bottom >= box.at(edge.target).top + box.at(edge.target).bottom)
            return QStringLiteral("edge %1 does not go down").arg(edge.id);
    }
    return {};
}

// Edges of the layered engine never pass through a node.
QString edgeThroughNode(const LayoutRequest& request, const LayoutResult& result) {
    const std::map<int, Rect> box = boxes(request, result);
    for (const EdgeRoute& route : result.edges)
        for (size_t i = 0; i + 1 < route.points.size(); ++i)
            for (const auto& [id, r] : box)
                if (crossesInterior(route.points[i], route.points[i + 1], r))
                    return QStringLiteral("edge %1 crosses node %2").arg(route.id).arg(id);
    return {};
}

}  // namespace

class TestLayout : public QObject {
    Q_OBJECT

private:
    void engines() {
        QTest::addColumn<QString>("engine");
        QTest::newRow("graphviz") << QStringLiteral("graphviz");
        QTest::newRow("layered") << QStringLiteral("layered");
    }
    // Graphviz ends its splines on the node outline within a fraction of a point; ours exactly.
    static double tolerance(const QString& engine) { return engine == QLatin1String("graphviz") ? 2 : 0.01; }

private Q_SLOTS:
    void emptyRequest_data() { engines(); }
    void emptyRequest() {
        QFETCH(QString, engine);
        const LayoutResult result = engineNamed(engine)->layout({});
        QVERIFY(result.nodes.empty());
        QVERIFY(result.edges.empty());
        QCOMPARE(result.size.width, 0.0);
        QCOMPARE(result.size.height, 0.0);
        QCOMPARE(QString::fromStdString(result.engine), QString::fromStdString(engineNamed(engine)->name()));
    }

    void neuralNetDag_data() { engines(); }
    void neuralNetDag() {
        QFETCH(QString, engine);
        const LayoutRequest request = testing::neuralNetGraph(300, 7);
        const LayoutResult result = engineNamed(engine)->layout(request);
        const QString problem = problems(request, result, true, tolerance(engine));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(result.spline, engine == QLatin1String("graphviz"));
        if (engine == QLatin1String("layered")) {
            const QString crossing = edgeThroughNode(request, result);
            QVERIFY2(crossing.isEmpty(), qPrintable(crossing));
        }
    }

    void chainIsStraight_data() { engines(); }
    void chainIsStraight() {
        QFETCH(QString, engine);
        const LayoutRequest request = requestOf({{80, 30}, {140, 30}, {60, 50}}, {{0, 1}, {1, 2}});
        const LayoutResult result = engineNamed(engine)->layout(request);
        QVERIFY(problems(request, result, true, tolerance(engine)).isEmpty());
        QCOMPARE(result.nodes[0].center.x, result.nodes[1].center.x);
        QCOMPARE(result.nodes[1].center.x, result.nodes[2].center.x);
        // Rank separation 36 between the boxes' borders.
        QVERIFY(std::abs(result.nodes[1].center.y - result.nodes[0].center.y - (15 + 36 + 15)) < 1);
    }

    void componentsApart_data() { engines(); }
    void componentsApart() {
        QFETCH(QString, engine);
        const LayoutRequest request = requestOf(
            {{100, 30}, {100, 30}, {100, 30}, {100, 30},   // chain 0-3
             {60, 20}, {60, 20}, {60, 20}, {60, 20},       // diamond 4-7
             {200, 80},                                    // alone: 8
             {50, 50}, {50, 50}},                          // 9 -> 10, 10 -> 10
            {{0, 1}, {1, 2}, {2, 3}, {4, 5}, {4, 6}, {5, 7}, {6, 7}, {9, 10}, {10, 10}});
        const LayoutResult result = engineNamed(engine)->layout(request);
        const QString problem = problems(request, result, false, tolerance(engine));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        // The components' bounding boxes (nodes only) are disjoint.
        const std::vector<std::vector<int>> components{{0, 1, 2, 3}, {4, 5, 6, 7}, {8}, {9, 10}};
        const std::map<int, Rect> box = boxes(request, result);
        std::vector<Rect> extents;
        for (const auto& members : components) {
            Rect extent = box.at(members.front());
            for (const int id : members) {
                extent.left = std::min(extent.left, box.at(id).left);
                extent.top = std::min(extent.top, box.at(id).top);
                extent.right = std::max(extent.right, box.at(id).right);
                extent.bottom = std::max(extent.bottom, box.at(id).bottom);
            }
            extents.push_back(extent);
        }
        for (size_t i = 0; i < extents.size(); ++i)
            for (size_t j = i + 1; j < extents.size(); ++j) {
                const Rect& a = extents[i];
                const Rect& b = extents[j];
                QVERIFY2(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top,
                         qPrintable(QStringLiteral("components %1 and %2 overlap").arg(i).arg(j)));
            }
    }

    void cyclesAndSelfLoops_data() { engines(); }
    void cyclesAndSelfLoops() {
        QFETCH(QString, engine);
        const LayoutRequest request = requestOf(
            {{80, 30}, {80, 30}, {80, 30}, {80, 30}, {80, 30}, {80, 30}},
            {{0, 1}, {1, 2}, {2, 0},           // triangle
             {3, 4}, {4, 3},                   // two-cycle
             {5, 5}, {5, 5},                   // doubled self-loop
             {0, 1}, {2, 3}, {4, 5}, {5, 0}}); // parallel edge, and a cycle through everything
        const LayoutResult result = engineNamed(engine)->layout(request);
        const QString problem = problems(request, result, false, tolerance(engine));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        if (engine == QLatin1String("layered")) {
            const QString crossing = edgeThroughNode(request, result);
            QVERIFY2(crossing.isEmpty(), qPrintable(crossing));
        }
    }

    // Like TorchScript's `self`, read by a GetAttr all the way down: one bus, not one column per use.
    void valueUsedEverywhere() {
        for (const int length : {120, 20000}) {
            LayoutRequest request;
            for (int v = 0; v < length; ++v) request.nodes.push_back({v, {100, 30}});
            for (int v = 1; v < length; ++v) request.edges.push_back({v, v - 1, v});
            for (int v = 3; v < length; v += 3) request.edges.push_back({length + v, 0, v});
            const auto start = std::chrono::steady_clock::now();
            const LayoutResult result = makeLayeredEngine()->layout(request);
            const auto elapsed = std::chrono::steady_clock::now() - start;
            const QString problem = problems(request, result, true, 0.01);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            QVERIFY(elapsed < std::chrono::seconds(2));
            if (length < 1000) {
                const QString crossing = edgeThroughNode(request, result);
                QVERIFY2(crossing.isEmpty(), qPrintable(crossing));
            }
        }
    }

    void randomGraphWithCycles() {
        std::mt19937 random(11);
        LayoutRequest request;
        const int nodeCount = 1000;
        for (int v = 0; v < nodeCount; ++v)
            request.nodes.push_back({v, {double(20 + random() % 100), double(10 + random() % 40)}});
        for (int e = 0; e < 1300; ++e)
            request.edges.push_back({e, int(random() % nodeCount), int(random() % nodeCount)});
        const LayoutResult result = makeLayeredEngine()->layout(request);
        const QString problem = problems(request, result, false, 0.01);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QString crossing = edgeThroughNode(request, result);
        QVERIFY2(crossing.isEmpty(), qPrintable(crossing));
    }

    void badInput_data() { engines(); }
    void badInput() {
        QFETCH(QString, engine);
        LayoutRequest request = requestOf({{80, 30}, {-5, std::nan("")}, {80, 30}}, {{0, 1}, {1, 2}});
        request.nodes.push_back({1, {500, 500}});                 // duplicate id: ignored
        request.edges.push_back({10, 0, 99});                     // unknown target
        request.edges.push_back({11, -7, 2});                     // unknown source
        request.nodeSeparation = -3;
        request.rankSeparation = std::numeric_limits<double>::infinity();
        const LayoutResult result = engineNamed(engine)->layout(request);
        QCOMPARE(result.nodes.size(), size_t(3));
        QCOMPARE(result.edges.size(), size_t(2));
        QCOMPARE(result.edges[0].id, 0);
        QCOMPARE(result.edges[1].id, 1);
        QVERIFY(std::isfinite(result.size.width) && std::isfinite(result.size.height));
        const QString problem = problems(request, result, true, tolerance(engine));
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void cancelledBeforeStart_data() { engines(); }
    void cancelledBeforeStart() {
        QFETCH(QString, engine);
        const LayoutRequest request = testing::neuralNetGraph(50);
        QVERIFY_THROWS_EXCEPTION(Cancelled, engineNamed(engine)->layout(request, [] { return true; }));
    }

    // The layered engine keeps polling while it works, not just at the start.
    void cancelledMidway() {
        const LayoutRequest request = testing::neuralNetGraph(5000);
        int polls = 0;
        const auto cancelOnFifth = [&] { return ++polls >= 5; };
        QVERIFY_THROWS_EXCEPTION(Cancelled, makeLayeredEngine()->layout(request, cancelOnFifth));
        QCOMPARE(polls, 5);
        // The same exception type as every other long job.
        QVERIFY_THROWS_EXCEPTION(ptl::Cancelled, layoutGraph(request, [] { return true; }));
    }

    void layoutGraphChoosesEngine() {
        const LayoutRequest request = testing::neuralNetGraph(40);
        QCOMPARE(QString::fromStdString(layoutGraph(request).engine), QStringLiteral("graphviz-dot"));
        QCOMPARE(QString::fromStdString(layoutGraph(request, {}, 40).engine), QStringLiteral("layered"));
    }

    // Graphviz is not thread-safe; the engine serializes calls.
    void graphvizFromThreads() {
        std::atomic<int> sound{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                const LayoutRequest request = testing::neuralNetGraph(80, t + 1);
                if (problems(request, makeGraphvizEngine()->layout(request), true, 2).isEmpty()) ++sound;
            });
        for (std::thread& thread : threads) thread.join();
        QCOMPARE(sound.load(), 4);
    }

    void largeDagWithLayeredEngine() {
        const LayoutRequest request = testing::neuralNetGraph(5000, 3);
        const auto start = std::chrono::steady_clock::now();
        const LayoutResult result = makeLayeredEngine()->layout(request);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        qInfo("5000 nodes, %zu edges: %.0f ms", request.edges.size(), ms);
        const QString problem = problems(request, result, true, 0.01);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(ms < 5000);
    }
};

QTEST_GUILESS_MAIN(TestLayout)
#include "tst_layout.moc"
