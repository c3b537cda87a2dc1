// torch.export readiness from an inspection report. torch.export traces the model's Python code
// (not this file) into one straight-line graph over tensors with symbolic sizes; what it cannot
// trace is control flow on tensor values, control flow on sizes it was told are dynamic,
// side effects, autograd and TorchScript-only constructs. Each of those is found here in
// forward's inlined graph, joined to the finding the analyses already made for the same node
// (so the window and the report can lead to it), with the Python line from the debug info.
#include "ptl/export_readiness.h"

#include "handoff/text.h"
#include "ptl/input_spec.h"
#include "ptl/op_kinds.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace ptl {

namespace {

bool oneOf(const std::string& kind, std::initializer_list<const char*> kinds) {
    return std::any_of(kinds.begin(), kinds.end(), [&](const char* candidate) { return kind == candidate; });
}

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

const Method* forwardOf(const Report& report) {
    for (const Method& method : report.methods)
        if (method.name == "forward") return &method;
    return nullptr;
}

// Ops whose output size depends on the values they read.
bool valueSizedOp(const std::string& kind) {
    return oneOf(kind, {"aten::nonzero", "aten::nonzero_numpy", "aten::argwhere", "aten::masked_select", "aten::unique",
                        "aten::_unique", "aten::_unique2", "aten::unique_dim", "aten::unique_consecutive",
                        "aten::repeat_interleave", "aten::bincount"});
}

// Ops that read a tensor's value into a Python scalar or list.
bool scalarReadOp(const std::string& kind) {
    return oneOf(kind, {"aten::item", "aten::tolist", "aten::Int", "aten::Float", "aten::Bool", "aten::ScalarImplicit",
                        "aten::is_nonzero", "aten::equal", "aten::allclose"});
}

bool shapeReadOp(const std::string& kind) {
    return oneOf(kind, {"aten::size", "aten::dim", "aten::numel", "aten::len", "prim::shape"});
}

// The identifiers of a TorchScript type: "Dict(str, Tensor)" -> Dict, str, Tensor.
std::vector<std::string> typeWords(const std::string& type) {
    std::vector<std::string> words;
    std::string word;
    for (char c : type + ' ') {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
            word += c;
        } else if (!word.empty()) {
            words.push_back(word);
            word.clear();
        }
    }
    return words;
}

// A construct that is one op: its item says what the op does on the line that calls it.
struct OpConstruct {
    const char* item;
    ExportImpact impact;
    const char* title;
    const char* does;     // after "`line`"; "{op}" stands for the op's kind
    const char* action;
    std::initializer_list<const char*> findings;  // finding categories the item leads to
};

const OpConstruct kAutograd{
    "autograd", ExportImpact::Blocks, "Autograd in forward", " computes gradients inside forward",
    "An exported inference program has no autograd, and ExecuTorch runs none. Compute the gradient where the "
    "model is trained or analysed, or export the gradient computation as its own model with "
    "torch.export.export and torch.func.grad.",
    {"lite.full-jit-only-op"}};
const OpConstruct kFileAccess{
    "side-effect", ExportImpact::Blocks, "File access", " reads or writes a file",
    "An exported program is a pure function of its inputs: file I/O is not traced. Do it in the app and pass "
    "the tensors in.",
    {"security.file-access", "lite.full-jit-only-op"}};
const OpConstruct kPrinting{
    "side-effect", ExportImpact::Check, "Print or warning", " prints",
    "It runs once while torch.export traces and is not part of the exported program. Remove it or log in "
    "the app.",
    {}};
const OpConstruct kValueSized{
    "data-dependent-size", ExportImpact::Check, "Size from values",
    ": {op}'s output size depends on the values it reads",
    "torch.export gives the size a symbol with no known value; where later code compares or slices with it, "
    "add torch._check(...) bounds. ExecuTorch plans memory for the upper bound.",
    {}};
const OpConstruct kScalarRead{
    "scalar-read", ExportImpact::Check, "Tensor value read into Python",
    ": {op} reads a value computed from the inputs",
    "torch.export turns it into a symbol with no known value (or fails on it where it sets a size): keep the "
    "value a tensor, or add torch._check(...) bounds where it is used.",
    {}};
const OpConstruct kTensorText{
    "tensor-to-string", ExportImpact::Blocks, "Tensor formatted as text", " turns tensor values into a string",
    "torch.export cannot trace it: the text needs the values. Remove it from forward; format in the app.",
    {}};

