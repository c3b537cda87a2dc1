// Sample inputs for running forward: from the user's specs, from bundled inputs, or inferred
// from the signature and the first layer that consumes each argument. Then one instrumented
// run records the shape and dtype of every top-level tensor value.
#include "inspection.h"

#include "ptl/input_spec.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <spdlog/spdlog.h>

#include <map>
#include <stdexcept>

namespace ptl::detail {

namespace {

using torch::jit::Node;
using torch::jit::Value;

c10::ScalarType scalarTypeOf(const std::string& dtype) {
    static const std::map<std::string, c10::ScalarType> types{
        {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"int64", at::kLong},
        {"int32", at::kInt},     {"int8", at::kChar},      {"uint8", at::kByte},   {"bool", at::kBool}};
    return types.at(dtype);
}

at::Tensor makeTensor(const std::vector<int64_t>& shape, const std::string& dtype, int64_t upperBound) {
    const c10::ScalarType type = scalarTypeOf(dtype);
    if (c10::isFloatingType(type)) return torch::randn(shape, torch::dtype(type));
    if (type == at::kBool) return torch::zeros(shape, torch::dtype(type));
    return torch::randint(0, std::max<int64_t>(upperBound, 1), shape, torch::dtype(type));
}

}  // namespace

at::Tensor makeSampleTensor(const std::vector<int64_t>& shape, const std::string& dtype) {
    return makeTensor(shape, dtype, 2);
}

namespace {

// The object a value reads from the module through a chain of prim::GetAttr on self, or the
// constant it is (optimize_for_mobile folds weights into constants).
std::optional<c10::IValue> moduleValue(const torch::jit::Module& module, const Value* value) {
    if (value->node()->kind() == c10::prim::Constant) return torch::jit::toIValue(value);
    std::vector<std::string> names;
    while (value->node()->kind() == c10::prim::GetAttr) {
        names.push_back(value->node()->s(c10::attr::name));
        value = value->node()->input();
    }
    if (value->node()->kind() != c10::prim::Param || value->offset() != 0 || names.empty()) return std::nullopt;
    c10::IValue current = module._ivalue();
    for (auto name = names.rbegin(); name != names.rend(); ++name) {
        if (!current.isObject()) return std::nullopt;
        const auto object = current.toObject();
        if (!object->type()->hasAttribute(*name)) return std::nullopt;
        current = object->getAttr(*name);
    }
    return current;
}

// The weight behind a value: a tensor attribute, or the weight inside a quantized packed-params
// or XNNPACK op-context object.
std::optional<at::Tensor> weightOf(const torch::jit::Module& module, const Value* value) {
    const auto found = moduleValue(module, value);
    if (!found) return std::nullopt;
    if (found->isTensor()) return found->toTensor();
    if (!found->isObject()) return std::nullopt;
    torch::jit::Object object(found->toObject());
    for (const char* method : {"unpack", "__getstate__"}) {
        try {
            const c10::IValue state = object.run_method(method);
            if (state.isTuple() && state.toTupleRef().elements().at(0).isTensor())
                return state.toTupleRef().elements()[0].toTensor();
            if (state.isTensor()) return state.toTensor();
        } catch (const std::exception&) {
        }
    }
    return std::nullopt;
}

// What an argument's first consuming layer says about its shape. Spatial and sequence sizes are
// not recorded anywhere, so those come as candidates to try.
struct Guess {
    std::vector<int64_t> shape;       // -1 marks the free (spatial or sequence) dimensions
    std::string dtype = "float32";
    int64_t upperBound = 0;           // for indices: the embedding's row count
};

std::optional<Guess> guessFromConsumers(const torch::jit::Module& module, const Value* argument, int depth = 0) {
    if (depth > 8) return std::nullopt;
    for (const torch::jit::Use& use : argument->uses()) {
        const Node* node = use.user;
        // A value returned from an If block continues as the If's output.
        if (node->kind() == c10::prim::Return && node->owningBlock()->owningNode() &&
            node->owningBlock()->owningNode()->kind() == c10::prim::If) {
            if (auto guess = guessFromConsumers(module, node->owningBlock()->owningNode()->output(use.offset), depth + 1))
                return guess;
            continue;
        }
        const std::string kind = node->kind().toQualString();
        const bool quantizedConv = kind.rfind("quantized::conv", 0) == 0 || kind == "prepacked::conv2d_clamp_run";
        if (use.offset == 0 && (kind == "aten::conv1d" || kind == "aten::conv2d" || kind == "aten::conv3d" ||
                                kind == "aten::_convolution" || quantizedConv)) {
            const auto weight = weightOf(module, node->input(1));
            if (!weight) continue;
            int64_t groups = 1;
            const size_t groupsIndex = kind == "aten::_convolution" ? 8 : 6;
            if (!quantizedConv && node->inputs().size() > groupsIndex)
                if (const auto value = torch::jit::constant_as<int64_t>(node->input(groupsIndex))) groups = *value;
            Guess guess;
            guess.shape = {1, weight->size(1) * groups};
            for (int64_t d = 2; d < weight->dim(); ++d) guess.shape.push_back(-1);
            return guess;
        }
        if (use.offset == 0 && (kind == "aten::linear" || kind.rfind("quantized::linear", 0) == 0 ||
                                kind == "prepacked::linear_clamp_run")) {
            if (const auto weight = weightOf(module, node->input(1))) return Guess{{1, weight->size(1)}};
        }
        // Float or 8-bit (row-wise quantized) lookups: the indices are int64 below the row count.
        if (use.offset == 1 && (kind == "aten::embedding" || kind.rfind("quantized::embedding", 0) == 0)) {
            if (const auto weight = weightOf(module, node->input(0)))
                return Guess{{1, -1}, "int64", weight->size(0)};
        }
        // A reshape keeps the indices' values: a lookup after it still tells their dtype and bound.
        if (use.offset == 0 && (kind == "aten::reshape" || kind == "aten::view" || kind == "aten::flatten")) {
            auto guess = guessFromConsumers(module, node->output(), depth + 1);
            if (guess && guess->dtype == "int64") return guess;
        }
        // Ops that keep the shape: look at what consumes their result.
        static const char* passThrough[] = {"aten::quantize_per_tensor", "aten::dequantize", "aten::contiguous",
                                            "aten::mul", "aten::add", "aten::sub", "aten::div", "aten::relu",
                                            "aten::relu_", "aten::hardtanh", "aten::clamp", "aten::dropout",
                                            "quantized::add", "aten::sigmoid", "aten::tanh"};
        for (const char* op : passThrough) {
            if (kind == op && node->outputs().size() == 1) {
                if (auto guess = guessFromConsumers(module, node->output(), depth + 1)) return guess;
            }
        }
    }
    return std::nullopt;
}

std::vector<int64_t> fill(std::vector<int64_t> shape, int64_t size) {
    for (int64_t& dim : shape)
        if (dim < 0) dim = size;
    return shape;
}

bool hasFreeDims(const std::vector<int64_t>& shape) {
    return std::find(shape.begin(), shape.end(), -1) != shape.end();
}

std::string describeArgument(const c10::Argument& argument) {
    return "'" + argument.name() + ": " + argument.type()->annotation_str() + "'";
}

void reportUnknown(Inspection& inspection, const std::string& problem) {
    inspection.sampleInputs.reset();
    inspection.sampleInputProblem = problem;
    Finding& finding = inspection.addFinding(
        Severity::Warning, "input.unknown", problem,
        "Pass one --input per forward argument, e.g. --input 1x3x224x224:float or --input 1x128:int64, "
        "or bundle inputs with torch.utils.bundled_inputs. Without sample inputs the round trip "
        "and shape recording are skipped.");
    finding.method = "forward";
}

}  // namespace

bool tryForward(Inspection& inspection, const std::vector<c10::IValue>& inputs, std::string& error);

namespace {

// Inputs the user or the model supplied: kept even when forward fails on them, with a finding.
void acceptGiven(Inspection& inspection, const std::vector<c10::IValue>& values, const std::string& what) {
    std::string error;
    if (tryForward(inspection, values, error)) {
        inspection.sampleInputs = values;
        return;
    }
    reportUnknown(inspection, "forward fails on " + what + ": " + firstLine(error));
}

}  // namespace

c10::IValue runMethod(const torch::jit::Module& module, const std::string& method,
                      const std::vector<c10::IValue>& inputs) {
    // A method runs a handful of times here: profiling and optimizing it would cost more than
    // running it plainly. (Export needs the optimizer on, so this stays local to runs.)
    torch::jit::GraphOptimizerEnabledGuard plainExecutor(false);
    try {
        return module.get_method(method)(inputs);
    } catch (const std::exception& error) {
        throw std::runtime_error(errorText(error));
    }
}

void prepareSampleInputs(Inspection& inspection, const std::vector<std::string>& specs) {
    torch::manual_seed(0);  // the same report for the same model, every time
    const MethodGraph* forward = inspection.forward();
    if (!forward || forward->name != "forward") return;
    const torch::jit::Module& module = *inspection.module;
    const auto& schema = module.get_method("forward").function().getSchema();
    std::vector<c10::Argument> arguments(schema.arguments().begin() + 1, schema.arguments().end());
    Report& report = inspection.report;
    std::vector<c10::IValue> values;

    if (!specs.empty()) {
        if (specs.size() != arguments.size())
            throw std::invalid_argument("forward takes " + std::to_string(arguments.size()) + " argument(s) but " +
                                        std::to_string(specs.size()) + " --input spec(s) were given");
        for (size_t i = 0; i < specs.size(); ++i) {
            const InputSpec spec = parseInputSpec(specs[i]);
            report.inputs.push_back({arguments[i].name(), arguments[i].type()->annotation_str(), spec.shape,
                                     spec.dtype, "spec"});
            values.push_back(makeTensor(spec.shape, spec.dtype, 2));
        }
        acceptGiven(inspection, values, "the --input shapes");
        return;
    }

    if (module.find_method("get_all_bundled_inputs")) {
        try {
            const auto bundled = runMethod(module, "get_all_bundled_inputs", {}).toList();
            if (!bundled.empty()) {
                const auto tuple = bundled.get(0).toTuple();
                for (size_t i = 0; i < tuple->elements().size() && i < arguments.size(); ++i) {
                    const c10::IValue& element = tuple->elements()[i];
                    InputInfo info{arguments[i].name(), arguments[i].type()->annotation_str(), {}, "", "bundled"};
                    if (element.isTensor()) {
                        info.shape = element.toTensor().sizes().vec();
                        info.dtype = dtypeName(element.toTensor().scalar_type());
                    }
                    report.inputs.push_back(info);
                    values.push_back(element);
                }
                acceptGiven(inspection, values, "the bundled inputs");
                return;
            }
        } catch (const std::exception& error) {
            spdlog::warn("bundled inputs could not be read: {}", error.what());
        }
    }

    // Infer from the signature; tensors from the layer that first consumes them.
    std::vector<Guess> guesses;
    for (size_t i = 0; i < arguments.size(); ++i) {
        const c10::Argument& argument = arguments[i];
        const c10::TypePtr& type = argument.type();
        Guess guess;
        if (type->kind() == c10::TypeKind::TensorType) {
            const auto found = guessFromConsumers(module, forward->graph->inputs()[i + 1]);
            if (!found) {
                reportUnknown(inspection, "cannot infer a shape for forward argument " + describeArgument(argument) +
                                              ": no layer that consumes it tells its shape");
                return;
            }
            guess = *found;
        } else if (argument.default_value()) {
            guess.dtype = "default";
        } else if (type->kind() == c10::TypeKind::OptionalType) {
            guess.dtype = "none";
        } else if (type->kind() == c10::TypeKind::IntType || type->kind() == c10::TypeKind::FloatType ||
                   type->kind() == c10::TypeKind::BoolType) {
            guess.dtype = "scalar";
        } else {
            reportUnknown(inspection, "cannot make a sample value for forward argument " + describeArgument(argument));
            return;
        }
        guesses.push_back(guess);
    }

    // Sizes the model's free dimensions commonly take (image sides, sequence lengths); the first
    // that runs is kept.
    static const int64_t imageSides[] = {224, 32, 28, 16, 64, 128, 96, 256, 299, 8};
    static const int64_t sequenceLengths[] = {128, 64, 32, 256, 16, 8, 512, 100, 50, 10};
    std::string lastError;
    for (size_t attempt = 0; attempt < std::size(imageSides); ++attempt) {
        values.clear();
        report.inputs.clear();
        bool anyFree = false;
        for (size_t i = 0; i < arguments.size(); ++i) {
            const Guess& guess = guesses[i];
            const c10::TypePtr& type = arguments[i].type();
            if (guess.dtype == "default") values.push_back(*arguments[i].default_value());
            else if (guess.dtype == "none") values.emplace_back();
            else if (guess.dtype == "scalar")
                values.push_back(type->kind() == c10::TypeKind::FloatType ? c10::IValue(1.0)
                                 : type->kind() == c10::TypeKind::BoolType ? c10::IValue(false)
                                                                           : c10::IValue(int64_t{1}));
            else {
                anyFree = anyFree || hasFreeDims(guess.shape);
                const auto shape =
                    fill(guess.shape, guess.dtype == "int64" ? sequenceLengths[attempt] : imageSides[attempt]);
                values.push_back(makeTensor(shape, guess.dtype, guess.upperBound));
                report.inputs.push_back({arguments[i].name(), type->annotation_str(), shape, guess.dtype, "inferred"});
            }
        }
        if (tryForward(inspection, values, lastError)) {
            inspection.sampleInputs = values;
            return;
        }
        if (!anyFree) break;
    }
    report.inputs.clear();
    reportUnknown(inspection, "forward failed on every inferred input shape (last error: " + firstLine(lastError) + ")");
}

// Quantized ops with quantized outputs (dynamic linear and embedding lookups return floats).
bool producesQuantizedTensor(const std::string& kind) {
    if (kind == "aten::quantize_per_tensor") return true;
    if (kind.rfind("quantized::", 0) != 0) return false;
    for (const char* floatResult : {"dynamic", "embedding", "prepack", "unpack"})
        if (kind.find(floatResult) != std::string::npos) return false;
    return true;
}

// A copy of forward that also returns the size and dtype of every top-level tensor, and the
// integers of every quantized activation: one run gives the output and all of those. Compiled
// once, it serves every candidate input of the search.
//
// It also guards quantized linear layers: qnnpack does not check the input's feature count and
// corrupts memory when it is wrong, which a search over candidate shapes would provoke. Before
// each such layer the copy multiplies the input by a zero weight of the right shape, which
// raises a clean error on a mismatch.
class ForwardRecorder {
public:
    ForwardRecorder(const torch::jit::Module& module, const MethodGraph& forward, bool recordValues)
        : module_(module), forward_(forward) {
        instrument(recordValues);
    }

