// A model file identified by its content (zip or flatbuffer, TorchScript or Lite bytecode), its
// container checked before LibTorch opens it.
#pragma once

#include "ptl/report.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ptl {

struct ModelFile {
    std::string path;
    uint64_t bytes = 0;
    std::string container;           // "zip" or "flatbuffer"
    std::string format;              // "torchscript" or "lite"
    bool hasCode = false;            // TorchScript code records present (full JIT can load it)
    int64_t fileFormatVersion = -1;
    std::vector<ExtraFile> extraFiles;
};

// Throws ModelError with one line naming the problem.
ModelFile openModelFile(const std::string& path);

}  // namespace ptl
