// Wall time of both layout engines on neural-net-shaped graphs of growing size.
// Usage: bench_layout [sizes...]   (default 300 600 1000 2000 5000 20000; Graphviz only up to 1000)
#include "ptl/layout.h"

#include "neural_net_graph.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

constexpr size_t graphvizMaxNodes = 1000;  // dot needs tens of seconds to minutes beyond this

std::string timed(const ptl::layout::LayoutEngine& engine, const ptl::layout::LayoutRequest& request) {
    const auto start = std::chrono::steady_clock::now();
    const ptl::layout::LayoutResult result = engine.layout(request);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    char text[64];
    std::snprintf(text, sizeof text, "%.0f ms (%.0fx%.0f)", ms, result.size.width, result.size.height);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    if (sizes.empty()) sizes = {300, 600, 1000, 2000, 5000, 20000};

    const auto graphviz = ptl::layout::makeGraphvizEngine();
    const auto layered = ptl::layout::makeLayeredEngine();
    std::printf("%8s %8s  %-28s %-28s\n", "nodes", "edges", "graphviz-dot", "layered");
    for (const int size : sizes) {
        const ptl::layout::LayoutRequest request = ptl::layout::testing::neuralNetGraph(size);
        const std::string dot = request.nodes.size() <= graphvizMaxNodes ? timed(*graphviz, request) : "skipped";
        const std::string ours = timed(*layered, request);
        std::printf("%8zu %8zu  %-28s %-28s\n", request.nodes.size(), request.edges.size(), dot.c_str(), ours.c_str());
        std::fflush(stdout);
    }
    return 0;
}
