// The nodes of a graph that open files by name (ptl/op_kinds.h isFileAccessOp), for the
// security.file-access analysis and for refusing to run such code without a sandbox.
#pragma once

#include "session/session_state.h"

#include <string>
#include <vector>

namespace ptl::detail {

// In graph order, nested blocks (if and loop bodies) included.
std::vector<const torch::jit::Node*> fileAccessNodes(const torch::jit::Graph& graph);

// "aten::save(..., \"/tmp/x.pt\")": the op and the file name when it is a constant.
std::string describeFileAccess(const torch::jit::Node* node);

// Throws ModelError when forward opens files and setFileAccessInModelCodeAllowed(false) is in
// force; called before forward first runs.
void refuseUncontainedFileAccess(const Session::State& state);

}  // namespace ptl::detail
