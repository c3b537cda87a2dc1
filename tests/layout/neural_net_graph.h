// Random layout requests shaped like TorchScript graphs of neural nets: long chains of ops with
// residual skips, branches that fan out and join again, constants feeding single ops, and a few
// values (masks, shapes) used far down. Node ids are the topological order, so it is a DAG with
// about 1.25 edges per node. Deterministic for a seed, with the same results on every platform.
#pragma once

#include "ptl/layout.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace ptl::layout::testing {

inline LayoutRequest neuralNetGraph(int nodeCount, std::uint32_t seed = 1) {
    std::mt19937 random(seed);
    const auto below = [&](int bound) { return int(random() % std::uint32_t(std::max(bound, 1))); };
    const auto chance = [&](int percent) { return below(100) < percent; };

    LayoutRequest request;
    std::vector<int> ops, pendingConstants;
    const auto recentOp = [&](int back) { return ops[std::max(0, int(ops.size()) - 1 - back)]; };
    const auto connect = [&](int source, int target) {
        request.edges.push_back({int(request.edges.size()), source, target});
    };
    for (int v = 0; v < nodeCount; ++v) {
        request.nodes.push_back({v, {double(60 + below(120)), double(24 + below(16))}});
        if (ops.empty() || chance(12)) {  // the input, or a constant or parameter for the next op
            if (ops.empty()) ops.push_back(v);
            else pendingConstants.push_back(v);
            continue;
        }
        connect(chance(85) ? recentOp(0) : recentOp(1 + below(20)), v);  // the main chain, or a branch
        if (chance(10)) connect(recentOp(1 + below(30)), v);              // residual skip
        if (chance(5))                                                     // concat: fan-in
            for (int k = 2 + below(3); k > 0; --k) connect(recentOp(1 + below(50)), v);
        if (chance(2)) connect(recentOp(50 + below(450)), v);              // a mask used far down
        for (const int constant : pendingConstants) connect(constant, v);
        pendingConstants.clear();
        ops.push_back(v);
    }
    return request;
}

}  // namespace ptl::layout::testing
