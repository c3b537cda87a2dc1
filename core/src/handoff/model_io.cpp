// Classifies a model's inputs and output for the integration code; see model_io.h.
#include "handoff/model_io.h"

#include "ptl/input_spec.h"

#include <cctype>

namespace ptl::handoff {

namespace {

// Argument names become Kotlin, Objective-C and C++ identifiers ("input.1" -> "input1").
std::string identifier(const std::string& name, size_t index) {
    std::string text;
    for (const char c : name)
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') text += c;
    if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) text = "input" + std::to_string(index);
    if (text == "self" || text == "in" || text == "object" || text == "fun" || text == "val") text += "Value";
    return text;
}

std::string originText(const std::string& source) {
    if (source == "spec") return "given as a sample input";
    if (source == "bundled") return "bundled with the model";
    if (source == "inferred") return "inferred from the layers that read it";
    return source;
}

InputKind kindOf(const InputInfo& input) {
    if (input.dtype == "int64" || input.dtype == "int32") return InputKind::TokenIds;
    if (input.dtype == "float32" && input.shape.size() == 4 && input.shape[0] == 1 && input.shape[1] == 3)
        return InputKind::Image;
    return InputKind::Floats;
}

ModelOutput outputOf(const Report& report) {
    ModelOutput output;
    output.description = "output: shape not recorded";
    if (report.methods.empty() || report.methods.front().graph.outputs.size() != 1) return output;
    const Graph& graph = report.methods.front().graph;
    const Value& value = graph.values.at(size_t(graph.outputs.front()));
    if (value.type == "Tensor") {
        output.integer = value.dtype == "int64" || value.dtype == "int32";
        if (value.shapeKnown)
            output.description = "output: " + formatShape(value.shape) + " " + value.dtype + " (measured on the sample input)";
        else
            output.description = "output: a tensor";
        return output;
    }
    if (value.type.rfind("(Tensor", 0) == 0 && value.type.find('[') == std::string::npos &&
        value.type.find("Dict") == std::string::npos) {
        output.kind = OutputKind::TupleOfTensors;
        output.description = "output: a tuple " + value.type + ", each read as floats";
        return output;
    }
    output.kind = OutputKind::Other;
    output.description = "output: " + value.type + " (see IValue's accessors)";
    return output;
}

}  // namespace

bool ModelIo::hasImage() const {
    for (const ModelInput& input : inputs)
        if (input.kind == InputKind::Image) return true;
    return false;
}

bool ModelIo::hasFlatInput() const {
    for (const ModelInput& input : inputs)
        if (input.kind != InputKind::Image) return true;
    return false;
}

std::string typeNameFromPath(const std::string& path) {
    std::string stem = path.substr(path.find_last_of('/') + 1);
    stem = stem.substr(0, stem.find('.'));
    std::string name;
    bool upper = true;
    for (const char c : stem) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            upper = true;
            continue;
        }
        name += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "Model" + name;
    return name;
}

ModelIo modelIo(const Report& report) {
    ModelIo io;
    io.typeName = typeNameFromPath(report.file);
    for (size_t i = 0; i < report.inputs.size(); ++i) {
        const InputInfo& info = report.inputs[i];
        if (info.shape.empty() && info.dtype.empty()) continue;  // tried, not found
        io.inputs.push_back({identifier(info.argument, i), kindOf(info), info.shape, info.dtype, originText(info.source)});
    }
    io.output = outputOf(report);
    return io;
}

int64_t bytecodeVersionFor(const Report& report, const IntegrationSettings& settings) {
    if (settings.bytecodeVersion >= 0) return settings.bytecodeVersion;
    if (report.bytecodeVersion >= 0) return report.bytecodeVersion;
    return 8;  // what LibTorch 1.13's export writes (kProducedBytecodeVersion)
}

std::string kotlinResultType(const ModelOutput& output) {
    switch (output.kind) {
        case OutputKind::Tensor: return output.integer ? "LongArray" : "FloatArray";
        case OutputKind::TupleOfTensors: return "List<FloatArray>";
        case OutputKind::Other: return "IValue";
    }
    return "IValue";
}

std::string kotlinReadOutput(const ModelOutput& output) {
    switch (output.kind) {
        case OutputKind::Tensor: return output.integer ? "output.toTensor().dataAsLongArray" : "output.toTensor().dataAsFloatArray";
        case OutputKind::TupleOfTensors: return "output.toTuple().map { it.toTensor().dataAsFloatArray }";
        case OutputKind::Other: return "output";
    }
    return "output";
}

}  // namespace ptl::handoff
