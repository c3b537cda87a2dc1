// Inspecting a model: load it (by content), describe it, extract its graphs and find what will
// break or misbehave on a phone. The result is a Report (report.h).
#pragma once

#include "ptl/job.h"
#include "ptl/report.h"
#include "ptl/version.h"  // toolVersion(), which reports name as their producer

#include <string>
#include <vector>

namespace ptl {

struct InspectOptions {
    std::vector<std::string> inputSpecs;  // one per forward argument, e.g. "1x3x224x224:float"
    bool roundTrip = true;                // export to Lite bytecode in memory, reload, compare
    bool sweep = false;                   // also run forward over a shape sweep (ptl/sweep.h); off by default
    std::string sweepSpec;                // the sweep's spec; "" derives it from the sample inputs
};

// Throws ModelError when the file cannot be read as a model, Cancelled when cancelled.
Report inspectModel(const std::string& path, const InspectOptions& options = {},
                    const JobControl& job = {});

}  // namespace ptl
