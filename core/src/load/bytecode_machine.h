// Lite bytecode run symbolically: value ids instead of IValues, so the stack and registers show
// which instruction feeds which (the report's graph of a .ptl) and whether the stack can run dry
// (the interpreter pops an empty stack unchecked). Also the full check of a loaded Lite module.
#pragma once

#include <torch/csrc/jit/mobile/module.h>

#include <string>
#include <vector>

namespace ptl::detail {

// One instruction that consumes or makes values (not the register moves or jumps).
struct MachineStep {
    size_t pc = 0;
    std::vector<int> inputs;                      // value ids, in argument order
    std::vector<int> outputs;                     // value ids made here
    const c10::FunctionSchema* schema = nullptr;  // the operator's, for OP and OPN, when LibTorch knows it
};

struct MachineRun {
    int values = 0;                 // value ids are 0..values-1
    std::vector<int> arguments;     // the function's inputs (self first)
    std::vector<int> results;       // what the first reachable RET returns
    std::vector<MachineStep> steps; // in instruction order; unreachable instructions are left out
    bool exact = true;              // false when an operator's stack use is unknown (vararg, no schema)
    std::string problem;            // one line, "" when the stack never runs dry and paths agree
};

MachineRun runSymbolically(const torch::jit::mobile::Function& function);

// The TorchScript type a Lite file's DynamicType ("Dynamic<1>") stands for; other types as they are.
c10::TypePtr staticTypeOf(const c10::TypePtr& type);

// Every function of the module: operands in range (bytecode_check.h), a stack that never runs
// dry, attribute slots that exist. Throws std::runtime_error with one line.
void checkLiteModule(const torch::jit::mobile::Module& module);

}  // namespace ptl::detail