class ReadinessBuilder {
public:
    ReadinessBuilder(const Report& report, const Method& forward)
        : report_(report), method_(forward), graph_(forward.graph) {
        for (const Finding& finding : report.findings)
            if (finding.method == forward.name || finding.method.empty())
                for (int node : finding.nodes) findingsAt_[node].push_back(&finding);
        users_.resize(graph_.values.size());
        for (const Node& node : graph_.nodes)
            for (int input : node.inputs)
                if (input >= 0 && size_t(input) < users_.size()) users_[size_t(input)].push_back(node.id);
        markInputData();
    }

    ExportReadiness build() {
        for (const Node& node : graph_.nodes) visit(node);
        quantizedOps();
        signature();
        traced();
        finish();
        return std::move(result_);
    }

private:
    const Report& report_;
    const Method& method_;
    const Graph& graph_;
    ExportReadiness result_;
    std::map<int, std::vector<const Finding*>> findingsAt_;   // node id -> findings naming it
    std::set<std::string> used_;                               // finding ids with an item
    std::vector<std::vector<int>> users_;                      // value id -> consuming node ids
    std::vector<bool> inputData_;                              // value derives from forward's tensor data
    std::map<std::string, int> counts_;                        // for `checked`

    // ---- graph helpers ----------------------------------------------------------------------

    const Value* value(int id) const {
        return id >= 0 && size_t(id) < graph_.values.size() ? &graph_.values[size_t(id)] : nullptr;
    }
    const Node* producer(int valueId) const {
        const Value* v = value(valueId);
        return v && v->producer >= 0 && size_t(v->producer) < graph_.nodes.size() ? &graph_.nodes[size_t(v->producer)]
                                                                                    : nullptr;
    }
    std::string type(int valueId) const { return value(valueId) ? value(valueId)->type : ""; }

    std::optional<int64_t> constantInt(int valueId) const {
        const Node* node = producer(valueId);
        if (!node || node->kind != "prim::Constant") return std::nullopt;
        for (const auto& [name, text] : node->attributes)
            if (name == "value") {
                try {
                    size_t used = 0;
                    const int64_t number = std::stoll(text, &used);
                    if (used == text.size()) return number;
                } catch (const std::exception&) {
                }
            }
        return std::nullopt;
    }

    // Position of a value among forward's arguments (self excluded), -1 when it is not one.
    int argumentIndex(int valueId) const {
        for (size_t i = 1; i < graph_.inputs.size(); ++i)
            if (graph_.inputs[i] == valueId) return int(i) - 1;
        return -1;
    }
    std::string argumentName(int index) const {
        if (index >= 0 && size_t(index) < report_.inputs.size()) return report_.inputs[size_t(index)].argument;
        const Value* v = value(graph_.inputs[size_t(index) + 1]);
        const std::string name = v ? v->name : "";
        return name.substr(0, name.find('.'));
    }
    std::string valueName(int valueId) const {
        const Value* v = value(valueId);
        if (!v) return "?";
        return v->name.substr(0, v->name.find('.'));
    }

    // Which values carry tensor data from forward's arguments (sizes read from them do not):
    // the values whose reading into Python makes the path or a size depend on the input.
    void markInputData() {
        inputData_.assign(graph_.values.size(), false);
        for (size_t i = 1; i < graph_.inputs.size(); ++i)
            if (const Value* v = value(graph_.inputs[i])) inputData_[size_t(v->id)] = true;
        // Node ids follow the graph's order, so one pass in id order sees producers first; loop-
        // carried values are approximated by their initial values.
        for (const Node& node : graph_.nodes) {
            if (shapeReadOp(node.kind) || node.kind == "prim::Constant" || node.kind == "prim::GetAttr") continue;
            bool data = std::any_of(node.inputs.begin(), node.inputs.end(),
                                    [&](int input) { return input >= 0 && size_t(input) < inputData_.size() && inputData_[size_t(input)]; });
            for (const Block& block : node.blocks)
                for (int output : block.outputs)
                    if (output >= 0 && size_t(output) < inputData_.size() && inputData_[size_t(output)]) data = true;
            if (!data) continue;
            for (int output : node.outputs)
                if (output >= 0 && size_t(output) < inputData_.size()) inputData_[size_t(output)] = true;
            for (const Block& block : node.blocks)
                for (int input : block.inputs)
                    if (input >= 0 && size_t(input) < inputData_.size()) inputData_[size_t(input)] = true;
        }
    }
    bool isInputData(int valueId) const {
        return valueId >= 0 && size_t(valueId) < inputData_.size() && inputData_[size_t(valueId)];
    }

