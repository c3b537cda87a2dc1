// Graphs of Lite bytecode: each method's instructions run symbolically (load/bytecode_machine.h)
// become nodes for operators, calls, constants and the list/tuple/attribute instructions, joined
// by the values the stack and registers carry. Jumps and register moves make no nodes; bytecode
// keeps no module paths (LibTorch reads debug handles only with the TorchScript code), so nodes
// carry no scope.
#include "inspect/inspection.h"

#include "common/torch_text.h"
#include "load/bytecode_check.h"
#include "load/bytecode_machine.h"

#include <torch/csrc/jit/mobile/function.h>
#include <torch/csrc/jit/runtime/instruction.h>

#include <sstream>

namespace ptl::detail {

namespace {

using namespace torch::jit;

// The graph node kinds TorchScript gives what these instructions do.
std::string kindOf(const mobile::Code& code, const Instruction& in) {
    switch (in.op) {
    case OP: case OPN: return code.op_names_[static_cast<size_t>(in.X)].name;
    case LOADC: return "prim::Constant";
    case CALL: return "prim::CallFunction";
    case INTERFACE_CALL: return "prim::CallMethod";
    case GET_ATTR: return "prim::GetAttr";
    case SET_ATTR: return "prim::SetAttr";
    case LIST_CONSTRUCT: return "prim::ListConstruct";
    case LIST_UNPACK: return "prim::ListUnpack";
    case TUPLE_CONSTRUCT: case NAMED_TUPLE_CONSTRUCT: return "prim::TupleConstruct";
    case TUPLE_SLICE: return "prim::TupleSlice";
    case TUPLE_INDEX: return "prim::TupleIndex";
    case DICT_CONSTRUCT: return "prim::DictConstruct";
    case DICT_INDEX: return "aten::__getitem__";
    case CREATE_OBJECT: return "prim::CreateObject";
    case ISINSTANCE: return "prim::isinstance";
    case RAISE_EXCEPTION: return "prim::RaiseException";
    case UNCHECKED_CAST: return "prim::unchecked_cast";
    case __IS__: return "aten::__is__";
    case __ISNOT__: return "aten::__isnot__";
    case __NOT__: return "aten::__not__";
    case UN_INITIALIZED: return "prim::Uninitialized";
    case FORMAT: return "aten::format";
    case DEVICE: return "prim::device";
    case DTYPE: return "prim::dtype";
    case DIM: return "aten::dim";
    case TO_LIST: return "prim::tolist";
    case NUM_TO_TENSOR: return "prim::NumToTensor";
    case IS_CUDA: return "prim::is_cuda";
    case WARN: return "aten::warn";
    default: return "prim::" + opcodeName(in.op);
    }
}

std::string typeText(const c10::TypePtr& type) { return staticTypeOf(type)->annotation_str(); }

std::string constantText(const c10::IValue& value) {
    std::ostringstream text;
    if (value.isTensor()) {
        const at::Tensor& tensor = value.toTensor();
        text << "tensor(" << tensor.sizes() << ", " << dtypeName(tensor.scalar_type()) << ")";
    } else if (value.isObject()) {
        text << "<" << (value.toObjectRef().type()->name() ? value.toObjectRef().type()->name()->name() : "object") << ">";
    } else {
        text << value;
    }
    std::string result = text.str();
    if (result.size() > 200) result = result.substr(0, 197) + "...";
    return result;
}

class GraphBuilder {
public:
    explicit GraphBuilder(const mobile::Function& function) : function_(function), code_(function.get_code()) {}

    Graph build() {
        const MachineRun run = runSymbolically(function_);
        graph_.values.resize(static_cast<size_t>(run.values));
        for (int id = 0; id < run.values; ++id) {
            graph_.values[static_cast<size_t>(id)].id = id;
            graph_.values[static_cast<size_t>(id)].name = std::to_string(id);
        }
        nameArguments(run.arguments);
        graph_.inputs = run.arguments;
        graph_.outputs = run.results;
        for (const MachineStep& step : run.steps) addNode(step);
        return std::move(graph_);
    }

private:
    void nameArguments(const std::vector<int>& arguments) {
        if (!function_.hasSchema()) return;
        const auto& schema = function_.getSchema().arguments();
        for (size_t i = 0; i < arguments.size() && i < schema.size(); ++i) {
            Value& value = graph_.values[static_cast<size_t>(arguments[i])];
            value.name = schema[i].name();
            value.type = typeText(schema[i].type());
        }
    }

    void addNode(const MachineStep& step) {
        const Instruction& in = code_.instructions_[step.pc];
        Node node;
        node.id = static_cast<int>(graph_.nodes.size());
        node.kind = kindOf(code_, in);
        node.inputs = step.inputs;
        node.outputs = step.outputs;
        if (in.op == OP || in.op == OPN) {
            const std::string& overload = code_.op_names_[static_cast<size_t>(in.X)].overload_name;
            if (!overload.empty()) node.attributes.emplace_back("overload", overload);
            if (step.schema) {
                std::ostringstream text;
                text << *step.schema;
                node.schema = text.str();
            }
        } else if (in.op == LOADC) {
            node.attributes.emplace_back("value", constantText(code_.constants_[static_cast<size_t>(in.X)]));
        } else if (in.op == GET_ATTR || in.op == SET_ATTR) {
            node.attributes.emplace_back("slot", std::to_string(in.X));
        }
        for (size_t i = 0; i < step.outputs.size(); ++i) {
            Value& value = graph_.values[static_cast<size_t>(step.outputs[i])];
            value.producer = node.id;
            value.type = outputType(in, step, i);
        }
        graph_.topNodes.push_back(node.id);
        graph_.nodes.push_back(std::move(node));
    }

    std::string outputType(const Instruction& in, const MachineStep& step, size_t index) const {
        if (step.schema && index < step.schema->returns().size())
            return typeText(step.schema->returns()[index].type());
        if (in.op == LOADC) return typeText(code_.constants_[static_cast<size_t>(in.X)].type());
        return {};
    }

    const mobile::Function& function_;
    const mobile::Code& code_;
    Graph graph_;
};

}  // namespace

void extractBytecodeGraphs(Inspection& inspection, const mobile::Module& mobile) {
    for (const mobile::Method& method : mobile.get_methods())
        for (Method& info : inspection.report.methods)
            if (info.name == method.name()) info.graph = GraphBuilder(method.function()).build();
}

}  // namespace ptl::detail
