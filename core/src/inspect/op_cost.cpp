// What forward costs, device-independent: multiply-accumulates, weight bytes read and activation
// bytes written per op from the shapes the sample run recorded, summed per module, and the peak
// of activation memory along forward's order.
#include "inspect/inspection.h"

#include "common/quantized_ops.h"
#include "session/input_inference.h"

#include <algorithm>
#include <numeric>

namespace ptl::detail {

namespace {

using torch::jit::Node;
using torch::jit::Value;
using Shape = std::vector<int64_t>;

int64_t numel(const Shape& shape) {
    return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

int64_t tensorBytes(const at::Tensor& tensor) {
    return tensor.defined() ? static_cast<int64_t>(tensor.numel()) * static_cast<int64_t>(tensor.element_size()) : 0;
}

bool startsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

bool isConvolution(const std::string& kind) {
    return startsWith(kind, "aten::conv") || kind == "aten::_convolution" || startsWith(kind, "quantized::conv") ||
           startsWith(kind, "prepacked::conv2d");
}

bool isTransposed(const Node* node, const std::string& kind) {
    if (kind.find("transpose") != std::string::npos) return true;
    if ((kind == "aten::_convolution" || kind == "aten::convolution") && node->inputs().size() > 6)
        return torch::jit::constant_as<bool>(node->input(6)).value_or(false);
    return false;
}

// Ops that are one matrix product per output element: the operand whose last dimension is summed.
std::optional<size_t> matrixOperand(const std::string& kind) {
    if (kind == "aten::linear" || startsWith(kind, "quantized::linear") || kind == "prepacked::linear_clamp_run" ||
        kind == "aten::mm" || kind == "aten::matmul" || kind == "aten::bmm")
        return 0;
    if (kind == "aten::addmm" || kind == "aten::baddbmm" || kind == "aten::addbmm") return 1;
    return std::nullopt;
}

bool isRecurrentLayer(const std::string& kind) {
    return kind == "aten::lstm" || kind == "aten::gru" || kind == "aten::rnn_tanh" || kind == "aten::rnn_relu" ||
           kind == "aten::quantized_lstm" || kind == "aten::quantized_gru";
}

bool isRecurrentCell(const std::string& kind) {
    return kind == "aten::lstm_cell" || kind == "aten::gru_cell" || kind == "aten::rnn_tanh_cell" ||
           kind == "aten::rnn_relu_cell" || startsWith(kind, "quantized::quantized_lstm_cell") ||
           startsWith(kind, "quantized::quantized_gru_cell") || startsWith(kind, "quantized::quantized_rnn");
}

// The tensors a module attribute or constant holds: itself, those of a list, the weights inside a
// packed-params object, or those of an RNN cell's parameters (their state lists tensors and packed
// weights).
std::vector<at::Tensor> heldTensors(const c10::IValue& value) {
    if (value.isTensor()) return {value.toTensor()};
    if (value.isList()) {  // an LSTM's _flat_weights
        std::vector<at::Tensor> tensors;
        for (const c10::IValue& item : value.toListRef()) {
            const std::vector<at::Tensor> inner = heldTensors(item);
            tensors.insert(tensors.end(), inner.begin(), inner.end());
        }
        return tensors;
    }
    if (!value.isObject()) return {};
    if (const auto packed = unpackPacked(value, "")) {
        std::vector<at::Tensor> tensors{packed->weight};
        if (packed->bias && packed->bias->defined()) tensors.push_back(*packed->bias);
        return tensors;
    }
    std::vector<at::Tensor> tensors;
    try {
        const c10::IValue state = torch::jit::Object(value.toObject()).run_method("__getstate__");
        if (!state.isTuple()) return {};
        for (const c10::IValue& element : state.toTupleRef().elements()) {
            if (!element.isList()) continue;
            const std::vector<at::Tensor> inner = heldTensors(element);
            tensors.insert(tensors.end(), inner.begin(), inner.end());
        }
    } catch (const std::exception&) {
        // a class without __getstate__ holds nothing this can count
    }
    return tensors;
}

class CostMeasure {
public:
    explicit CostMeasure(Inspection& inspection)
        : inspection_(inspection), forward_(*inspection.forward()), graph_(inspection.method(forward_).graph) {}

    void run() {
        order(*forward_.graph->block());
        ComputeCost& compute = inspection_.report.compute;
        compute.measured = true;
        for (const auto& [node, id] : forward_.nodeIds) {
            OpCost& cost = graph_.nodes[id].cost;
            cost = costOf(node);
            compute.total += cost;
        }
        findPeak(compute);
        sumPerModule();
    }

private:
    Inspection& inspection_;
    const MethodGraph& forward_;
    Graph& graph_;
    std::unordered_map<const Node*, int> position_;  // forward's order; If and Loop after their blocks
    std::vector<const Node*> byPosition_;
    std::unordered_map<const Value*, std::vector<at::Tensor>> held_;
    std::unordered_map<const Value*, int> lastUse_;

    void order(const torch::jit::Block& block) {
        for (const Node* node : block.nodes()) {
            for (const torch::jit::Block* inner : node->blocks()) order(*inner);
            position_[node] = static_cast<int>(byPosition_.size());
            byPosition_.push_back(node);
        }
    }

    const RecordedValue* recorded(const Value* value) const {
        const auto found = inspection_.session.recorded.find(value);
        return found == inspection_.session.recorded.end() || found->second.runs == 0 ? nullptr : &found->second;
    }

    const std::vector<at::Tensor>& held(const Value* value) {
        const auto found = held_.find(value);
        if (found != held_.end()) return found->second;
        std::vector<at::Tensor> tensors;
        if (value->node()->kind() == c10::prim::ListConstruct) {
            for (const Value* item : value->node()->inputs())
                for (const at::Tensor& tensor : held(item)) tensors.push_back(tensor);
        } else if (const auto attribute = moduleValue(*inspection_.module(), value)) {
            tensors = heldTensors(*attribute);
        }
        return held_[value] = std::move(tensors);
    }

    // The shape of a tensor on the sample run: recorded, a forward argument, or a weight.
    std::optional<Shape> shapeOf(const Value* value) {
        if (const RecordedValue* record = recorded(value)) return record->shape;
        const auto& inputs = forward_.graph->inputs();
        const auto argument = std::find(inputs.begin(), inputs.end(), value);
        const auto& samples = inspection_.session.sampleInputs;
        if (argument != inputs.end() && argument != inputs.begin() && samples) {
            const size_t index = static_cast<size_t>(argument - inputs.begin()) - 1;
            if (index < samples->size() && (*samples)[index].isTensor()) return (*samples)[index].toTensor().sizes().vec();
            return std::nullopt;
        }
        const std::vector<at::Tensor>& tensors = held(value);
        if (tensors.empty()) return std::nullopt;
        return tensors.front().sizes().vec();
    }

    int64_t valueBytes(const Value* value) const {
        const RecordedValue* record = recorded(value);
        if (!record || record->dtype == c10::ScalarType::Undefined) return 0;
        return numel(record->shape) * static_cast<int64_t>(c10::elementSize(record->dtype));
    }

    OpCost costOf(const Node* node) {
        OpCost cost;
        if (node->kind().is_prim() || node->outputs().empty()) return cost;
        const RecordedValue* output = recorded(node->output(0));
        if (!output) return cost;  // not run (a branch not taken), or not a tensor op
        cost.macs = macsOf(node, output->shape) * output->runs;
        for (const Value* input : node->inputs())
            for (const at::Tensor& tensor : held(input)) cost.weightBytes += tensorBytes(tensor);
        for (const Value* value : node->outputs()) cost.activationBytes += valueBytes(value) * output->runs;
        return cost;
    }

    int64_t macsOf(const Node* node, const Shape& out) {
        const std::string kind = node->kind().toQualString();
        auto input = [&](size_t index) { return index < node->inputs().size() ? shapeOf(node->input(index)) : std::nullopt; };
        if (isConvolution(kind)) {
            // Each output (or, transposed, each input) element takes in_channels/groups x kernel
            // products: the weight's elements per output channel.
            const auto weight = input(1);
            const auto in = input(0);
            if (!weight || weight->size() < 3 || (*weight)[0] == 0 || !in) return 0;
            const int64_t perElement = numel(*weight) / (*weight)[0];
            return (isTransposed(node, kind) ? numel(*in) : numel(out)) * perElement;
        }
        if (const auto operand = matrixOperand(kind)) {
            const auto matrix = input(*operand);
            if (!matrix || matrix->empty()) return 0;
            const int64_t batches = kind == "aten::addbmm" ? matrix->front() : 1;
            return numel(out) * matrix->back() * batches;
        }
        if (kind == "aten::scaled_dot_product_attention") {
            // scores = q k^T, then scores v: L x S x (E + Ev) per batch and head.
            const auto query = input(0), key = input(1), value = input(2);
            if (!query || !key || !value || query->size() < 2 || key->size() < 2) return 0;
            const int64_t rows = numel(*query) / query->back();
            return rows * (*key)[key->size() - 2] * (query->back() + value->back());
        }
        if (kind == "aten::_native_multi_head_attention") {
            // Projections of query, key and value, both attention products, output projection.
            const auto query = input(0), key = input(1);
            if (!query || !key || query->size() < 2 || key->size() < 2 || query->back() == 0) return 0;
            const int64_t embed = query->back();
            const int64_t queries = numel(*query) / embed, keys = numel(*key) / embed;
            const int64_t keysPerQuery = (*key)[key->size() - 2];
            return 2 * queries * embed * embed + 2 * keys * embed * embed + 2 * queries * keysPerQuery * embed;
        }
        if (isRecurrentLayer(kind) || isRecurrentCell(kind)) return recurrentMacs(node);
        return 0;
    }

    // Every weight matrix of an RNN, LSTM or GRU multiplies once per time step and sequence: the
    // gates of all layers and directions. The parameters come as a list (layers) or one by one
    // (cells).
    int64_t recurrentMacs(const Node* node) {
        const auto in = shapeOf(node->input(0));
        if (!in || in->empty() || in->back() == 0) return 0;
        const int64_t steps = numel(*in) / in->back();  // time steps x batch (packed: all of them)
        int64_t products = 0;
        for (size_t i = 1; i < node->inputs().size(); ++i)
            for (const at::Tensor& tensor : held(node->input(i)))
                if (tensor.dim() == 2) products += tensor.numel();
        return steps * products;
    }

    // ---- peak activation memory

    // Where a use keeps a value alive to: the using node, or the end of a loop it sits in.
    int usePosition(const Node* user, const torch::jit::Block* defined) const {
        int position = position_.at(user);
        for (const Node* at = user; at->owningBlock() != defined && at->owningBlock()->owningNode();) {
            at = at->owningBlock()->owningNode();
            if (at->kind() == c10::prim::Loop) position = std::max(position, position_.at(at));
        }
        return position;
    }

    // The last position a value's memory is needed at: its uses, the uses of views and in-place
    // results of it, and of the If/Loop outputs it becomes.
    int lastUse(const Value* value) {
        const auto known = lastUse_.find(value);
        if (known != lastUse_.end()) return known->second;
        int last = position_.count(value->node()) ? position_.at(value->node()) : 0;
        lastUse_[value] = last;  // guards cycles through loop-carried values
        for (const torch::jit::Use& use : value->uses()) {
            const Node* user = use.user;
            if (user->kind() == c10::prim::Return) {
                const Node* owner = user->owningBlock()->owningNode();
                if (!owner) {
                    last = static_cast<int>(byPosition_.size()) - 1;  // forward returns it
                } else {
                    // A loop body returns its condition first, then the carried values.
                    const size_t skipped = owner->kind() == c10::prim::Loop ? 1 : 0;
                    last = std::max(last, position_.at(owner));
                    if (use.offset >= skipped && use.offset - skipped < owner->outputs().size())
                        last = std::max(last, lastUse(owner->output(use.offset - skipped)));
                }
                continue;
            }
            last = std::max(last, usePosition(user, value->node()->owningBlock()));
            for (const Value* alias : aliasesOf(user, use.offset)) last = std::max(last, lastUse(alias));
        }
        return lastUse_[value] = last;
    }

    // Outputs of a node that share the memory of its input at `offset` (views, in-place ops).
    static std::vector<const Value*> aliasesOf(const Node* node, size_t offset) {
        const c10::FunctionSchema* schema = node->maybeSchema();
        if (!schema || offset >= schema->arguments().size() || !schema->arguments()[offset].alias_info()) return {};
        std::vector<const Value*> aliases;
        const auto& argument = *schema->arguments()[offset].alias_info();
        for (size_t i = 0; i < schema->returns().size() && i < node->outputs().size(); ++i) {
            const c10::AliasInfo* returned = schema->returns()[i].alias_info();
            if (returned && returned->beforeSets() == argument.beforeSets()) aliases.push_back(node->output(i));
        }
        return aliases;
    }

    // A value that holds memory of its own: computed on the sample run, not a view of an input,
    // not a constant or the output of an If or Loop (those pass their blocks' values on).
    bool allocates(const Value* value) const {
        const Node* producer = value->node();
        if (producer->kind() == c10::prim::Constant || producer->kind() == c10::prim::If ||
            producer->kind() == c10::prim::Loop || !recorded(value))
            return false;
        const c10::FunctionSchema* schema = producer->maybeSchema();
        return !schema || value->offset() >= schema->returns().size() || !schema->returns()[value->offset()].alias_info();
    }

    void findPeak(ComputeCost& compute) {
        std::vector<int64_t> change(byPosition_.size() + 1, 0);
        auto live = [&](const Value* value, int64_t bytes, int from) {
            if (bytes <= 0) return;
            change[from] += bytes;
            change[std::max(from, lastUse(value)) + 1] -= bytes;
        };
        const auto& samples = inspection_.session.sampleInputs;
        const auto& inputs = forward_.graph->inputs();
        for (size_t i = 1; samples && i < inputs.size() && i - 1 < samples->size(); ++i)
            if ((*samples)[i - 1].isTensor()) live(inputs[i], tensorBytes((*samples)[i - 1].toTensor()), 0);
        for (const Node* node : byPosition_)
            for (const Value* output : node->outputs())
                if (allocates(output)) live(output, valueBytes(output), position_.at(node));
        int64_t current = 0;
        for (size_t position = 0; position < byPosition_.size(); ++position) {
            current += change[position];
            if (current <= compute.peakActivationBytes) continue;
            compute.peakActivationBytes = current;
            compute.peakNode = forward_.nodeIds.at(byPosition_[position]);
        }
        if (compute.peakNode >= 0) compute.peakScope = graph_.nodes[compute.peakNode].scope;
    }

    // ---- per module

    void sumPerModule() {
        std::vector<ModuleInfo>& modules = inspection_.report.modules;
        std::unordered_map<std::string, size_t> byPath;
        for (size_t i = 0; i < modules.size(); ++i) byPath[modules[i].path] = i;
        for (const ptl::Node& node : graph_.nodes) {
            // Scopes name module instances; one reached through a container the tree lacks
            // counts for its nearest listed ancestor.
            std::string path = node.scope;
            auto found = byPath.find(path);
            while (found == byPath.end() && !path.empty()) {
                const size_t dot = path.rfind('.');
                path = dot == std::string::npos ? "" : path.substr(0, dot);
                found = byPath.find(path);
            }
            if (found != byPath.end()) modules[found->second].cost += node.cost;
        }
        const std::vector<int> parents = moduleParents(modules);
        for (ModuleInfo& module : modules) module.totalCost = module.cost;
        for (size_t i = modules.size(); i-- > 1;)
            if (parents[i] >= 0) modules[parents[i]].totalCost += modules[i].totalCost;
    }
};

}  // namespace

void measureCost(Inspection& inspection) {
    if (!inspection.forward() || !inspection.session.sampleInputs || inspection.session.recorded.empty()) return;
    CostMeasure(inspection).run();
}

}  // namespace ptl::detail