    // The values that decide control flow: If conditions, Loop trip counts and conditions, and
    // the condition a Loop body hands to its next iteration.
    std::set<int> controlValues() const {
        std::set<int> values;
        for (const Node& node : graph_.nodes) {
            if (node.kind == "prim::If" && !node.inputs.empty()) values.insert(node.inputs[0]);
            if (node.kind != "prim::Loop") continue;
            for (size_t i = 0; i < node.inputs.size() && i < 2; ++i) values.insert(node.inputs[i]);
            if (!node.blocks.empty() && !node.blocks[0].outputs.empty()) values.insert(node.blocks[0].outputs[0]);
        }
        return values;
    }

    // Whether a scalar read ends up deciding an If or a Loop (then the control-flow item says it).
    bool decidesControlFlow(int valueId) const {
        const std::set<int> deciding = controlValues();
        std::vector<int> pending{valueId};
        std::set<int> seen;
        while (!pending.empty()) {
            const int current = pending.back();
            pending.pop_back();
            if (deciding.count(current)) return true;
            if (!seen.insert(current).second || size_t(current) >= users_.size()) continue;
            for (int userId : users_[size_t(current)])
                for (int output : graph_.nodes[size_t(userId)].outputs)
                    if (type(output) != "Tensor") pending.push_back(output);
        }
        return false;
    }

    // ---- findings ---------------------------------------------------------------------------

    const Finding* findingAt(int node, std::initializer_list<const char*> categories) const {
        const auto found = findingsAt_.find(node);
        if (found == findingsAt_.end()) return nullptr;
        for (const char* category : categories)
            for (const Finding* finding : found->second)
                if (finding->category == category) return finding;
        return nullptr;
    }

    ExportItem& add(const std::string& kind, ExportImpact impact, std::string title, std::string detail, std::string action,
                    const Finding* finding, std::vector<int> nodes, SourceLocation source) {
        ExportItem item;
        item.kind = kind;
        item.impact = impact;
        item.title = std::move(title);
        item.detail = std::move(detail);
        item.action = std::move(action);
        item.method = method_.name;
        item.nodes = std::move(nodes);
        item.source = std::move(source);
        if (finding) {
            item.findingId = finding->id;
            item.findingCategory = finding->category;
            if (!item.source.known()) item.source = finding->source;
            used_.insert(finding->id);
        }
        if (!item.source.known())
            for (int id : item.nodes)
                if (graph_.nodes[size_t(id)].source.known()) {
                    item.source = graph_.nodes[size_t(id)].source;
                    break;
                }
        result_.items.push_back(std::move(item));
        ++counts_[kind];
        return result_.items.back();
    }

    static std::string construct(const SourceLocation& source, const std::string& fallback) {
        if (!source.traced && !source.text.empty()) {
            std::string text = source.text;
            const size_t comment = text.find("  #");
            if (comment != std::string::npos) text.resize(comment);
            return text;
        }
        return fallback;
    }

    // ---- the constructs ---------------------------------------------------------------------

    void visit(const Node& node) {
        const std::string& kind = node.kind;
        if (kind == "prim::If" || kind == "prim::Loop") controlFlow(node);
        else if (kind == "prim::Enter") withBlock(node);
        else if (kind == "prim::fork") fork(node);
        else if (kind == "prim::CreateObject") scriptObject(node);
        else if (oneOf(kind, {"aten::grad", "aten::backward", "aten::_grad_sum_to_size"})) opItem(node, kAutograd);
        else if (isFileAccessOp(kind)) opItem(node, kFileAccess);
        else if (oneOf(kind, {"prim::Print", "aten::warn"})) opItem(node, kPrinting);
        else if (valueSizedOp(kind)) opItem(node, kValueSized);
        else if (scalarReadOp(kind)) scalarRead(node);
        else if (oneOf(kind, {"aten::str", "aten::format", "aten::__str__", "aten::repr"})) tensorText(node);
    }