    // The tuple (forward's output, probe results...); throws on a failed run.
    std::vector<c10::IValue> run(const torch::jit::Module& module, const std::vector<c10::IValue>& inputs) {
        return runPlainly(*function_, module, inputs);
    }

    void apply(Inspection& inspection, const std::vector<c10::IValue>& results) const {
        Graph& graph = inspection.method(forward_).graph;
        for (const Probe& probe : probes_) {
            ptl::Value& value = graph.values[probe.valueId];
            value.shapeKnown = true;
            value.shape = results[probe.sizeOutput].toIntVector();
            value.dtype = dtypeName(static_cast<c10::ScalarType>(results[probe.dtypeOutput].toInt()));
            if (!probe.integersOutput) continue;
            // A percentile rather than the maximum: a few outliers beyond the calibrated range do
            // not tell how the range was chosen.
            const at::Tensor integers = results[*probe.integersOutput].toTensor().flatten().to(at::kFloat);
            if (integers.numel() == 0) continue;
            const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(0.99 * integers.numel()));
            inspection.quantizedActivationP99[probe.valueId] =
                static_cast<int64_t>(std::get<0>(integers.kthvalue(rank)).item<float>());
        }
    }

private:
    struct Probe {
        int valueId;
        size_t sizeOutput, dtypeOutput;
        std::optional<size_t> integersOutput;
    };
    const torch::jit::Module& module_;
    const MethodGraph& forward_;
    std::vector<Probe> probes_;
    std::unique_ptr<torch::jit::GraphFunction> function_;

