// The shape sweep over one session (inspect --sweep) and its building blocks, which compare
// uses to run two models on the same tensors.
#pragma once

#include "ptl/job.h"
#include "ptl/sweep.h"
#include "session/session_state.h"
#include "sweep/path_recorder.h"

#include <string>
#include <vector>

namespace ptl::detail {

// One shape of a sweep: its label, specs and the tensors fed to forward.
struct SweepInput {
    std::string label;
    std::vector<std::string> specs;  // one per forward argument, "-" for non-tensors
    std::vector<c10::IValue> values;
    bool sample = false;
};

// The shapes a spec (ptl/sweep.h) asks for, from the sample inputs: the sample's own shape
// first (labelled by the axis that reproduces it, or "sample"), duplicates dropped. Throws
// std::invalid_argument for a spec that does not fit the inputs.
std::vector<SweepInput> sweepInputs(const std::vector<c10::IValue>& sample, const std::string& spec);

// One shape run through a path recorder; forward's output goes to `output` when given.
SweepPoint runSweepPoint(PathRecorder& recorder, const SweepInput& input, c10::IValue* output = nullptr);

// Marks the points that ran on other branches or trip counts than the sample point.
void markDivergence(std::vector<SweepPoint>& points);

// The sweep of a session whose sample inputs are prepared; progress between `from` and `to`.
ShapeSweep runShapeSweep(Session::State& session, const std::string& spec, const JobControl& job, double from,
                         double to);

}  // namespace ptl::detail