    void controlFlow(const Node& node) {
        const bool loop = node.kind == "prim::Loop";
        ++counts_[loop ? "loops" : "branches"];
        const Finding* finding = findingAt(node.id, {"control-flow.value-dependent", "control-flow.shape-dependent",
                                                     "control-flow.static", "control-flow.guard"});
        if (!finding) return;
        ++counts_[finding->category];
        if (used_.count(finding->id)) return;  // one item per finding: the same line inlined many times
        // Hazards in PyTorch's own modules are lowered to info by the analysis; torch.export
        // traces those modules' Python code, which is written for it.
        const bool library = finding->severity == Severity::Info;
        const std::string text = construct(finding->source, loop ? "loop" : "branch");
        if (finding->category == "control-flow.value-dependent") {
            if (loop)
                add("data-dependent-loop", library ? ExportImpact::Check : ExportImpact::Blocks, "Data-dependent loop",
                    "`" + text + "` runs a number of times that depends on tensor values",
                    "torch.export cannot capture a loop whose trip count depends on tensor values. Loop a fixed "
                    "maximum number of times and stop updating with torch.where once done, or run the loop in the app "
                    "around an exported step.",
                    finding, finding->nodes, finding->source);
            else
                add("data-dependent-branch", library ? ExportImpact::Check : ExportImpact::Blocks, "Data-dependent branch",
                    "`" + text + "` decides on tensor values",
                    "Write it as torch.cond(pred, true_fn, false_fn, (operands,)): both functions take the same tensors "
                    "and return tensors of the same shape and dtype. Or compute both sides and pick with torch.where.",
                    finding, finding->nodes, finding->source);
        } else if (finding->category == "control-flow.shape-dependent") {
            const std::vector<std::string> reads = sizeReads(*finding);
            std::string read;
            for (const std::string& one : reads) read += (read.empty() ? "" : ", ") + one;
            std::string depends = read.empty() ? "input sizes" : read;
            if (const Finding* seen = findingAt(node.id, {"shape.sweep-divergence"}))
                depends += " (the shape sweep took another path at other shapes: " + seen->id + ")";
            if (loop)
                add("shape-dependent-loop", library ? ExportImpact::Check : ExportImpact::Declare, "Loop over a size",
                    "`" + text + "` runs once per element of " + depends,
                    "torch.export unrolls it for the sample's size, so the program only runs that size. Declare the "
                    "dimension with torch.export.Dim and replace the loop by a tensor operation over that dimension "
                    "(sum, cumsum, a batched matmul), or keep the size fixed.",
                    finding, finding->nodes, finding->source);
            else
                add("shape-dependent-branch", library ? ExportImpact::Check : ExportImpact::Declare, "Branch on a size",
                    "`" + text + "` decides on " + depends,
                    "torch.export takes the sample's side and fixes the size. To keep the dimension dynamic, declare it "
                    "with torch.export.Dim and give its min so that one side always holds (the other becomes a "
                    "runtime check), or write the branch with torch.cond.",
                    finding, finding->nodes, finding->source);
        }
    }

    // The input sizes a shape-dependent construct reads, recorded as dynamic dims to declare:
    // "x dim 0" for a forward argument, "y dim 1" for a tensor computed inside.
    std::vector<std::string> sizeReads(const Finding& finding) {
        std::vector<std::string> reads;
        std::set<int> seen;
        std::function<void(int)> walk = [&](int valueId) {
            if (!seen.insert(valueId).second) return;
            const Node* node = producer(valueId);
            if (!node) return;
            if (node->kind == "aten::size" && node->inputs.size() >= 2) {
                sizeRead(node->inputs[0], constantInt(node->inputs[1]), reads);
                return;
            }
            if (node->kind == "aten::__getitem__" && node->inputs.size() == 2) {
                const Node* list = producer(node->inputs[0]);
                if (list && (list->kind == "aten::size" || list->kind == "prim::shape") && list->inputs.size() == 1) {
                    sizeRead(list->inputs[0], constantInt(node->inputs[1]), reads);
                    return;
                }
            }
            if (node->kind == "aten::numel" && !node->inputs.empty()) {
                sizeRead(node->inputs[0], std::nullopt, reads);
                return;
            }
            for (int input : node->inputs) walk(input);
        };
        for (int id : finding.nodes) {
            if (id < 0 || size_t(id) >= graph_.nodes.size()) continue;
            const Node& node = graph_.nodes[size_t(id)];
            if (node.kind == "prim::If" && !node.inputs.empty()) walk(node.inputs[0]);
            if (node.kind == "prim::Loop")
                for (size_t i = 0; i < node.inputs.size() && i < 2; ++i) walk(node.inputs[i]);
        }
        return reads;
    }

