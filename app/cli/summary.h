// The readable (non-JSON) form of a report for terminals.
#pragma once

#include "ptl/export_readiness.h"
#include "ptl/report.h"

#include <ostream>

namespace ptl::cli {

void printSummary(std::ostream& out, const Report& report);  // ends with the torch.export readiness
void printExportReadiness(std::ostream& out, const ExportReadiness& readiness);

}  // namespace ptl::cli
