// Progress and cancellation for long jobs (inspect, convert, bench), shared by the CLI's progress
// bar, the worker's events and the tests.
#pragma once

#include "ptl/report.h"

#include <functional>
#include <string>

namespace ptl {

// Both callbacks are optional and are called on the thread running the job; `cancelled` is
// polled between stages.
struct JobControl {
    std::function<void(const std::string& stage, double fraction)> progress;
    std::function<bool()> cancelled;
    // The report so far, once the module tree and graphs are known and before the analyses:
    // lets a view draw the graph while the model is still being analysed.
    std::function<void(const Report& partial)> graphReady;

    void report(const std::string& stage, double fraction) const;
    void checkCancelled() const;  // throws Cancelled
};

}  // namespace ptl
