// The shapes of a sweep and the runs over them; see shape_sweep.h.
#include "sweep/shape_sweep.h"

#include "common/torch_text.h"
#include "ptl/input_spec.h"
#include "session/sample_values.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace ptl::detail {

namespace {

bool isImage(const at::Tensor& tensor) {
    return tensor.dim() == 4 && c10::isFloatingType(tensor.scalar_type()) && (tensor.size(1) == 1 || tensor.size(1) == 3);
}
bool isTokens(const at::Tensor& tensor) {
    return tensor.dim() == 2 && (tensor.scalar_type() == at::kLong || tensor.scalar_type() == at::kInt);
}
bool hasBatch(const at::Tensor& tensor) { return tensor.dim() >= 2; }

std::string specOf(const c10::IValue& value) {
    if (!value.isTensor()) return "-";
    return formatShape(value.toTensor().sizes().vec()) + ":" + dtypeName(value.toTensor().scalar_type());
}

// A tensor of another shape like the sample: integers stay below the sample's largest (token ids
// index an embedding).
at::Tensor likeSample(const at::Tensor& sample, const std::vector<int64_t>& shape) {
    if (sample.sizes().vec() == shape) return sample;
    const std::string dtype = dtypeName(sample.scalar_type());
    int64_t bound = 2;
    if (!c10::isFloatingType(sample.scalar_type()) && sample.scalar_type() != at::kBool && sample.numel() > 0)
        bound = std::max<int64_t>(2, sample.max().item<int64_t>() + 1);
    return makeTensor(shape, dtype, bound);
}

// The sample with the tensors `applies` selects reshaped by `reshape`; nullopt when none applies.
template <typename Applies, typename Reshape>
std::optional<std::vector<c10::IValue>> varied(const std::vector<c10::IValue>& sample, Applies applies, Reshape reshape) {
    std::vector<c10::IValue> values;
    bool any = false;
    for (const c10::IValue& value : sample) {
        if (!value.isTensor() || !applies(value.toTensor())) {
            values.push_back(value);
            continue;
        }
        any = true;
        std::vector<int64_t> shape = value.toTensor().sizes().vec();
        reshape(shape);
        values.emplace_back(likeSample(value.toTensor(), shape));
    }
    if (!any) return std::nullopt;
    return values;
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

class InputBuilder {
public:
    explicit InputBuilder(const std::vector<c10::IValue>& sample) : sample_(sample) {}

    void add(const std::string& label, std::vector<c10::IValue> values) {
        SweepInput input;
        input.label = label;
        for (const c10::IValue& value : values) input.specs.push_back(specOf(value));
        if (!seen_.insert(input.specs).second) return;
        input.sample = input.specs == sampleSpecs();
        input.values = std::move(values);
        inputs_.push_back(std::move(input));
    }

    void addAxis(const SweepAxis& axis) {
        if (axis.name == "given") return addGiven(axis);
        const size_t count = axis.name == "hw" ? axis.sizes.size() : axis.values.size();
        for (size_t i = 0; i < count; ++i) {
            std::string label;
            std::optional<std::vector<c10::IValue>> values = axis.name == "batch" ? batch(axis.values[i], label)
                                                             : axis.name == "seq" ? sequence(axis.values[i], label)
                                                                                  : image(axis, i, label);
            if (!values) throw std::invalid_argument(noInputFor(axis.name));
            add(label, std::move(*values));
        }
    }

    std::vector<SweepInput> finish() {
        // The sample shape first: the reference the others are compared with.
        const auto sample = std::find_if(inputs_.begin(), inputs_.end(), [](const SweepInput& in) { return in.sample; });
        if (sample == inputs_.end()) {
            SweepInput input;
            input.label = "sample";
            input.specs = sampleSpecs();
            input.values = sample_;
            input.sample = true;
            inputs_.insert(inputs_.begin(), std::move(input));
        } else {
            std::rotate(inputs_.begin(), sample, sample + 1);
        }
        return std::move(inputs_);
    }

private:
    const std::vector<c10::IValue>& sample_;
    std::vector<SweepInput> inputs_;
    std::set<std::vector<std::string>> seen_;
    int given_ = 0;

    std::vector<std::string> sampleSpecs() const {
        std::vector<std::string> specs;
        for (const c10::IValue& value : sample_) specs.push_back(specOf(value));
        return specs;
    }

    std::optional<std::vector<c10::IValue>> batch(double value, std::string& label) const {
        const auto size = static_cast<int64_t>(value);
        label = "batch " + std::to_string(size);
        return varied(sample_, hasBatch, [size](std::vector<int64_t>& shape) { shape[0] = size; });
    }

    std::optional<std::vector<c10::IValue>> sequence(double value, std::string& label) const {
        const auto length = static_cast<int64_t>(value);
        label = "sequence " + std::to_string(length);
        return varied(sample_, isTokens, [length](std::vector<int64_t>& shape) { shape[1] = length; });
    }

    // scale=: height and width relative to the sample's; hw=: given.
    std::optional<std::vector<c10::IValue>> image(const SweepAxis& axis, size_t index, std::string& label) const {
        const bool scaled = axis.name == "scale";
        auto values = varied(sample_, isImage, [&](std::vector<int64_t>& shape) {
            for (size_t side = 0; side < 2; ++side)
                shape[2 + side] = scaled ? std::max<int64_t>(1, std::llround(double(shape[2 + side]) * axis.values[index]))
                                         : axis.sizes[index][side];
        });
        if (!values) return values;
        const at::Tensor first = std::find_if(values->begin(), values->end(), [](const c10::IValue& value) {
                                     return value.isTensor() && isImage(value.toTensor());
                                 })->toTensor();
        label = "image " + std::to_string(first.size(2)) + "x" + std::to_string(first.size(3)) +
                (scaled ? " (" + number(axis.values[index]) + "x)" : "");
        return values;
    }

    static std::string noInputFor(const std::string& axis) {
        if (axis == "batch") return "the sweep axis 'batch' fits no input (no tensor input with 2 or more dimensions)";
        if (axis == "seq") return "the sweep axis 'seq' fits no input (no int64 or int32 2-D input of token ids)";
        return "the sweep axis '" + axis + "' fits no input (no NCHW image input with 1 or 3 channels)";
    }

    void addGiven(const SweepAxis& axis) {
        ++given_;
        size_t tensors = 0;
        for (const c10::IValue& value : sample_) tensors += value.isTensor();
        if (axis.given.size() != tensors)
            throw std::invalid_argument("the sweep point '" + joined(axis.given) + "' gives " +
                                        std::to_string(axis.given.size()) + " input spec(s) but forward takes " +
                                        std::to_string(tensors) + " tensor argument(s)");
        std::vector<c10::IValue> values;
        size_t next = 0;
        for (const c10::IValue& value : sample_) {
            if (!value.isTensor()) {
                values.push_back(value);
                continue;
            }
            const InputSpec spec = parseInputSpec(axis.given[next++]);
            const at::Tensor& like = value.toTensor();
            values.emplace_back(spec.dtype == dtypeName(like.scalar_type()) ? likeSample(like, spec.shape)
                                                                            : makeTensor(spec.shape, spec.dtype, 2));
        }
        add("given " + std::to_string(given_), std::move(values));
    }

    static std::string joined(const std::vector<std::string>& specs) {
        std::string text;
        for (const std::string& spec : specs) text += (text.empty() ? "" : "+") + spec;
        return text;
    }
};

// The axes a sweep derives from the inputs: batch always, image sizes and sequence lengths
// where there are such inputs.
std::vector<SweepAxis> derivedAxes(const std::vector<c10::IValue>& sample) {
    auto any = [&](bool (*test)(const at::Tensor&)) {
        return std::any_of(sample.begin(), sample.end(),
                           [test](const c10::IValue& value) { return value.isTensor() && test(value.toTensor()); });
    };
    std::vector<SweepAxis> axes;
    if (any(hasBatch)) axes.push_back({"batch", {1, 2, 4}, {}, {}});
    if (any(isImage)) axes.push_back({"scale", {0.5, 1, 1.5}, {}, {}});
    if (any(isTokens)) axes.push_back({"seq", {16, 64, 128}, {}, {}});
    return axes;
}

// If nodes compare by the branches they took (a loop around them repeats them), loops by their
// trip counts.
std::vector<int64_t> pathOf(const SweepDecision& decision) {
    if (decision.kind != "prim::If") return decision.taken;
    std::vector<int64_t> branches = decision.taken;
    std::sort(branches.begin(), branches.end());
    branches.erase(std::unique(branches.begin(), branches.end()), branches.end());
    return branches;
}

void flattenShapes(const c10::IValue& value, std::vector<std::vector<int64_t>>& out) {
    if (value.isTensor()) out.push_back(value.toTensor().sizes().vec());
    else if (value.isTuple())
        for (const c10::IValue& element : value.toTupleRef().elements()) flattenShapes(element, out);
    else if (value.isList())
        for (const c10::IValue& element : value.toListRef()) flattenShapes(element, out);
    else if (value.isGenericDict())
        for (const auto& entry : value.toGenericDict()) flattenShapes(entry.value(), out);
}

}  // namespace

std::vector<SweepInput> sweepInputs(const std::vector<c10::IValue>& sample, const std::string& spec) {
    const std::vector<SweepAxis> given = parseSweepSpec(spec);
    const std::vector<SweepAxis> axes = given.empty() ? derivedAxes(sample) : given;
    torch::manual_seed(0);  // the same tensors for the same spec, in every run and both models
    InputBuilder builder(sample);
    for (const SweepAxis& axis : axes) builder.addAxis(axis);
    return builder.finish();
}

SweepPoint runSweepPoint(PathRecorder& recorder, const SweepInput& input, c10::IValue* output) {
    SweepPoint point;
    point.label = input.label;
    point.inputs = input.specs;
    point.sample = input.sample;
    RecordedPath path = recorder.run(input.values);
    point.ran = path.ran;
    point.error = path.error;
    point.errorNode = path.errorNode;
    point.decisions = std::move(path.decisions);
    if (path.ran) flattenShapes(path.output, point.outputShapes);
    if (output) *output = std::move(path.output);
    return point;
}

void markDivergence(std::vector<SweepPoint>& points) {
    const auto sample = std::find_if(points.begin(), points.end(), [](const SweepPoint& p) { return p.sample; });
    if (sample == points.end() || !sample->ran) return;
    std::map<int, std::vector<int64_t>> reference;
    for (const SweepDecision& decision : sample->decisions) reference[decision.node] = pathOf(decision);
    for (SweepPoint& point : points) {
        if (point.sample || !point.ran) continue;
        std::map<int, std::vector<int64_t>> paths;
        for (const SweepDecision& decision : point.decisions) paths[decision.node] = pathOf(decision);
        std::set<int> nodes;
        for (const auto& [node, path] : reference) nodes.insert(node);
        for (const auto& [node, path] : paths) nodes.insert(node);
        point.divergedNodes.clear();
        for (const int node : nodes) {
            const auto a = reference.find(node), b = paths.find(node);
            const std::vector<int64_t> none;
            if ((a == reference.end() ? none : a->second) != (b == paths.end() ? none : b->second))
                point.divergedNodes.push_back(node);
        }
        point.diverged = !point.divergedNodes.empty();
    }
}

ShapeSweep runShapeSweep(Session::State& session, const std::string& spec, const JobControl& job, double from,
                         double to) {
    ShapeSweep sweep;
    sweep.requested = true;
    sweep.spec = spec;
    if (!session.module || !session.forwardGraph) {
        sweep.problem = "the file has no TorchScript code to run at other shapes";
        return sweep;
    }
    if (!session.sampleInputs) {
        sweep.problem = "no sample inputs to derive the shapes from" +
                        (session.inputProblem.empty() ? std::string() : " (" + session.inputProblem + ")");
        return sweep;
    }
    const std::vector<SweepInput> inputs = sweepInputs(*session.sampleInputs, spec);
    PathRecorder recorder(*session.module, session.forwardGraph);
    for (size_t i = 0; i < inputs.size(); ++i) {
        job.checkCancelled();
        job.report("Shape sweep: " + inputs[i].label + " (" + std::to_string(i + 1) + " of " +
                       std::to_string(inputs.size()) + ")",
                   from + (to - from) * double(i) / double(inputs.size()));
        sweep.points.push_back(runSweepPoint(recorder, inputs[i]));
    }
    markDivergence(sweep.points);
    return sweep;
}

}  // namespace ptl::detail
