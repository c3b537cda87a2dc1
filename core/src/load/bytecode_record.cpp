// Reading bytecode.pkl's function tables; see bytecode_record.h.
#include "load/bytecode_record.h"

#include "load/bytecode_check.h"

#include <vector>

namespace ptl::detail {

namespace {

using Kind = PickleValue::Kind;
using Items = std::vector<PickleValue>;

const Items* tupleOf(const PickleValue& value) { return value.kind == Kind::Tuple ? value.items.get() : nullptr; }

// Row `index` of a code table, which must be (name, value): LibTorch's expect_field.
const PickleValue* field(const Items& table, size_t index, const char* name) {
    if (index >= table.size()) return nullptr;
    const Items* row = tupleOf(table[index]);
    if (!row || row->size() < 2 || (*row)[0].kind != Kind::String || (*row)[0].text != name) return nullptr;
    return &(*row)[1];
}

// Fills `tables` from one (name, code table, schema) entry; returns what is wrong with its layout.
std::string readFunction(const PickleValue& entry, int64_t version, BytecodeFunction& tables) {
    const Items* parts = tupleOf(entry);
    // The loader takes parts 0 and 1, and from version 5 on part 2 (the schema), without counting them.
    const size_t needed = version > 4 ? 3 : 2;
    if (!parts || parts->size() < needed || (*parts)[0].kind != Kind::String)
        return "is not a (name, code, schema) tuple";
    tables.name = (*parts)[0].text;
    const std::string where = "'" + tables.name + "' ";
    const Items* code = tupleOf((*parts)[1]);
    if (!code) return where + "has no code table";
    const PickleValue* instructions = field(*code, 0, "instructions");
    const PickleValue* operators = field(*code, 1, "operators");
    const PickleValue* constants = field(*code, 2, "constants");
    const PickleValue* types = field(*code, 3, "types");
    const PickleValue* registers = field(*code, 4, "register_size");
    if (!instructions || !tupleOf(*instructions) || !operators || !tupleOf(*operators) || !constants ||
        !tupleOf(*constants) || !types || !tupleOf(*types) || !registers || registers->kind != Kind::Int)
        return where + "lacks its instructions, operators, constants, types or register size";
    const Items& list = *tupleOf(*instructions);
    for (size_t pc = 0; pc < list.size(); ++pc) {
        const Items* in = tupleOf(list[pc]);
        if (!in || in->size() != 3 || (*in)[0].kind != Kind::String || (*in)[1].kind != Kind::Int ||
            (*in)[2].kind != Kind::Int)
            return where + "has instruction " + std::to_string(pc) + " that is not (name, X, N)";
        // As the loader stores them: X in an int, N in an int and then 16 bits.
        tables.instructions.push_back({opcodeNamed((*in)[0].text), static_cast<int32_t>((*in)[1].number),
                                       static_cast<uint16_t>(static_cast<int32_t>((*in)[2].number))});
    }
    tables.operators = tupleOf(*operators)->size();
    tables.constants = tupleOf(*constants)->size();
    tables.types = tupleOf(*types)->size();
    tables.functions = 0;  // CALL targets exist only once the loader adds its upgraders
    tables.registers = registers->number;
    return {};
}

}  // namespace

std::string bytecodeRecordProblem(const PickleValue& bytecode) {
    const std::string prefix = "record 'bytecode.pkl': ";
    const Items* entries = tupleOf(bytecode);
    if (!entries || entries->empty()) return prefix + "not a tuple of functions";
    // Files without a leading version number are read as version 3 (and refused by the loader).
    int64_t version = 3;
    size_t first = 0;
    if ((*entries)[0].kind == Kind::Int) {
        version = (*entries)[0].number;
        first = 1;
    }
    for (size_t i = first; i < entries->size(); ++i) {
        BytecodeFunction tables;
        const std::string layout = readFunction((*entries)[i], version, tables);
        if (!layout.empty()) return prefix + "function " + std::to_string(i - first) + " " + layout;
        std::string problem = bytecodeProblem(tables);
        if (!problem.empty()) return problem;
    }
    return {};
}

}  // namespace ptl::detail
