// Random layout requests shaped like TorchScript graphs of neural nets: long chains of ops with
// residual skips, branches that fan out and join again, constants feeding single ops, and a few
// values (masks, shapes) used far down. Node ids are the topological order, so it is a DAG with
// about 1.25 edges per node. Deterministic for a seed, with the same results on every platform.
#pragma once

#include "ptl/layout.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace ptl::layout::testing {

inline LayoutRequest neuralNetGraph(int nodeCount, std::uint32_t seed = 1) {
    std::mt19937 random(seed);
    const auto below = [&](int bound) { return int(random() % std::uint32_t(std::max(bound, 1))); };
    const auto chance = [&](int percent) { return below(100) < percent; };

    LayoutRequest request;
    int lastOp = -1, pendingConstant = -1;
    const auto connect = [&](int source, int target) {
        if (source >= 0 && source < target)
            request.edges.push_back({int(request.edges.size()), source, target});
    };
    for (int v = 0; v < nodeCount; ++v) {
        request.nodes.push_back({v, {double(60 + below(120)), double(24 + below(16))}});
        if (lastOp >= 0 && chance(12)) {  // a constant or parameter, used by the next op
            pendingConstant = v;
            continue;
        }
        connect(chance(85) ? lastOp : v - 1 - below(20), v);            // the main chain, or a branch
        if (chance(10)) connect(v - 2 - below(30), v);                   // residual skip
        if (chance(5))                                                   // concat: fan-in
            for (int k = 2 + below(3); k > 0; --k) connect(v - 1 - below(50), v);
        if (chance(2)) connect(v - 50 - below(450), v);                  // a mask used far down
        if (pendingConstant >= 0) connect(pendingConstant, v);
        pendingConstant = -1;
        lastOp = v;
    }
    return request;
}

}  // namespace ptl::layout::testing