    void sizeRead(int tensor, std::optional<int64_t> dim, std::vector<std::string>& reads) {
        const int argument = argumentIndex(tensor);
        const std::string name = argument >= 0 ? argumentName(argument) : valueName(tensor);
        std::string text = name + (dim ? " dim " + std::to_string(*dim) : std::string(" (all elements)"));
        if (std::find(reads.begin(), reads.end(), text) == reads.end()) reads.push_back(text);
        if (argument < 0 || !dim) return;
        int64_t index = *dim;
        int64_t sample = -1;
        if (size_t(argument) < report_.inputs.size()) {
            const std::vector<int64_t>& shape = report_.inputs[size_t(argument)].shape;
            if (index < 0) index += int64_t(shape.size());
            if (index >= 0 && size_t(index) < shape.size()) sample = shape[size_t(index)];
        }
        if (index < 0) return;
        for (const DynamicDim& known : result_.dynamicDims)
            if (known.argument == name && known.dim == index) return;
        DynamicDim declared;
        declared.argument = name;
        declared.dim = int(index);
        declared.sampleSize = sample;
        declared.name = index == 0 ? "batch" : name + "_dim" + std::to_string(index);
        result_.dynamicDims.push_back(declared);
    }

    void withBlock(const Node& node) {
        const Finding* finding = findingAt(node.id, {"lite.unsupported", "lite.roundtrip"});
        const std::string manager = node.inputs.empty() ? "" : type(node.inputs[0]);
        const Node* created = node.inputs.empty() ? nullptr : producer(node.inputs[0]);
        const SourceLocation source = created ? created->source : SourceLocation{};
        const std::string text = construct(finding ? finding->source : source, "with-block");
        if (startsWith(manager, "__torch__.torch.autograd.grad_mode."))
            add("with-block", ExportImpact::Check, "with-block",
                "`" + text + "` (" + manager.substr(manager.rfind('.') + 1) + ")",
                "torch.export traces grad-mode blocks (torch.no_grad) and keeps them in the program; they only have to "
                "go for the Lite Interpreter. Nothing to change for torch.export.",
                finding, {node.id}, source);
        else
            add("with-block", ExportImpact::Blocks, "Context manager",
                "`" + text + "` enters " + (manager.empty() ? std::string("an object") : manager),
                "torch.export traces only torch's own context managers (grad mode, autocast). Move this one out of "
                "forward or inline what it does.",
                finding, {node.id}, source);
    }

    void fork(const Node& node) {
        const Finding* finding = findingAt(node.id, {"lite.unsupported"});
        std::vector<int> nodes{node.id};
        for (int output : node.outputs)
            if (size_t(output) < users_.size())
                for (int user : users_[size_t(output)])
                    if (graph_.nodes[size_t(user)].kind == "aten::wait") {
                        nodes.push_back(user);
                        if (const Finding* waited = findingAt(user, {"lite.unsupported"})) used_.insert(waited->id);
                    }
        add("fork", ExportImpact::Blocks, "torch.jit.fork / wait",
            "`" + construct(finding ? finding->source : node.source, "torch.jit.fork") + "` runs a task asynchronously",
            "torch.export has no futures: call the function directly (the exported program runs its ops in order; "
            "ExecuTorch parallelizes inside ops).",
            finding, nodes, node.source);
    }

    void scriptObject(const Node& node) {
        const std::string object = node.outputs.empty() ? "" : type(node.outputs[0]);
        if (object.empty() || startsWith(object, "__torch__.torch.")) return;  // torch's own: the with-block's manager
        const Finding* finding = findingAt(node.id, {"lite.unsupported"});
        add("script-class", ExportImpact::Check, "TorchScript class",
            "forward creates an object of " + object + " (a @torch.jit.script class)",
            "torch.export traces through plain Python objects: drop @torch.jit.script from the class and it works as "
            "long as it holds tensors and Python values and does not cross forward's arguments or results (register "
            "it with torch.utils._pytree if it does).",
            finding, {node.id}, node.source);
    }

