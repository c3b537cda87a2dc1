// What both engines share: the request checked once (dense indices, usable sizes, only edges
// between known nodes), cancellation polling, and moving a finished layout to the origin.
#pragma once

#include "ptl/layout.h"

#include <cstddef>
#include <vector>

namespace ptl::layout::detail {

struct CheckedEdge {
    int id = -1;
    int source = -1, target = -1;    // node indices, not ids
};

struct CheckedRequest {
    std::vector<int> nodeIds;        // index -> id, in request order
    std::vector<Size> sizes;         // index -> size, never negative or NaN
    std::vector<CheckedEdge> edges;  // request order; self-loops and parallel edges kept
    double nodeSeparation = 0, rankSeparation = 0;
};

CheckedRequest checkRequest(const LayoutRequest& request);

// Throws Cancelled when asked to. poll(i) in a loop only asks every few thousand iterations.
class CancelPoll {
public:
    explicit CancelPoll(const CancelCheck& cancelled) : cancelled_(cancelled) {}
    void now() const {
        if (cancelled_ && cancelled_()) throw Cancelled();
    }
    void poll(std::size_t iteration) const {
        if ((iteration & 4095) == 0) now();
    }

private:
    const CancelCheck& cancelled_;
};

// Shifts nodes and routes so their common bounding box starts at (0, 0) and sets result.size.
// result.nodes[i] must belong to request.sizes[i].
void moveToOrigin(LayoutResult& result, const CheckedRequest& request);

}  // namespace ptl::layout::detail
