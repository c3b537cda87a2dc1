// A worker runs the model's own code (its forward on sample inputs, calibration, the round trip,
// the benchmark, __setstate__ at load), so it gives up the right to write files before it reads
// the model: Landlock, where the kernel has it, leaves only the folders a job must write to.
#pragma once

#include <string>
#include <vector>

namespace ptl::cli {

struct SandboxResult {
    bool applied = false;
    std::string how;  // "Landlock ABI 7", or why no sandbox could be set up
};

// Forbids, for this thread and every thread and process it starts from now on, creating,
// writing, truncating, renaming or removing files anywhere but below `writableFolders` (and
// writing to /dev/null). Reading stays allowed. Call it before starting threads: threads that
// already run keep their rights.
SandboxResult restrictFileWrites(const std::vector<std::string>& writableFolders);

}  // namespace ptl::cli
