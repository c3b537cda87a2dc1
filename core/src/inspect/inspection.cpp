// The inspection's report under construction: findings, the sample run's records and the
// findings' final order; see inspection.h.
#include "inspect/inspection.h"

#include "common/torch_text.h"

#include <algorithm>

namespace ptl::detail {

Finding& Inspection::addFinding(Severity severity, std::string category, std::string message,
                                std::string advice) {
    Finding finding;
    finding.severity = severity;
    finding.category = std::move(category);
    finding.message = std::move(message);
    finding.advice = std::move(advice);
    report.findings.push_back(std::move(finding));
    return report.findings.back();
}

Finding& Inspection::addNodeFinding(const MethodGraph& graph, const torch::jit::Node* node,
                                    Severity severity, std::string category, std::string message,
                                    std::string advice) {
    Finding& finding = addFinding(severity, std::move(category), std::move(message), std::move(advice));
    finding.method = graph.name;
    const auto id = graph.nodeIds.find(node);
    if (id != graph.nodeIds.end()) {
        finding.nodes.push_back(id->second);
        finding.source = report.methods[graph.methodIndex].graph.nodes[id->second].source;
    }
    return finding;
}

void applyRecordedValues(Inspection& inspection) {
    const MethodGraph* forward = inspection.forward();
    if (!forward) return;
    Graph& graph = inspection.method(*forward).graph;
    for (const auto& [torchValue, recorded] : inspection.session.recorded) {
        // The report's shapes are those of top-level values; the cost measure reads nested ones.
        if (torchValue->node()->owningBlock() != forward->graph->block()) continue;
        const auto id = forward->valueIds.find(torchValue);
        if (id == forward->valueIds.end()) continue;
        ptl::Value& value = graph.values[id->second];
        value.shapeKnown = true;
        value.shape = recorded.shape;
        value.dtype = dtypeName(recorded.dtype);
        if (recorded.quantizedP99) inspection.quantizedActivationP99[id->second] = *recorded.quantizedP99;
    }
}

void orderFindings(Report& report) {
    // Most severe first; within a severity, by category, then by source line.
    std::stable_sort(report.findings.begin(), report.findings.end(), [](const Finding& a, const Finding& b) {
        if (a.severity != b.severity) return a.severity > b.severity;
        if (a.category != b.category) return a.category < b.category;
        return a.source.line < b.source.line;
    });
    for (size_t i = 0; i < report.findings.size(); ++i) report.findings[i].id = "F" + std::to_string(i + 1);
}

}  // namespace ptl::detail
