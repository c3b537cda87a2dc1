// Inspecting a model: load it (by content), describe it, extract its graphs and find what will
// break or misbehave on a phone. The result is a Report (report.h).
#pragma once

#include "ptl/report.h"

#include <functional>
#include <string>
#include <vector>

namespace ptl {

// Progress and cancellation for long jobs. Both callbacks are optional and are called on the
// thread running the job; `cancelled` is polled between stages.
struct JobControl {
    std::function<void(const std::string& stage, double fraction)> progress;
    std::function<bool()> cancelled;
    // The report so far, once the module tree and graphs are known and before the analyses:
    // lets a view draw the graph while the model is still being analysed.
    std::function<void(const Report& partial)> graphReady;

    void report(const std::string& stage, double fraction) const;
    void checkCancelled() const;  // throws Cancelled
};

struct InspectOptions {
    std::vector<std::string> inputSpecs;  // one per forward argument, e.g. "1x3x224x224:float"
    bool roundTrip = true;                // export to Lite bytecode in memory, reload, compare
};

// Throws ModelError when the file cannot be read as a model, Cancelled when cancelled.
Report inspectModel(const std::string& path, const InspectOptions& options = {},
                    const JobControl& job = {});

std::string toolVersion();  // "ptl-studio 0.1.0"

}  // namespace ptl
