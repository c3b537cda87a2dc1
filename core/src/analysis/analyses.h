// The analyses that turn an inspection's graphs into findings, one file per finding family.
// Categories, severities and titles are declared once in ptl/finding_categories.h.
#pragma once

#include "inspect/inspection.h"

namespace ptl::detail {

void analyzeControlFlow(Inspection& inspection);  // control_flow.cpp: shape/value-dependent, static, guards
void analyzeTracing(Inspection& inspection);      // tracing.cpp: traced methods, baked-in sizes
void analyzeQuantization(Inspection& inspection); // quantization_audit.cpp: x86 settings, the qnnpack clamp
void analyzeFileAccess(Inspection& inspection);   // file_access.cpp: torch.save, torch.from_file in the code
// shape_sweep.cpp: shapes of report.sweep that fail or take another path than the sample input
void analyzeShapeSweep(Inspection& inspection);
// lite_compatibility.cpp: a static lint, then (with roundTrip) export, reload and compare.
void analyzeLiteCompatibility(Inspection& inspection, bool roundTrip);

}  // namespace ptl::detail
