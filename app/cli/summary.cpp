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