    Value* guardFeatureCount(torch::jit::Graph& graph, Node* node) const {
        const std::string kind = node->kind().toQualString();
        if (kind.rfind("quantized::linear", 0) != 0 || node->inputs().size() < 2) return nullptr;
        const auto weight = weightOf(module_, node->input(1));
        if (!weight || weight->dim() != 2) return nullptr;
        torch::jit::WithInsertPoint guard(node);
        Value* input = node->input(0);
        if (kind.find("dynamic") == std::string::npos) input = graph.insert(c10::aten::dequantize, {input});
        Value* zeros = graph.insertConstant(torch::zeros({1, weight->size(1)}));
        return graph.insert(c10::aten::linear, {input, zeros});
    }

    void instrument(bool recordValues) {
        auto graph = forward_.graph->copy();
        std::unordered_map<const Value*, const Value*> originals;
        for (const auto& [original, copy] : copiedValues(*forward_.graph, *graph)) originals[copy] = original;
        const std::vector<Node*> nodes(graph->nodes().begin(), graph->nodes().end());
        std::vector<Value*> guards;
        for (Node* node : nodes) {
            if (Value* guard = guardFeatureCount(*graph, node)) guards.push_back(guard);
            if (!recordValues) continue;
            // Values typed Tensor that may hold None or nothing at run time.
            if (node->kind() == c10::prim::Uninitialized || node->kind() == c10::prim::unchecked_cast ||
                node->kind() == c10::prim::Enter || node->kind() == c10::prim::Exit ||
                node->kind() == c10::prim::GetAttr)
                continue;
            for (Value* output : node->outputs()) {
                if (output->type()->kind() != c10::TypeKind::TensorType) continue;
                const auto id = forward_.valueIds.find(originals.at(output));
                if (id == forward_.valueIds.end()) continue;
                // Nodes are created directly: insert() resolves overloads per call, which costs
                // seconds on graphs of tens of thousands of values.
                Node* anchor = node;
                auto probeNode = [&](c10::Symbol kind, const c10::TypePtr& type) {
                    Node* probeOp = graph->create(kind, {output});
                    probeOp->output()->setType(type);
                    probeOp->insertAfter(anchor);
                    anchor = probeOp;
                    graph->registerOutput(probeOp->output());
                };
                Probe probe{id->second, graph->outputs().size(), 0, std::nullopt};
                probeNode(c10::aten::size, c10::ListType::ofInts());
                probe.dtypeOutput = graph->outputs().size();
                probeNode(c10::prim::dtype, c10::IntType::get());
                if (producesQuantizedTensor(node->kind().toQualString())) {
                    probe.integersOutput = graph->outputs().size();
                    probeNode(c10::aten::int_repr, c10::TensorType::get());
                }
                probes_.push_back(probe);
            }
        }
        for (Value* guard : guards) graph->registerOutput(guard);  // kept alive, never read
        function_ = tupleFunction("forward_recorded", graph);
    }
};

