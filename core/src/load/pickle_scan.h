// Walks the opcodes of a pickle without executing it: finds truncation and garbage, and lists
// the globals it would import, so that a hostile or damaged pickle is refused with a clear
// message before LibTorch's unpickler sees it.
#pragma once

#include <string>
#include <vector>

namespace ptl {

struct PickleScan {
    std::vector<std::string> globals;  // "module.name" for every GLOBAL / STACK_GLOBAL
};

// Throws std::runtime_error naming the problem and the byte offset.
PickleScan scanPickle(const std::string& bytes);

// Globals that TorchScript's own pickler writes; anything else means the file was not
// produced by torch.jit.save / _save_for_lite_interpreter.
bool isTorchScriptGlobal(const std::string& global);

}  // namespace ptl
