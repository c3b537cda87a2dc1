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
    // Lite bytecode (zip) whose operands LibTorch's loader would follow outside its tables: one
    // line, and the Lite Interpreter never loads the file. Empty for sound bytecode (flatbuffer
    // files with damaged bytecode are refused outright).
    std::string bytecodeProblem;
};

// Throws ModelError with one line naming the problem.
ModelFile openModelFile(const std::string& path);

}  // namespace ptl
