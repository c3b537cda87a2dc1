// Findings from the shape sweep: shapes forward fails at (at the node that raised) and shapes at
// which an if or a loop decides otherwise than at the sample input (at that if or loop).
#include "analysis/analyses.h"

#include "ptl/input_spec.h"

#include <map>

namespace ptl::detail {

namespace {

std::string joinedLabels(const std::vector<const SweepPoint*>& points) {
    std::string text;
    for (const SweepPoint* point : points) text += (text.empty() ? "" : ", ") + point->label;
    return text;
}

std::string inputsOf(const SweepPoint& point) {
    std::string text;
    for (const std::string& spec : point.inputs) text += (text.empty() ? "" : " + ") + spec;
    return text;
}

Finding& addSweepFinding(Inspection& inspection, int node, Severity severity, const char* category,
                         std::string message, std::string advice) {
    Finding& finding = inspection.addFinding(severity, category, std::move(message), std::move(advice));
    finding.method = "forward";
    const MethodGraph* forward = inspection.forward();
    if (node < 0 || !forward) return finding;
    const Graph& graph = inspection.method(*forward).graph;
    if (node >= static_cast<int>(graph.nodes.size())) return finding;
    finding.nodes.push_back(node);
    finding.source = graph.nodes[static_cast<size_t>(node)].source;
    return finding;
}

// "then" / "else" for an if, the trip counts for a loop, at one point.
std::string pathText(const SweepPoint& point, int node) {
    for (const SweepDecision& decision : point.decisions) {
        if (decision.node != node) continue;
        std::string text;
        std::vector<int64_t> shown = decision.taken;
        if (decision.kind == "prim::If") {
            const bool then = std::count(shown.begin(), shown.end(), 0) > 0;
            const bool other = std::count(shown.begin(), shown.end(), 1) > 0;
            return then && other ? "both branches" : then ? "then" : "else";
        }
        if (shown.size() > 4) shown.resize(4);
        for (const int64_t count : shown) text += (text.empty() ? "" : ", ") + std::to_string(count);
        if (decision.taken.size() > shown.size()) text += ", ...";
        return text + (decision.taken.size() == 1 && decision.taken[0] == 1 ? " trip" : " trips");
    }
    return "not run";
}

void reportFailures(Inspection& inspection, const ShapeSweep& sweep, const SweepPoint& sample) {
    // One finding per node that raised: batch 2 and 4 failing at one reshape is one problem.
    std::map<int, std::vector<const SweepPoint*>> byNode;
    for (const SweepPoint& point : sweep.points)
        if (!point.ran) byNode[point.errorNode].push_back(&point);
    for (const auto& [node, points] : byNode) {
        addSweepFinding(inspection, node, Severity::Warning, "shape.sweep-failure",
                        "forward fails at " + joinedLabels(points) + " (" + inputsOf(*points.front()) +
                            "; the sample input " + inputsOf(sample) + " runs): " + points.front()->error,
                        "If the app feeds these shapes, make this code shape-generic: sizes from x.size(i) or -1 "
                        "instead of fixed numbers, and torch.jit.script instead of torch.jit.trace (a trace freezes "
                        "the example's sizes). Otherwise fix the input shape in the app and state it in the handoff.");
    }
}

void reportDivergences(Inspection& inspection, const ShapeSweep& sweep, const SweepPoint& sample) {
    std::map<int, std::vector<const SweepPoint*>> byNode;
    for (const SweepPoint& point : sweep.points)
        for (const int node : point.divergedNodes) byNode[node].push_back(&point);
    for (const auto& [node, points] : byNode) {
        const bool loop = std::any_of(sample.decisions.begin(), sample.decisions.end(), [node = node](const SweepDecision& d) {
            return d.node == node && d.kind == "prim::Loop";
        }) || std::any_of(points.front()->decisions.begin(), points.front()->decisions.end(),
                          [node = node](const SweepDecision& d) { return d.node == node && d.kind == "prim::Loop"; });
        std::string message = std::string(loop ? "this loop runs another number of times" : "this if takes another branch") +
                              " at " + joinedLabels(points) + " than at the sample input (" + sample.label + ": " +
                              pathText(sample, node);
        for (const SweepPoint* point : points) message += "; " + point->label + ": " + pathText(*point, node);
        addSweepFinding(inspection, node, Severity::Warning, "shape.sweep-divergence", message + ")",
                        "forward computes differently at these shapes: a trace, or an app tested only at the sample "
                        "shape, misses this path. Check that the other path is intended and test the app at these "
                        "shapes; for torch.export, declare the dimension dynamic and express the branch with "
                        "torch.cond.");
    }
}

}  // namespace

void analyzeShapeSweep(Inspection& inspection) {
    const ShapeSweep& sweep = inspection.report.sweep;
    const auto sample = std::find_if(sweep.points.begin(), sweep.points.end(), [](const SweepPoint& p) { return p.sample; });
    if (sample == sweep.points.end()) return;
    reportFailures(inspection, sweep, *sample);
    reportDivergences(inspection, sweep, *sample);
}

}  // namespace ptl::detail
