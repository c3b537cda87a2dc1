#include "summary.h"

#include "ptl/export_readiness.h"
#include "ptl/finding_categories.h"
#include "ptl/input_spec.h"
#include "ptl/round_trip.h"

#include <cstdio>
#include <map>

namespace ptl::cli {

namespace {

std::string where(const SourceLocation& source) {
    if (!source.known()) return "";
    std::string file = source.file;
    const size_t slash = file.rfind('/');
    if (slash != std::string::npos) file = file.substr(slash + 1);
    return file + ":" + std::to_string(source.line);
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : separator) + part;
    return text;
}

// "if #12 else, loop #14 16 trips": what a point decided, in node order.
std::string decisionsText(const SweepPoint& point) {
    std::vector<std::string> parts;
    for (const SweepDecision& decision : point.decisions) {
        std::string taken;
        for (size_t i = 0; i < decision.taken.size() && i < 3; ++i)
            taken += (i ? "," : "") + (decision.kind == "prim::If" ? std::string(decision.taken[i] ? "else" : "then")
                                                                   : std::to_string(decision.taken[i]));
        if (decision.taken.size() > 3) taken += ",...";
        parts.push_back(std::string(decision.kind == "prim::If" ? "if" : "loop") + " #" + std::to_string(decision.node) +
                        " " + taken);
    }
    return parts.empty() ? "no if or loop" : joined(parts, "; ");
}

void printSweep(std::ostream& out, const ShapeSweep& sweep) {
    if (!sweep.requested) return;
    out << "\nShape sweep" << (sweep.spec.empty() ? " (derived from the sample inputs)" : " (" + sweep.spec + ")") << ": ";
    if (!sweep.problem.empty()) {
        out << "not run: " << sweep.problem << "\n";
        return;
    }
    out << sweep.points.size() << " shapes, " << sweepFailures(sweep) << " failed, " << sweepDivergences(sweep)
        << " took another path than the sample\n";
    for (const SweepPoint& point : sweep.points) {
        std::vector<std::string> shapes;
        for (const auto& shape : point.outputShapes) shapes.push_back(formatShape(shape));
        out << "  " << point.label << (point.sample ? " (sample)" : "") << "  " << joined(point.inputs, " + ") << "  ";
        if (point.ran)
            out << "ran -> " << (shapes.empty() ? "no tensor output" : joined(shapes, ", ")) << (point.diverged ? "  [another path]" : "");
        else
            out << "FAILED" << (point.errorNode >= 0 ? " at node #" + std::to_string(point.errorNode) : "") << ": " << point.error;
        out << "\n      " << decisionsText(point) << "\n";
    }
}

}  // namespace

void printSummary(std::ostream& out, const Report& report) {
    out << report.file << "\n";
    out << "  format     " << (report.format == "lite" ? "Lite Interpreter" : "TorchScript") << " (" << report.container;
    if (report.fileFormatVersion >= 0) out << ", file format " << report.fileFormatVersion;
    if (report.bytecodeVersion >= 0) out << ", bytecode v" << report.bytecodeVersion;
    out << "), " << humanBytes(report.fileBytes) << "\n";

    out << "  methods   ";
    for (const Method& method : report.methods) out << " " << method.name << " (" << method.origin << ")";
    out << "\n";
    if (!report.modules.empty()) {
        const ModuleInfo& root = report.modules.front();
        out << "  modules    " << report.modules.size() << ", " << root.totalParameters << " parameters, "
            << humanBytes(root.totalBytes) << " of weights\n";
    }
    for (const InputInfo& input : report.inputs)
        out << "  input      " << input.argument << ": " << formatShape(input.shape) << " " << input.dtype << " ("
            << input.source << ")\n";
    if (report.compute.measured) {
        const ComputeCost& compute = report.compute;
        out << "  compute    " << humanMacs(compute.total.macs) << ", weights "
            << humanBytes(static_cast<uint64_t>(compute.total.weightBytes)) << ", peak activations "
            << humanBytes(static_cast<uint64_t>(compute.peakActivationBytes)) << " at "
            << (compute.peakScope.empty() ? "the top module" : compute.peakScope) << "\n";
    }
    if (!report.quantizedLayers.empty()) out << "  quantized  " << report.quantizedLayers.size() << " layers\n";
    if (report.roundTrip.attempted) out << "  lite       " << describeRoundTrip(report.roundTrip) << "\n";
    out << "  operators  " << report.operators.size() << " root operators\n";

    printSweep(out, report.sweep);

    std::map<Severity, int> counts;
    for (const Finding& finding : report.findings) ++counts[finding.severity];
    out << "\nFindings: " << counts[Severity::Error] << " error(s), " << counts[Severity::Warning]
        << " warning(s), " << counts[Severity::Info] << " info\n";
    for (const Finding& finding : report.findings) {
        out << "  " << finding.id << " [" << severityName(finding.severity) << "] " << finding.category;
        // The id is what --json and scripts match; the title says it in words.
        if (const FindingCategory* category = findFindingCategory(finding.category)) out << " (" << category->title << ")";
        const std::string location = where(finding.source);
        if (!location.empty()) out << " at " << location;
        out << "\n      " << finding.message << "\n      -> " << finding.advice << "\n";
    }
    printExportReadiness(out, exportReadiness(report));
}

void printExportReadiness(std::ostream& out, const ExportReadiness& readiness) {
    out << "\ntorch.export readiness: " << (readiness.ready ? "nothing blocks" : "blocked") << "\n  " << readiness.summary
        << "\n";
    for (const ExportItem& item : readiness.items) {
        out << "  [" << exportImpactName(item.impact) << "] " << item.title;
        const std::string location = where(item.source);
        if (!location.empty()) out << " at " << location;
        if (!item.findingId.empty()) out << " (" << item.findingId << " " << item.findingCategory << ")";
        out << "\n      " << item.detail << "\n      -> " << item.action << "\n";
    }
    if (!readiness.dynamicDims.empty()) {
        out << "  dynamic shapes to declare:";
        for (const DynamicDim& dim : readiness.dynamicDims)
            out << " " << dim.argument << "[" << dim.dim << "] as Dim(\"" << dim.name << "\")";
        out << "\n";
    }
    out << "  checked:\n";
    for (const std::string& line : readiness.checked) out << "    " << line << "\n";
}

}  // namespace ptl::cli