    void opItem(const Node& node, const OpConstruct& what) {
        std::string does = what.does;
        const size_t op = does.find("{op}");
        if (op != std::string::npos) does.replace(op, 4, node.kind);
        const Finding* finding = what.findings.size() ? findingAt(node.id, what.findings) : nullptr;
        add(what.item, what.impact, what.title, "`" + construct(node.source, node.kind) + "`" + does, what.action,
            finding, {node.id}, node.source);
    }

    void scalarRead(const Node& node) {
        if (node.inputs.empty() || !isInputData(node.inputs[0])) return;  // parameters and constants are fixed
        if (std::any_of(node.outputs.begin(), node.outputs.end(), [&](int output) { return decidesControlFlow(output); }))
            return;  // the data-dependent branch or loop it decides is the item
        opItem(node, kScalarRead);
    }

    void tensorText(const Node& node) {
        const bool fromTensor = std::any_of(node.inputs.begin(), node.inputs.end(),
                                            [&](int input) { return type(input) == "Tensor"; });
        if (!fromTensor) return;  // formatting constants is plain Python at trace time
        opItem(node, kTensorText);
    }

    // Eager-mode quantized ops (quantized::*) are TorchScript's; torch.export and ExecuTorch
    // quantize with PT2E instead.
    void quantizedOps() {
        std::vector<int> nodes;
        for (const Node& node : graph_.nodes)
            if (startsWith(node.kind, "quantized::")) nodes.push_back(node.id);
        counts_["quantized"] = int(nodes.size());
        if (nodes.empty()) return;
        const Finding* finding = nullptr;
        for (int id : nodes)
            if (!finding) finding = findingAt(id, {"quant.qnnpack-clamp", "quant.x86-settings"});
        add("eager-quantization", ExportImpact::Blocks, "Eager-mode quantized ops",
            std::to_string(nodes.size()) + " quantized::* op(s), e.g. " + graph_.nodes[size_t(nodes.front())].kind +
                ", with packed weights (torch.classes objects)",
            "torch.export does not take TorchScript's quantized modules. Export the float model, quantize it with "
            "PT2E (prepare_pt2e / convert_pt2e with XNNPACKQuantizer) and lower to ExecuTorch's XNNPACK backend.",
            finding, nodes, {});
    }

    void signature() {
        auto check = [&](int valueId, const std::string& role, const std::string& name) {
            const std::string t = type(valueId);
            const std::vector<std::string> words = typeWords(t);
            static const std::set<std::string> tree{"Tensor", "List", "Dict", "Tuple", "Optional", "str", "int",
                                                    "float", "bool", "NoneType"};
            const bool object = std::any_of(words.begin(), words.end(), [](const std::string& w) { return startsWith(w, "__torch__"); });
            const bool tensors = std::count(words.begin(), words.end(), "Tensor") > 0;
            const bool plain = std::all_of(words.begin(), words.end(), [](const std::string& w) { return tree.count(w) > 0; });
            if (object)
                add("signature", ExportImpact::Blocks, "TorchScript object in the signature",
                    role + " " + name + " is " + t,
                    "torch.export takes and returns tensors and nested lists, tuples and dicts of them: pass the "
                    "object's tensors instead, or register its class with torch.utils._pytree.",
                    nullptr, {}, {});
            else if (plain && tensors)
                return;  // a pytree of tensors: what torch.export takes
            else if (oneOf(t, {"int", "float", "bool"}))
                add("signature", ExportImpact::Declare, "Python number in the signature", role + " " + name + " is " + t,
                    "torch.export fixes it to the value given at export time. Pass it as a tensor if the app changes it.",
                    nullptr, {}, {});
            else if (!oneOf(t, {"NoneType"}))
                add("signature", ExportImpact::Check, "Non-tensor value in the signature", role + " " + name + " is " + t,
                    "torch.export fixes non-tensor arguments to the value given at export time and returns non-tensor "
                    "results as constants. Make it a tensor if it varies.",
                    nullptr, {}, {});
        };
        for (size_t i = 1; i < graph_.inputs.size(); ++i) check(graph_.inputs[i], "argument", argumentName(int(i) - 1));
        for (size_t i = 0; i < graph_.outputs.size(); ++i)
            check(graph_.outputs[i], "result", graph_.outputs.size() == 1 ? std::string() : "#" + std::to_string(i + 1));
    }

