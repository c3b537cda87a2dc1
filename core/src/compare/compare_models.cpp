// compareModels: both models inspected and diffed, then both run on the same tensors over the
// sweep, in this process (see ptl/compare.h).
#include "ptl/compare.h"

#include "inspect/inspection.h"
#include "ptl/session.h"
#include "session/compare.h"
#include "sweep/shape_sweep.h"

#include <torch/script.h>

#include <optional>

namespace ptl {

namespace {

// One side of the comparison: opened once, inspected, then run with the module the inspection
// loaded and the sample inputs it found.
struct Side {
    Session session;
    Report report;
    std::optional<detail::PathRecorder> recorder;

    Side(const std::string& path, const InspectOptions& inspect, const JobControl& job) : session(path) {
        report = detail::inspectSession(session, inspect, job);
        if (!session.hasForward()) return;
        recorder.emplace(*session.state().module, session.state().forwardGraph);
    }
    bool runs() const { return recorder.has_value(); }
};

JobControl phase(const JobControl& job, double from, double to) {
    JobControl part;
    part.cancelled = job.cancelled;
    // JobControl::report has logged the stage already: only the fraction is rescaled here.
    if (job.progress)
        part.progress = [&job, from, to](const std::string& stage, double fraction) {
            job.progress(stage, from + (to - from) * fraction);
        };
    return part;
}

void compareOutputs(Side& a, Side& b, const CompareOptions& options, Comparison& comparison, const JobControl& job) {
    comparison.a.inputProblem = a.session.inputProblem();
    comparison.b.inputProblem = b.session.inputProblem();
    if (!a.runs() || !b.runs()) {
        comparison.outputProblem = std::string(a.runs() ? "B" : "A") + " has no TorchScript forward to run";
        return;
    }
    // The shapes come from A's sample inputs (B's when A has none); both get the same tensors.
    const Session::State& reference = a.session.hasInputs() ? a.session.state() : b.session.state();
    if (!reference.sampleInputs) {
        comparison.outputProblem = "neither model has sample inputs (" + a.session.inputProblem() + "); pass --input";
        return;
    }
    const std::vector<detail::SweepInput> inputs = detail::sweepInputs(*reference.sampleInputs, options.sweep);
    std::vector<SweepPoint> pointsA, pointsB;
    std::vector<c10::IValue> outputsA, outputsB;
    for (size_t i = 0; i < inputs.size(); ++i) {
        job.checkCancelled();
        job.report("Comparing outputs: " + inputs[i].label + " (" + std::to_string(i + 1) + " of " +
                       std::to_string(inputs.size()) + ")",
                   0.8 + 0.2 * double(i) / double(inputs.size()));
        pointsA.push_back(detail::runSweepPoint(*a.recorder, inputs[i], &outputsA.emplace_back()));
        pointsB.push_back(detail::runSweepPoint(*b.recorder, inputs[i], &outputsB.emplace_back()));
    }
    detail::markDivergence(pointsA);
    detail::markDivergence(pointsB);
    for (size_t i = 0; i < inputs.size(); ++i) {
        ComparedPoint point;
        point.label = inputs[i].label;
        point.inputs = inputs[i].specs;
        point.a = std::move(pointsA[i]);
        point.b = std::move(pointsB[i]);
        if (point.a.ran && point.b.ran) {
            if (const auto difference = detail::maxDifference(outputsA[i], outputsB[i])) {
                point.compared = true;
                point.maxAbsDiff = *difference;
                point.cosine = detail::cosineSimilarity(outputsA[i], outputsB[i]);
            }
        }
        comparison.points.push_back(std::move(point));
    }
}

}  // namespace

Comparison compareModels(const std::string& pathA, const std::string& pathB, const CompareOptions& options,
                         const JobControl& job) {
    parseSweepSpec(options.sweep);  // a bad spec fails before the models are read
    InspectOptions inspect;
    inspect.inputSpecs = options.inputSpecs;
    inspect.roundTrip = false;
    job.report("Reading " + pathA, 0.0);
    Side sideA(pathA, inspect, phase(job, 0.0, 0.35));
    // Given --input specs apply to both; without them each finds its own sample inputs for its report.
    job.report("Reading " + pathB, 0.35);
    Side sideB(pathB, inspect, phase(job, 0.35, 0.7));
    Comparison comparison;
    comparison.tool = toolVersion();
    comparison.sweepSpec = options.sweep;
    diffStructure(sideA.report, sideB.report, comparison);

    torch::NoGradGuard noGrad;
    job.checkCancelled();
    compareOutputs(sideA, sideB, options, comparison, job);
    job.report("Done", 1.0);
    return comparison;
}

}  // namespace ptl
