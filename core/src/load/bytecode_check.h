// Operand checks of Lite Interpreter bytecode, before anything runs it. LibTorch 1.13's
// interpreter indexes its tables with instruction operands unchecked, so one out-of-range
// operand is a read or write outside memory. Plain tables, so both the flatbuffer check (before
// LibTorch parses the file) and the loaded module's check (zip .ptl) use the same rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptl::detail {

struct BytecodeInstruction {
    int op = 0;        // torch::jit::OpCode
    int32_t x = 0;
    uint16_t n = 0;
};

// One function's instructions and the sizes of the tables its operands index.
struct BytecodeFunction {
    std::string name;
    std::vector<BytecodeInstruction> instructions;
    size_t operators = 0;
    size_t constants = 0;
    size_t types = 0;
    size_t functions = 0;   // CALL targets
    int64_t registers = 0;  // register_size; registers are numbered 1..registers
};

// A function's register count: exporters number one register per value of the graph, and the
// 20k-node benchmark model stays far below this; 2^22 registers would already take 64 MiB per call.
constexpr int64_t kMaxBytecodeRegisters = int64_t(1) << 22;

// Empty when every operand is in range and execution cannot run off the end; otherwise one
// line naming the function, the instruction and the problem.
std::string bytecodeProblem(const BytecodeFunction& function);

// "LOADC", "OP", ... or "opcode 200" for a number the interpreter does not know.
std::string opcodeName(int op);

// The opcode a bytecode.pkl names: like LibTorch's parseOpCode, OP for a name it does not know.
int opcodeNamed(std::string_view name);

}  // namespace ptl::detail
