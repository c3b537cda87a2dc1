// Symbolic runs of Lite bytecode and the loaded module's check; see bytecode_machine.h. Stack use
// per opcode follows LibTorch 1.13's mobile/interpreter.cpp and runtime/vararg_functions.cpp.
#include "load/bytecode_machine.h"

#include "load/bytecode_check.h"

#include <ATen/core/dynamic_type.h>
#include <torch/csrc/jit/mobile/function.h>
#include <torch/csrc/jit/runtime/instruction.h>
#include <torch/csrc/jit/runtime/operator.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace ptl::detail {

namespace {

using namespace torch::jit;

struct MachineState {
    std::vector<int> stack;
    std::vector<int> registers;  // index 1..register_size; -1 when empty
};

// How many values an instruction pops and pushes; -1 when it cannot be known statically.
struct StackUse {
    int pops = 0;
    int pushes = 0;
};

class SymbolicRun {
public:
    explicit SymbolicRun(const mobile::Function& function) : function_(function), code_(function.get_code()) {}

    MachineRun run() {
        MachineState start;
        start.registers.assign(code_.register_size_ + 1, -1);
        for (size_t i = 0; i < argumentCount(); ++i) {
            result_.arguments.push_back(newValue());
            start.stack.push_back(result_.arguments.back());
        }
        entryDepth_.assign(code_.instructions_.size(), -1);
        pending_.emplace(0, std::move(start));
        while (!pending_.empty() && result_.problem.empty()) {
            auto next = pending_.begin();
            const size_t pc = next->first;
            MachineState state = std::move(next->second);
            pending_.erase(next);
            runFrom(pc, state);
        }
        if (!returns_ && result_.problem.empty())
            result_.problem = "bytecode of '" + function_.qualname().qualifiedName() +
                              "': no path through its instructions reaches a return, so it would never end";
        std::sort(result_.steps.begin(), result_.steps.end(),
                  [](const MachineStep& a, const MachineStep& b) { return a.pc < b.pc; });
        return std::move(result_);
    }

private:
    size_t argumentCount() const {
        if (function_.hasSchema()) return function_.getSchema().arguments().size();
        // Without a schema (old bytecode) the first STOREN says how many arguments arrive.
        const auto& first = code_.instructions_.front();
        return first.op == STOREN ? first.N : 0;
    }

    int newValue() { return result_.values++; }

    void fail(size_t pc, const std::string& problem) {
        if (!result_.exact || !result_.problem.empty()) return;
        const Instruction& in = code_.instructions_[pc];
        result_.problem = "bytecode of '" + function_.qualname().qualifiedName() + "': instruction " +
                          std::to_string(pc) + " (" + opcodeName(in.op) + " " + std::to_string(in.X) + " " +
                          std::to_string(in.N) + ") " + problem;
    }

    // Reaching pc with this stack depth: false when pc was already run (paths must agree).
    bool arrive(size_t pc, const MachineState& state) {
        if (entryDepth_[pc] < 0) {
            entryDepth_[pc] = static_cast<int64_t>(state.stack.size());
            return true;
        }
        if (entryDepth_[pc] != static_cast<int64_t>(state.stack.size()))
            fail(pc, "is reached with " + std::to_string(state.stack.size()) + " and with " +
                         std::to_string(entryDepth_[pc]) + " stack values");
        return false;
    }

    void branch(size_t target, const MachineState& state) {
        if (entryDepth_[target] >= 0) {
            arrive(target, state);
            return;
        }
        const auto queued = pending_.find(target);
        if (queued == pending_.end())
            pending_.emplace(target, state);
        else if (queued->second.stack.size() != state.stack.size())
            fail(target, "is reached with different stack depths");
    }

    std::vector<int> pop(MachineState& state, size_t pc, size_t count) {
        if (state.stack.size() < count) {
            fail(pc, "needs " + std::to_string(count) + " stack values but finds " + std::to_string(state.stack.size()));
            while (state.stack.size() < count) state.stack.insert(state.stack.begin(), newValue());
        }
        std::vector<int> values(state.stack.end() - static_cast<std::ptrdiff_t>(count), state.stack.end());
        state.stack.resize(state.stack.size() - count);
        return values;
    }

    int& reg(MachineState& state, int64_t index) { return state.registers.at(static_cast<size_t>(index)); }