namespace {

std::vector<c10::IValue> cloned(const std::vector<c10::IValue>& inputs) {
    std::vector<c10::IValue> copies;
    for (const c10::IValue& input : inputs) copies.push_back(input.isTensor() ? c10::IValue(input.toTensor().clone()) : input);
    return copies;
}

}  // namespace

std::vector<c10::IValue> cloneInputs(const std::vector<c10::IValue>& inputs) { return cloned(inputs); }

std::unordered_map<const torch::jit::Value*, torch::jit::Value*> copiedValues(const torch::jit::Graph& source,
                                                                            torch::jit::Graph& copy) {
    std::unordered_map<const torch::jit::Value*, torch::jit::Value*> copies;
    auto original = source.nodes().begin();
    for (torch::jit::Node* node : copy.nodes()) {
        for (size_t i = 0; i < node->outputs().size(); ++i) copies[original->output(i)] = node->output(i);
        ++original;
    }
    return copies;
}

std::unique_ptr<torch::jit::GraphFunction> tupleFunction(const std::string& name, std::shared_ptr<torch::jit::Graph> graph) {
    torch::jit::WithInsertPoint guard(graph->return_node());
    std::vector<torch::jit::Value*> outputs(graph->outputs().begin(), graph->outputs().end());
    torch::jit::Value* tuple = graph->insertNode(graph->createTuple(outputs))->output();
    while (!graph->outputs().empty()) graph->eraseOutput(graph->outputs().size() - 1);  // from the back: O(1) each
    graph->registerOutput(tuple);
    return std::make_unique<torch::jit::GraphFunction>(name, std::move(graph), nullptr);
}

std::vector<c10::IValue> runPlainly(torch::jit::GraphFunction& function, const torch::jit::Module& module,
                                    const std::vector<c10::IValue>& inputs) {
    torch::jit::Stack stack{module._ivalue()};
    for (const c10::IValue& input : inputs) stack.push_back(input);
    torch::jit::GraphOptimizerEnabledGuard plainExecutor(false);
    function.run(stack);
    return stack.front().toTupleRef().elements().vec();
}

bool tryForward(Inspection& inspection, const std::vector<c10::IValue>& inputs, std::string& error) {
    const MethodGraph* forward = inspection.forward();
    if (!inspection.recorder) inspection.recorder = std::make_shared<ForwardRecorder>(*inspection.module, *forward, inspection.recordValues);
    // Only the guarded copy runs on candidate inputs: forward itself could crash on a wrong guess.
    try {
        std::vector<c10::IValue> results = inspection.recorder->run(*inspection.module, cloned(inputs));
        inspection.forwardOutput = results.front();
        inspection.recorder->apply(inspection, results);
        return true;
    } catch (const std::exception& failure) {
        error = errorText(failure);
        return false;
    }
}

}  // namespace ptl::detail
