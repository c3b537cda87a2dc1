// The readable (non-JSON) form of a comparison for terminals.
#pragma once

#include "ptl/compare.h"

#include <ostream>

namespace ptl::cli {

void printComparison(std::ostream& out, const Comparison& comparison);

}  // namespace ptl::cli