    StackUse operatorUse(const Instruction& in, MachineStep& step) {
        const size_t index = static_cast<size_t>(in.X);
        step.schema = schemaOf(index);
        if (in.op == OPN) return {static_cast<int>(in.N), step.schema ? int(step.schema->returns().size()) : 1};
        if (!step.schema || step.schema->is_vararg() || step.schema->is_varret()) {
            result_.exact = false;
            const int specified = index < code_.operator_input_sizes_.size() ? code_.operator_input_sizes_[index] : -1;
            return {std::max(specified, 0), 1};
        }
        int pops = static_cast<int>(step.schema->arguments().size());
        if (index < code_.operator_input_sizes_.size() && code_.operator_input_sizes_[index] >= 0)
            pops = code_.operator_input_sizes_[index];
        return {pops, static_cast<int>(step.schema->returns().size())};
    }

    // The registry keeps its operators alive, so their schemas outlive the run.
    const c10::FunctionSchema* schemaOf(size_t index) {
        const auto known = schemas_.find(index);
        if (known != schemas_.end()) return known->second;
        const std::shared_ptr<Operator> op = findOperatorFor(code_.op_names_[index]);
        return schemas_[index] = op ? &op->schema() : nullptr;
    }

    StackUse callUse(const Instruction& in) {
        const mobile::Function* callee = code_.functions_[static_cast<size_t>(in.X)];
        if (!callee || !callee->hasSchema()) {
            result_.exact = false;
            return {0, 1};
        }
        return {static_cast<int>(callee->getSchema().arguments().size()),
                static_cast<int>(callee->getSchema().returns().size())};
    }

    // Stack use of the instructions that make or consume values.
    StackUse valueUse(const Instruction& in, MachineStep& step) {
        switch (in.op) {
        case OP: case OPN: return operatorUse(in, step);
        case CALL: return callUse(in);
        case INTERFACE_CALL: return {in.N, 1};
        case LOADC: case UN_INITIALIZED: case CREATE_OBJECT: return {0, 1};
        case GET_ATTR: case ISINSTANCE: case TUPLE_SLICE: case DEVICE: case DTYPE: case DIM: case __NOT__:
        case NUM_TO_TENSOR: case IS_CUDA: case UNCHECKED_CAST: return {1, 1};
        case SET_ATTR: return {2, 0};
        case LIST_CONSTRUCT: case DICT_CONSTRUCT: case NAMED_TUPLE_CONSTRUCT: return {in.N, 1};
        case TUPLE_CONSTRUCT: case FORMAT: return {in.X, 1};
        case LIST_UNPACK: return {1, in.X};
        case TUPLE_INDEX: case DICT_INDEX: case __IS__: case __ISNOT__: return {2, 1};
        case TO_LIST: return {3, 1};
        case RAISE_EXCEPTION: case WARN: return {2, 0};
        default: return {0, 0};
        }
    }

    void record(size_t pc, MachineState& state) {
        const Instruction& in = code_.instructions_[pc];
        MachineStep step;
        step.pc = pc;
        const StackUse use = valueUse(in, step);
        step.inputs = pop(state, pc, static_cast<size_t>(use.pops));
        for (int i = 0; i < use.pushes; ++i) {
            step.outputs.push_back(newValue());
            state.stack.push_back(step.outputs.back());
        }
        result_.steps.push_back(std::move(step));
    }

    // Runs straight on from pc until a return, an instruction already run or a problem.
    void runFrom(size_t pc, MachineState& state) {
        while (result_.problem.empty() && arrive(pc, state)) {
            const Instruction& in = code_.instructions_[pc];
            switch (in.op) {
            case LOAD: case MOVE: {
                int& value = reg(state, in.X);
                if (value < 0) value = newValue();  // an empty register reads as None
                state.stack.push_back(value);
                if (in.op == MOVE) value = -1;
                break;
            }
            case STORE: reg(state, in.X) = pop(state, pc, 1).front(); break;
            case STOREN: {
                const std::vector<int> values = pop(state, pc, in.N);
                for (size_t i = 0; i < values.size(); ++i) reg(state, in.X + static_cast<int64_t>(i)) = values[i];
                break;
            }
            case DROP: pop(state, pc, 1); break;
            case DROPR: reg(state, in.X) = -1; break;
            case JF:
                pop(state, pc, 1);
                branch(pc + in.X, state);
                break;
            case JMP: pc += in.X; continue;
            case LOOP: {
                if (state.stack.size() < static_cast<size_t>(in.N) + 1) {
                    fail(pc, "needs " + std::to_string(in.N + 1) + " stack values but finds " +
                                 std::to_string(state.stack.size()));
                    return;
                }
                MachineState exit = state;  // the loop's end: counter, limit and condition dropped
                const auto frame = exit.stack.end() - (in.N + 1);
                exit.stack.erase(frame, frame + 3);
                branch(pc + in.X, exit);
                break;
            }
            case RET:
                if (!returns_) result_.results = state.stack;
                returns_ = true;
                return;
            default: record(pc, state); break;
            }
            ++pc;
        }
    }

