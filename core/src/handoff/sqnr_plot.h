// The per-layer SQNR plot of a statically quantized variant, as inline SVG.
#pragma once

#include "ptl/convert.h"

#include <string>
#include <vector>

namespace ptl::handoff {

constexpr double kLowSqnrDb = 20;  // below this a layer's int8 output is noticeably off its float one

// Bars in execution order, the low ones in red, each with a tooltip naming op and module.
std::string sqnrPlotSvg(const std::vector<OpError>& errors);

}  // namespace ptl::handoff
