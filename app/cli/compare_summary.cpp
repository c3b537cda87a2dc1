#include "compare_summary.h"

#include "ptl/input_spec.h"

#include <algorithm>
#include <cstdio>

namespace ptl::cli {

namespace {

std::string describe(const ComparedModel& model) {
    return model.file + " (" + (model.origin.empty() ? model.format : model.origin) + ", " +
           humanBytes(static_cast<uint64_t>(model.fileBytes)) + ", " + std::to_string(model.parameters) +
           " parameters, " + std::to_string(model.nodes) + " nodes)";
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : separator) + part;
    return text;
}

std::string outputShapes(const SweepPoint& point) {
    std::vector<std::string> shapes;
    for (const auto& shape : point.outputShapes) shapes.push_back(formatShape(shape));
    return shapes.empty() ? "-" : joined(shapes, ", ");
}

std::string format(const char* pattern, double value) {
    char text[32];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

void printOps(std::ostream& out, const Comparison& comparison) {
    std::vector<OpCountDiff> changed;
    for (const OpCountDiff& op : comparison.ops)
        if (op.delta() != 0) changed.push_back(op);
    out << "  ops        " << comparison.ops.size() << " op kinds, " << changed.size() << " with another count in B\n";
    for (const OpCountDiff& op : changed) {
        char line[160];
        std::snprintf(line, sizeof line, "    %-36s %5lld -> %-5lld (%+lld)\n", op.op.c_str(), static_cast<long long>(op.a),
                      static_cast<long long>(op.b), static_cast<long long>(op.delta()));
        out << line;
    }
}

void printModules(std::ostream& out, const Comparison& comparison) {
    auto count = [&](const char* change) {
        return std::count_if(comparison.modules.begin(), comparison.modules.end(),
                             [change](const ModuleDiff& diff) { return diff.change == change; });
    };
    out << "  modules    " << count("changed") << " changed, " << count("added") << " added (only in B), "
        << count("removed") << " removed (only in A)\n";
    for (const ModuleDiff& diff : comparison.modules) {
        const std::string path = diff.path.empty() ? "(top module)" : diff.path;
        out << "    " << diff.change << " " << path;
        if (diff.change == "added") out << ": " << diff.typeB;
        if (diff.change == "removed") out << ": " << diff.typeA;
        if (diff.change == "changed" && diff.typeA != diff.typeB) out << ": " << diff.typeA << " -> " << diff.typeB;
        out << "\n";
        for (const OpCountDiff& op : diff.ops)
            out << "        " << op.op << " " << op.a << " -> " << op.b << "\n";
        for (const std::string& tensor : diff.tensors) out << "        " << tensor << "\n";
    }
}

// The conclusion a reviewer looks for: at which shapes each model fails.
void printFailingShapes(std::ostream& out, const Comparison& comparison) {
    for (const char side : {'A', 'B'}) {
        std::vector<std::string> failed, ran;
        for (const ComparedPoint& point : comparison.points)
            ((side == 'A' ? point.a : point.b).ran ? ran : failed).push_back(point.label);
        out << "  " << side << "          ";
        if (failed.empty())
            out << "runs at all " << comparison.points.size() << " shapes\n";
        else
            out << "FAILS at " << joined(failed, ", ") << " (" << failed.size() << " of " << comparison.points.size()
                << " shapes)" << (ran.empty() ? "" : "; runs at " + joined(ran, ", ")) << "\n";
    }
}

void printPoints(std::ostream& out, const Comparison& comparison) {
    if (!comparison.outputProblem.empty()) {
        out << "  outputs    not compared: " << comparison.outputProblem << "\n";
        return;
    }
    out << "  outputs    the same inputs fed to both, per shape" << (comparison.sweepSpec.empty() ? "" : " (" + comparison.sweepSpec + ")")
        << ":\n";
    char header[200];
    std::snprintf(header, sizeof header, "    %-22s %-26s %-7s %-7s %-11s %-9s %s\n", "shape", "inputs", "A", "B",
                  "max abs", "cosine", "outputs (A | B)");
    out << header;
    for (const ComparedPoint& point : comparison.points) {
        char line[400];
        const std::string label = point.label + (point.a.sample ? " *" : "");
        std::snprintf(line, sizeof line, "    %-22s %-26s %-7s %-7s %-11s %-9s %s | %s\n", label.c_str(),
                      joined(point.inputs, "+").c_str(), point.a.ran ? "ran" : "failed", point.b.ran ? "ran" : "failed",
                      point.compared ? format("%.3g", point.maxAbsDiff).c_str() : "-",
                      point.compared ? format("%.5f", point.cosine).c_str() : "-", outputShapes(point.a).c_str(),
                      outputShapes(point.b).c_str());
        out << line;
        if (!point.a.ran) out << "        A: " << point.a.error << "\n";
        if (!point.b.ran) out << "        B: " << point.b.error << "\n";
        if (point.a.ran && point.b.ran && !point.compared) out << "        outputs differ in structure or shape\n";
        if (point.a.diverged) out << "        A takes another branch or loop count than at the sample shape\n";
        if (point.b.diverged) out << "        B takes another branch or loop count than at the sample shape\n";
    }
    out << "    (* the sample input's shape)\n";
    printFailingShapes(out, comparison);
}

}  // namespace

void printComparison(std::ostream& out, const Comparison& comparison) {
    out << "A  " << describe(comparison.a) << "\n";
    out << "B  " << describe(comparison.b) << "\n";
    printOps(out, comparison);
    printModules(out, comparison);
    printPoints(out, comparison);
}

}  // namespace ptl::cli
