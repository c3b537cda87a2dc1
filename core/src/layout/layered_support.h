// The layered engine's building blocks that stand on their own (layered_engine.cpp tells the
// algorithm): compact adjacency lists, inversion counting for crossings, the isotonic regression
// that places a rank, and polyline simplification.
#pragma once

#include "ptl/layout.h"

#include <numeric>
#include <utility>
#include <vector>

namespace ptl::layout::detail {

// Adjacency lists in one array: the neighbours of v are items[start[v]] .. items[start[v + 1]].
struct Adjacency {
    std::vector<int> start, items;

    // pairs (from, to): the lists are indexed by `from`, in the pairs' order.
    static Adjacency build(int nodeCount, const std::vector<std::pair<int, int>>& pairs) {
        Adjacency adjacency;
        adjacency.start.assign(nodeCount + 1, 0);
        for (const auto& [from, to] : pairs) ++adjacency.start[from + 1];
        std::partial_sum(adjacency.start.begin(), adjacency.start.end(), adjacency.start.begin());
        adjacency.items.resize(pairs.size());
        std::vector<int> next(adjacency.start.begin(), adjacency.start.end() - 1);
        for (const auto& [from, to] : pairs) adjacency.items[next[from]++] = to;
        return adjacency;
    }
    const int* begin(int v) const { return items.data() + start[v]; }
    const int* end(int v) const { return items.data() + start[v + 1]; }
    int count(int v) const { return start[v + 1] - start[v]; }
};

// Number of pairs i < j with values[i] > values[j]; values in [0, range). tree is scratch space.
long long inversions(const std::vector<int>& values, int range, std::vector<int>& tree);

// Minimizes sum weight_i * (x_i - target_i)^2 subject to x_{i+1} - x_i >= gap_i, in place.
void placeInOrder(std::vector<double>& x, const std::vector<double>& target, const std::vector<double>& weight,
                  const std::vector<double>& gap);

// Appends p, dropping repeated points and the middle of straight runs.
void appendToPolyline(std::vector<Point>& points, Point p);

}  // namespace ptl::layout::detail
