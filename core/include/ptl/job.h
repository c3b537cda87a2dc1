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
    // The report so far, once the module tree and forward's graph are known and before the
    // analyses: lets a view draw the graph while the model is still being analysed. Its nodes
    // leave out what drawing does not need: operator schemas, and source locations except those
    // of If/Loop nodes (their boxes' titles); report.sources is empty.
    std::function<void(const Report& partial)> graphReady;
    // Right after graphReady, when it is set: the same report with forward's schemas, source
    // locations and sources filled in.
    std::function<void(const Report& partial)> graphDetailsReady;

    void report(const std::string& stage, double fraction) const;
    void checkCancelled() const;  // throws Cancelled
};

}  // namespace ptl
