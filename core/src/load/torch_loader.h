// Loading with LibTorch, after the file passed openModelFile's checks: the full JIT for files
// that carry TorchScript code, the Lite Interpreter for bytecode.
#pragma once

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

// Bytecode in the Lite Interpreter, with the phone's quantized engine, after every function's
// bytecode passed checkLiteModule (else BrokenBytecode). LibTorch's errors pass through: callers
// word them for their stage.
torch::jit::mobile::Module loadLiteModule(const std::string& path);

}  // namespace ptl::detail
