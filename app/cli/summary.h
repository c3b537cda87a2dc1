// The readable (non-JSON) form of a report for terminals.
#pragma once

#include "ptl/report.h"

#include <ostream>

namespace ptl::cli {

void printSummary(std::ostream& out, const Report& report);

}  // namespace ptl::cli
