// JobControl (ptl/job.h): progress with stage timings in the log, and cancellation checks.
#include "ptl/job.h"

#include "ptl/errors.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace ptl {

void JobControl::report(const std::string& stage, double fraction) const {
    // Stage timings in the log: where an inspection spends its time.
    static thread_local auto last = std::chrono::steady_clock::now();
    const auto now = std::chrono::steady_clock::now();
    spdlog::info("{:>6.0f} ms  then: {}", std::chrono::duration<double, std::milli>(now - last).count(), stage);
    last = now;
    if (progress) progress(stage, fraction);
}

void JobControl::checkCancelled() const {
    if (cancelled && cancelled()) throw Cancelled();
}

}  // namespace ptl