    // Traced models, sizes the tracer froze, and shapes the sweep saw failing.
    void traced() {
        for (const Finding& finding : report_.findings) {
            // A size fixed in the code fails the same way once torch.export is told it varies.
            if (finding.category == "shape.sweep-failure" && finding.method == method_.name)
                add("sweep-failure", ExportImpact::Declare, "Fails at another shape",
                    "`" + construct(finding.source, "an op") + "` fails in the shape sweep at other input shapes",
                    "Exported with this dimension declared dynamic, the program fails here too (or torch.export "
                    "refuses the dimension). Compute the size from the tensor (x.size(i), -1) or keep the shape "
                    "fixed and say so in the handoff.",
                    &finding, finding.nodes, finding.source);
            if (finding.category == "trace.traced-method" && finding.method == method_.name && !used_.count(finding.id))
                add("traced", ExportImpact::Check, "Traced model",
                    "this file holds the one path torch.jit.trace recorded for its example input",
                    "torch.export traces the Python module again: the branches and Python-side sizes the tracer "
                    "dropped reappear there and this report cannot see them. Inspect a torch.jit.script of the module, "
                    "or run the shape sweep on this file, to find them.",
                    &finding, finding.nodes, finding.source);
            if (finding.category == "trace.specialized-constant" && finding.method == method_.name && !used_.count(finding.id))
                add("frozen-size", ExportImpact::Declare, "Size read into Python",
                    "`" + construct(finding.source, "a size argument") + "`: " + finding.message,
                    "In the Python code a size became a plain int (int(x.shape[0]), a loop over x.shape). With the "
                    "dimension declared dynamic, write x.size(0) or -1 without int() so torch.export keeps it symbolic.",
                    &finding, finding.nodes, finding.source);
        }
    }

    // ---- summary ----------------------------------------------------------------------------