    const mobile::Function& function_;
    const mobile::Code& code_;
    MachineRun result_;
    bool returns_ = false;  // a RET was reached
    std::vector<int64_t> entryDepth_;
    std::map<size_t, MachineState> pending_;
    std::unordered_map<size_t, const c10::FunctionSchema*> schemas_;
};

BytecodeFunction tablesOf(const mobile::Function& function) {
    const mobile::Code& code = function.get_code();
    BytecodeFunction tables;
    tables.name = function.qualname().qualifiedName();
    for (const Instruction& in : code.instructions_) tables.instructions.push_back({in.op, in.X, in.N});
    tables.operators = std::min({code.op_names_.size(), code.operators_.size(), code.operator_input_sizes_.size()});
    tables.constants = code.constants_.size();
    tables.types = code.types_.size();
    tables.functions = code.functions_.size();
    tables.registers = static_cast<int64_t>(code.register_size_);
    return tables;
}

// GET_ATTR and SET_ATTR on the module and the objects read from it must name existing slots: the
// interpreter indexes an object's slots unchecked.
std::string slotProblem(const mobile::Function& function, const MachineRun& run, const c10::IValue& self) {
    if (run.arguments.empty()) return {};
    std::unordered_map<int, c10::IValue> objects{{run.arguments.front(), self}};
    const auto& instructions = function.get_code().instructions_;
    for (const MachineStep& step : run.steps) {
        const Instruction& in = instructions[step.pc];
        if ((in.op != GET_ATTR && in.op != SET_ATTR) || step.inputs.empty()) continue;
        const auto object = objects.find(step.inputs.front());
        if (object == objects.end() || !object->second.isObject()) continue;
        const auto& slots = object->second.toObjectRef().slots();
        if (static_cast<size_t>(in.X) >= slots.size())
            return "bytecode of '" + function.qualname().qualifiedName() + "': instruction " + std::to_string(step.pc) +
                   " (" + opcodeName(in.op) + " " + std::to_string(in.X) + ") refers to attribute slot " +
                   std::to_string(in.X) + " of an object with " + std::to_string(slots.size());
        if (in.op == GET_ATTR && !step.outputs.empty()) objects[step.outputs.front()] = slots[static_cast<size_t>(in.X)];
    }
    return {};
}

}  // namespace

c10::TypePtr staticTypeOf(const c10::TypePtr& type) {
    if (type->kind() == c10::TypeKind::DynamicType) return static_cast<const c10::DynamicType&>(*type).fallback();
    return type;
}

MachineRun runSymbolically(const mobile::Function& function) { return SymbolicRun(function).run(); }

void checkLiteModule(const mobile::Module& module) {
    const auto self = module._ivalue();
    const std::string selfType = self->type()->name() ? self->type()->name()->qualifiedName() : "";
    // Zip files register every function in the compilation unit; LibTorch's flatbuffer loader
    // only on the class types, which get_methods reads.
    std::set<const mobile::Function*> functions;
    for (const auto& function : module.compilation_unit().methods()) functions.insert(function.get());
    for (const mobile::Method& method : module.get_methods()) functions.insert(&method.function());
    for (const mobile::Function* function : functions) {
        std::string problem = bytecodeProblem(tablesOf(*function));
        if (!problem.empty()) throw std::runtime_error(problem);
        const MachineRun run = runSymbolically(*function);
        if (!run.problem.empty()) throw std::runtime_error(run.problem);
        if (function->qualname().prefix() == selfType) problem = slotProblem(*function, run, self);
        if (!problem.empty()) throw std::runtime_error(problem);
    }
}

}  // namespace ptl::detail
