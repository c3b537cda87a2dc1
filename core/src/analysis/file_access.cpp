// Model code that opens files by name (torch.save, torch.from_file) when it runs: on a phone it
// reads or writes the app's files; on this computer PTL Studio's worker runs it with file writes
// blocked (app/cli/sandbox.h), or refuses to run it where the kernel offers no sandbox.
#include "analysis/analyses.h"

#include "ptl/op_kinds.h"
#include "session/file_access.h"

#include <algorithm>

namespace ptl::detail {

namespace {

constexpr const char* kAdvice =
    "Remove file access from the model's methods: save or load tensors in the app, and pass them in and out of "
    "forward. PTL Studio runs the model's code with file writes blocked outside its output folder.";

// Methods that are not drawn but still run: __setstate__ when the model is loaded, helpers of
// submodules. Their findings name the method; they have no node in a drawn graph.
void analyzeUndrawnMethods(Inspection& inspection) {
    const torch::jit::Module* root = inspection.module();
    if (!root) return;
    for (const torch::jit::NameModule& named : root->named_modules()) {
        for (const torch::jit::Method& method : named.value.get_methods()) {
            const bool drawn = named.name.empty() && std::any_of(inspection.graphs.begin(), inspection.graphs.end(),
                                                                  [&](const MethodGraph& graph) { return graph.name == method.name(); });
            if (drawn) continue;
            const std::string where = (named.name.empty() ? std::string() : named.name + ".") + method.name();
            for (const torch::jit::Node* node : fileAccessNodes(*method.graph()))
                inspection.addFinding(Severity::Error, "security.file-access",
                                      where + " calls " + describeFileAccess(node) + ": running the model opens a file by name",
                                      kAdvice);
        }
    }
}

}  // namespace

void analyzeFileAccess(Inspection& inspection) {
    for (const MethodGraph& graph : inspection.graphs)
        for (const torch::jit::Node* node : fileAccessNodes(*graph.graph))
            inspection.addNodeFinding(graph, node, Severity::Error, "security.file-access",
                                      graph.name + " calls " + describeFileAccess(node) +
                                          ": running the model opens a file by name",
                                      kAdvice);
    analyzeUndrawnMethods(inspection);
    const bool found = std::any_of(inspection.report.findings.begin(), inspection.report.findings.end(),
                                   [](const Finding& finding) { return finding.category == "security.file-access"; });
    if (found) return;
    // Bytecode without code, or code the session could not read: the operator list tells.
    for (const std::string& op : inspection.report.operators)
        if (isFileAccessOp(op.substr(0, op.find('.'))))
            inspection.addFinding(Severity::Error, "security.file-access",
                                  "the bytecode calls " + op + ": running the model opens a file by name", kAdvice);
}

}  // namespace ptl::detail
