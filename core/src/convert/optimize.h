// optimize_for_mobile with each pass selectable by the names the CLI and reports use, and the
// op counts of forward before and after.
#pragma once

#include "ptl/convert.h"

#include <torch/script.h>

#include <map>
#include <string>
#include <vector>

namespace ptl::detail {

std::map<std::string, int64_t> opCounts(const torch::jit::Module& module);  // forward's ops, inlined
// Forward's ops whose count changed, by name.
std::vector<OpCountChange> opChanges(const std::map<std::string, int64_t>& before,
                                     const std::map<std::string, int64_t>& after);

// Runs optimize_for_mobile without the skipped passes (names checked by checkConvertOptions);
// `applied` receives the names of the passes that ran. LibTorch's errors pass through.
torch::jit::Module optimizeForMobile(const torch::jit::Module& module, const std::vector<std::string>& skipped,
                                     const std::vector<std::string>& preservedMethods, std::vector<std::string>& applied);

}  // namespace ptl::detail