    void finish() {
        std::stable_sort(result_.items.begin(), result_.items.end(),
                         [](const ExportItem& a, const ExportItem& b) { return int(a.impact) < int(b.impact); });
        int blocks = 0, declare = 0, check = 0;
        for (const ExportItem& item : result_.items)
            (item.impact == ExportImpact::Blocks ? blocks : item.impact == ExportImpact::Declare ? declare : check)++;
        result_.ready = blocks == 0;
        auto plural = [](int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); };
        if (blocks)
            result_.summary = plural(blocks, "construct blocks", "constructs block") +
                              " torch.export until the Python code changes" +
                              (declare ? "; " + plural(declare, "more needs", "more need") + " dynamic shapes declared" : "") + ".";
        else if (declare)
            result_.summary = "Nothing blocks torch.export; " + plural(declare, "construct fixes", "constructs fix") +
                              " sizes or values to the sample's unless declared dynamic.";
        else
            result_.summary = "Nothing in forward blocks torch.export" +
                              std::string(check ? "; " + plural(check, "item", "items") + " to check" : "") + ".";
        exportCode();
        checkedLines();
    }

    void exportCode() {
        std::ostringstream code;
        std::string module = report_.modules.empty() ? "" : report_.modules.front().type;
        module = module.substr(module.rfind('.') == std::string::npos ? 0 : module.rfind('.') + 1);
        if (module.empty()) module = "Model";
        code << "import torch\nfrom torch.export import Dim, export\n\n"
             << "model = " << module << "().eval()  # the Python class this file was made from, with its weights\n";
        for (const DynamicDim& dim : result_.dynamicDims)
            code << dim.name << " = Dim(\"" << dim.name << "\")  # add max=<largest the app feeds>: ExecuTorch plans memory for it\n";
        std::string example, shapes;
        for (size_t i = 0; i < report_.inputs.size(); ++i) {
            const InputInfo& input = report_.inputs[i];
            std::vector<int64_t> shape = input.shape;
            std::string dims;
            for (const DynamicDim& dim : result_.dynamicDims) {
                if (dim.argument != input.argument) continue;
                // torch.export specializes sizes 0 and 1: a dynamic dimension needs a sample of 2 or more.
                if (size_t(dim.dim) < shape.size() && shape[size_t(dim.dim)] < 2) shape[size_t(dim.dim)] = 2;
                dims += (dims.empty() ? "" : ", ") + std::to_string(dim.dim) + ": " + dim.name;
            }
            std::string size;
            for (int64_t d : shape) size += (size.empty() ? "" : ", ") + std::to_string(d);
            std::string tensor;
            if (input.shape.empty() && input.type != "Tensor") tensor = "...";  // e.g. a dict: the user fills it in
            else if (input.dtype == "int64" || input.dtype == "int32")
                tensor = "torch.zeros(" + size + ", dtype=torch." + (input.dtype == "int64" ? "long" : "int") + ")";
            else tensor = "torch.randn(" + size + ")";
            example += (example.empty() ? "" : ", ") + tensor;
            if (!dims.empty()) shapes += (shapes.empty() ? "" : ", ") + std::string("\"") + input.argument + "\": {" + dims + "}";
        }
        if (report_.inputs.empty()) code << "example = ...  # a tuple of forward's sample inputs\n";
        else code << "example = (" << example << (report_.inputs.size() == 1 ? ",)\n" : ")\n");
        if (shapes.empty()) code << "program = export(model, example)  # every size fixed to the example's\n";
        else code << "program = export(model, example, dynamic_shapes={" << shapes << "})\n";
        code << "\n# ExecuTorch\nfrom executorch.exir import to_edge\n"
             << "with open(\"model.pte\", \"wb\") as f:\n    f.write(to_edge(program).to_executorch().buffer)\n";
        result_.exportCode = code.str();
    }

    void checkedLines() {
        auto n = [&](const char* key) { return counts_.count(key) ? counts_.at(key) : 0; };
        int nodes = 0;
        for (const Node& node : graph_.nodes)
            if (node.kind != "prim::Constant" && node.kind != "prim::GetAttr") ++nodes;
        result_.checked.push_back("forward's inlined graph: " + std::to_string(nodes) + " operations (" +
                                  (method_.origin.empty() ? "unknown origin" : method_.origin) + ")");
        result_.checked.push_back(
            "control flow: " + std::to_string(n("branches")) + " branches and " + std::to_string(n("loops")) +
            " loops; " + std::to_string(n("control-flow.value-dependent")) + " on tensor values, " +
            std::to_string(n("control-flow.shape-dependent")) + " on sizes, " + std::to_string(n("control-flow.static")) +
            " on attributes and constants, " + std::to_string(n("control-flow.guard")) + " argument checks");
        result_.checked.push_back("TorchScript classes, context managers and fork/wait: " +
                                  std::to_string(n("script-class") + n("with-block") + n("fork")));
        result_.checked.push_back("autograd, file access and printing in forward: " +
                                  std::to_string(n("autograd") + n("side-effect")));
        result_.checked.push_back("sizes and scalars read from tensor values (nonzero, unique, item, int(), str()): " +
                                  std::to_string(n("data-dependent-size") + n("scalar-read") + n("tensor-to-string")));
        result_.checked.push_back("eager-mode quantized ops: " + std::to_string(n("quantized")));
        if (report_.sweep.requested)
            result_.checked.push_back("shape sweep: " + std::to_string(report_.sweep.points.size()) + " shapes, " +
                                      std::to_string(n("sweep-failure")) + " op(s) failing at some of them");
        result_.checked.push_back("arguments and results that are not tensors or lists, tuples and dicts of them: " +
                                  std::to_string(n("signature")));
        if (method_.origin == "traced")
            result_.checked.push_back("traced: Python branches the tracer dropped are not in this file");
        if (method_.origin == "unknown")
            result_.checked.push_back("Lite bytecode without TorchScript code: branches and Python lines are not recorded");
        const size_t others = report_.methods.size() - 1;
        if (others > 0)
            result_.checked.push_back(std::to_string(others) + " other method(s) not checked: torch.export exports forward");
    }
};

}  // namespace

const char* exportImpactName(ExportImpact impact) {
    switch (impact) {
        case ExportImpact::Blocks: return "blocks";
        case ExportImpact::Declare: return "declare";
        case ExportImpact::Check: return "check";
    }
    return "check";
}

std::string exportTextHtml(const std::string& text) { return handoff::htmlWithCode(text); }

ExportReadiness exportReadiness(const Report& report) {
    const Method* forward = forwardOf(report);
    if (!forward) {
        ExportReadiness none;
        none.summary = "The model has no forward method: there is nothing for torch.export to trace.";
        none.checked.push_back("methods: " + std::to_string(report.methods.size()) + ", none of them forward");
        return none;
    }
    return ReadinessBuilder(report, *forward).build();
}

}  // namespace ptl
