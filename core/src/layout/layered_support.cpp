// Building blocks of the layered engine; see layered_support.h.
#include "layered_support.h"

#include <cmath>

namespace ptl::layout::detail {

// Number of pairs i < j with values[i] > values[j]; values in [0, range).
long long inversions(const std::vector<int>& values, int range, std::vector<int>& tree) {
    tree.assign(range + 1, 0);
    long long total = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        long long notGreater = 0;
        for (int k = values[i] + 1; k > 0; k -= k & -k) notGreater += tree[k];
        total += static_cast<long long>(i) - notGreater;
        for (int k = values[i] + 1; k <= range; k += k & -k) ++tree[k];
    }
    return total;
}

// Minimizes sum weight_i * (x_i - target_i)^2 subject to x_{i+1} - x_i >= gap_i, in place.
// With y_i = x_i - (gap_0 + ... + gap_{i-1}) the constraints become y_i <= y_{i+1}: an isotonic
// regression, solved by pooling adjacent violators.
void placeInOrder(std::vector<double>& x, const std::vector<double>& target, const std::vector<double>& weight,
                  const std::vector<double>& gap) {
    struct Pool {
        double weight, weightedSum;
        size_t first;
        double mean() const { return weightedSum / weight; }
    };
    std::vector<Pool> pools;
    pools.reserve(x.size());
    double offset = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        if (i > 0) offset += gap[i - 1];
        pools.push_back({weight[i], weight[i] * (target[i] - offset), i});
        while (pools.size() > 1 && pools[pools.size() - 2].mean() > pools.back().mean()) {
            const Pool last = pools.back();
            pools.pop_back();
            pools.back().weight += last.weight;
            pools.back().weightedSum += last.weightedSum;
        }
    }
    offset = 0;
    for (size_t p = 0; p < pools.size(); ++p) {
        const size_t end = p + 1 < pools.size() ? pools[p + 1].first : x.size();
        for (size_t i = pools[p].first; i < end; ++i) {
            if (i > 0) offset += gap[i - 1];
            x[i] = pools[p].mean() + offset;
        }
    }
}

// Appends p, dropping repeated points and the middle of straight runs (a bus that goes straight
// down thousands of ranks is one segment, not thousands).
void appendToPolyline(std::vector<Point>& points, Point p) {
    const size_t n = points.size();
    if (n > 0 && points[n - 1].x == p.x && points[n - 1].y == p.y) return;
    if (n > 1) {
        const Point a = points[n - 2], b = points[n - 1];
        const double cross = (b.x - a.x) * (p.y - b.y) - (b.y - a.y) * (p.x - b.x);
        const double dot = (b.x - a.x) * (p.x - b.x) + (b.y - a.y) * (p.y - b.y);
        if (std::abs(cross) <= 1e-9 * (std::abs(dot) + 1) && dot > 0) {
            points[n - 1] = p;
            return;
        }
    }
    points.push_back(p);
}

}  // namespace ptl::layout::detail
