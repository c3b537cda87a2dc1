// Loading with LibTorch, after the file passed openModelFile's checks: the full JIT for files
// that carry TorchScript code, the Lite Interpreter for bytecode.
#pragma once

#include "ptl/model_file.h"

#include <torch/csrc/jit/mobile/module.h>
#include <torch/script.h>

#include <stdexcept>
#include <string>

namespace ptl::detail {

// In eval mode, with the phone's quantized engine; throws ModelError naming the file.
torch::jit::Module loadTorchScript(const std::string& path);

// Lite bytecode that would make the interpreter read or write outside its tables.
class BrokenBytecode : public std::runtime_error {
public:
    explicit BrokenBytecode(const std::string& problem)
        : std::runtime_error(problem + " (damaged bytecode: export the model again)") {}
};

// Bytecode in the Lite Interpreter, with the phone's quantized engine. BrokenBytecode, before
// LibTorch reads the file, when openModelFile found damaged operands (LibTorch's loader reads
// outside its tables on them), and after loading when a function fails checkLiteModule. LibTorch's
// errors pass through: callers word them for their stage.
torch::jit::mobile::Module loadLiteModule(const ModelFile& file);

}  // namespace ptl::detail
