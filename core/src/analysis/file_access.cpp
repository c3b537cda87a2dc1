// Model code that opens files by name (torch.save, torch.from_file) when it runs: on a phone it
// reads or writes the app's files; on this computer PTL Studio's worker runs it with file writes
// blocked (app/cli/sandbox.h), or refuses to run it where the kernel offers no sandbox.
#include "analysis/analyses.h"

#include "ptl/op_kinds.h"
#include "session/file_access.h"

namespace ptl::detail {

namespace {

constexpr const char* kAdvice =
    "Remove file access from the model's methods: save or load tensors in the app, and pass them in and out of "
    "forward. PTL Studio runs the model's code with file writes blocked outside its output folder.";

}  // namespace

void analyzeFileAccess(Inspection& inspection) {
    for (const MethodGraph& graph : inspection.graphs)
        for (const torch::jit::Node* node : fileAccessNodes(*graph.graph))
            inspection.addNodeFinding(graph, node, Severity::Error, "security.file-access",
                                      graph.name + " calls " + describeFileAccess(node) +
                                          ": running the model opens a file by name",
                                      kAdvice);
    if (!inspection.graphs.empty()) return;
    // Bytecode without code: only the operator list tells.
    for (const std::string& op : inspection.report.operators)
        if (isFileAccessOp(op.substr(0, op.find('.'))))
            inspection.addFinding(Severity::Error, "security.file-access",
                                  "the bytecode calls " + op + ": running the model opens a file by name", kAdvice);
}

}  // namespace ptl::detail
