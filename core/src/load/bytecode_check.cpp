// Operand ranges of Lite bytecode; see bytecode_check.h. Operand meanings follow LibTorch 1.13's
// torch/csrc/jit/runtime/instruction.h and mobile/interpreter.cpp.
#include "load/bytecode_check.h"

#include <torch/csrc/jit/runtime/instruction.h>

#include <iterator>

namespace ptl::detail {

namespace {

using namespace torch::jit;

const char* const kOpcodeNames[] = {
#define PTL_OPCODE_NAME(op, _) #op,
    FORALL_OPCODES(PTL_OPCODE_NAME)
#undef PTL_OPCODE_NAME
};
constexpr int kOpcodeCount = static_cast<int>(std::size(kOpcodeNames));

// The opcodes the Lite Interpreter accepts (isOpSupportedInMobile).
bool runsInLite(int op) {
    switch (op) {
    case OP: case OPN: case LOAD: case MOVE: case STOREN: case STORE: case DROP: case DROPR: case LOADC:
    case JF: case JMP: case LOOP: case RET: case GET_ATTR: case SET_ATTR: case LIST_CONSTRUCT:
    case TUPLE_CONSTRUCT: case WARN: case INTERFACE_CALL: case LIST_UNPACK: case TUPLE_SLICE:
    case DICT_CONSTRUCT: case NAMED_TUPLE_CONSTRUCT: case CREATE_OBJECT: case ISINSTANCE: case CALL:
    case RAISE_EXCEPTION: case UNCHECKED_CAST: case __IS__: case UN_INITIALIZED: case __ISNOT__: case FORMAT:
    case DEVICE: case DICT_INDEX: case DTYPE: case TUPLE_INDEX: case DIM: case __NOT__: case TO_LIST:
    case NUM_TO_TENSOR: case IS_CUDA:
        return true;
    default:
        return false;
    }
}

std::string inRange(const char* what, int64_t index, size_t size) {
    if (index >= 0 && static_cast<uint64_t>(index) < size) return {};
    return std::string("refers to ") + what + " " + std::to_string(index) + " of " + std::to_string(size);
}

std::string registerRange(int64_t first, int64_t count, int64_t registers) {
    if (first >= 1 && count >= 0 && first + count - 1 <= registers) return {};
    return "refers to register " + std::to_string(first + (first >= 1 ? count - 1 : 0)) + " of " +
           std::to_string(registers) + " (registers are numbered from 1)";
}

// The problem with one instruction's operands, or "" when they are in range.
std::string operandProblem(const BytecodeFunction& function, size_t pc) {
    const BytecodeInstruction& in = function.instructions[pc];
    const int64_t size = static_cast<int64_t>(function.instructions.size());
    auto jumpTo = [&](int64_t offset) -> std::string {
        const int64_t target = static_cast<int64_t>(pc) + offset;
        if (offset == 0) return "jumps to itself (an endless loop)";
        if (target < 0 || target >= size)
            return "jumps to instruction " + std::to_string(target) + " outside the function (0.." +
                   std::to_string(size - 1) + ")";
        return {};
    };
    switch (in.op) {
    case OP: case OPN: return inRange("operator", in.x, function.operators);
    case LOADC: return inRange("constant", in.x, function.constants);
    case INTERFACE_CALL:
        if (in.n == 0) return "calls a method with no object";
        return inRange("constant", in.x, function.constants);
    case LOAD: case MOVE: case STORE: case DROPR: return registerRange(in.x, 1, function.registers);
    case STOREN: return registerRange(in.x, in.n, function.registers);
    case JF: case JMP: return jumpTo(in.x);
    case LOOP:
        if (in.n < 2) return "loop with " + std::to_string(in.n) + " stack operands (at least 2)";
        return jumpTo(in.x);
    case LIST_CONSTRUCT: case DICT_CONSTRUCT: case NAMED_TUPLE_CONSTRUCT: case CREATE_OBJECT:
        return inRange("type", in.x, function.types);
    case ISINSTANCE:
        if (in.x < 0 || static_cast<uint64_t>(in.x) + in.n > function.types)
            return "refers to types " + std::to_string(in.x) + ".." + std::to_string(int64_t(in.x) + in.n - 1) +
                   " of " + std::to_string(function.types);
        return {};
    case CALL: return inRange("function", in.x, function.functions);
    case GET_ATTR: case SET_ATTR:
        return in.x < 0 ? "refers to attribute slot " + std::to_string(in.x) : std::string();
    case LIST_UNPACK: case TUPLE_CONSTRUCT: case FORMAT: case TUPLE_SLICE:
        return in.x < 0 ? "has a negative count " + std::to_string(in.x) : std::string();
    default: return {};
    }
}

// Instructions after which execution continues with the next one.
bool fallsThrough(int op) { return op != RET && op != JMP; }

}  // namespace

std::string opcodeName(int op) {
    if (op >= 0 && op < kOpcodeCount) return kOpcodeNames[op];
    return "opcode " + std::to_string(op);
}

int opcodeNamed(std::string_view name) {
    for (int op = 0; op < kOpcodeCount; ++op)
        if (name == kOpcodeNames[op]) return op;
    return OP;
}

std::string bytecodeProblem(const BytecodeFunction& function) {
    const std::string prefix = "bytecode of '" + function.name + "': ";
    if (function.instructions.empty()) return prefix + "the function has no instructions";
    if (function.registers < 0) return prefix + "negative register count " + std::to_string(function.registers);
    // The interpreter allocates every register (16 bytes each) on each call, before the first instruction.
    if (function.registers > kMaxBytecodeRegisters)
        return prefix + "declares " + std::to_string(function.registers) + " registers, over the " +
               std::to_string(kMaxBytecodeRegisters) + " a model's function can use";
    for (size_t pc = 0; pc < function.instructions.size(); ++pc) {
        const BytecodeInstruction& in = function.instructions[pc];
        const std::string where = prefix + "instruction " + std::to_string(pc) + " (" + opcodeName(in.op) + " " +
                                  std::to_string(in.x) + " " + std::to_string(in.n) + ") ";
        if (!runsInLite(in.op)) return where + "is not an instruction the Lite Interpreter runs";
        const std::string problem = operandProblem(function, pc);
        if (!problem.empty()) return where + problem;
        if (fallsThrough(in.op) && pc + 1 == function.instructions.size())
            return where + "is the last one but does not return: execution would run past the function's end";
    }
    return {};
}

}  // namespace ptl::detail
