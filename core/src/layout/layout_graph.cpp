#include "ptl/layout.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace ptl::layout {

LayoutResult layoutGraph(const LayoutRequest& request, const CancelCheck& cancelled, std::size_t graphvizLimit) {
    if (request.nodes.size() < graphvizLimit) {
        try {
            return makeGraphvizEngine()->layout(request, cancelled);
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& error) {
            // E.g. Graphviz installed without its dot plugin: a plainer layout beats none.
            spdlog::warn("graph layout: {}; using the layered engine", error.what());
        }
    }
    return makeLayeredEngine()->layout(request, cancelled);
}

}  // namespace ptl::layout
