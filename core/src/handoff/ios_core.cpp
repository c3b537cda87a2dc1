// The C++ core of the iOS wrapper: plain LibTorch-Lite C++, so that it compiles on desktop
// LibTorch as well (the tests build and run it on the fixture it was generated for).
#include "handoff/model_io.h"
#include "handoff/text.h"
#include "ptl/handoff.h"
#include "ptl/input_spec.h"

#include <sstream>

namespace ptl {

namespace {

using handoff::InputKind;
using handoff::ModelInput;

std::string elementType(const ModelInput& input) { return input.kind == InputKind::TokenIds ? "int64_t" : "float"; }
std::string atType(const ModelInput& input) { return input.kind == InputKind::TokenIds ? "at::kLong" : "at::kFloat"; }

int64_t elementCount(const std::vector<int64_t>& shape) {
    int64_t count = 1;
    for (const int64_t dim : shape) count *= dim;
    return count;
}

std::string braced(const std::vector<int64_t>& shape) {
    std::string text = "{";
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "}";
}

std::string floatArray(const std::vector<float>& values) {
    std::string text = "{";
    for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + handoff::shortFloat(values[i]) + "f";
    return text + "}";
}

void writePixelNormalization(std::ostringstream& out, const IntegrationSettings& settings) {
    out << "    // Interleaved 8-bit BGRA pixels (a kCVPixelFormatType_32BGRA buffer) to planar RGB floats,\n"
        << "    // normalized as for calibration and as Android's TensorImageUtils: (value / 255 - mean) / std.\n"
        << "    static std::vector<float> normalizedPixels(const uint8_t* bgra, size_t bytesPerRow, int width, int height) {\n"
        << "        static const float mean[3] = " << floatArray(settings.mean) << ";\n"
        << "        static const float std[3] = " << floatArray(settings.std) << ";\n"
        << "        std::vector<float> planes(size_t(3) * width * height);\n"
        << "        for (int y = 0; y < height; ++y) {\n"
        << "            const uint8_t* row = bgra + size_t(y) * bytesPerRow;\n"
        << "            for (int x = 0; x < width; ++x) {\n"
        << "                const uint8_t* pixel = row + size_t(x) * 4;\n"
        << "                const float rgb[3] = {pixel[2] / 255.0f, pixel[1] / 255.0f, pixel[0] / 255.0f};\n"
        << "                for (int c = 0; c < 3; ++c)\n"
        << "                    planes[(size_t(c) * height + y) * width + x] = (rgb[c] - mean[c]) / std[c];\n"
        << "            }\n"
        << "        }\n"
        << "        return planes;\n"
        << "    }\n\n";
}

}  // namespace

std::string iosCppCore(const Report& report, const IntegrationSettings& settings) {
    const handoff::ModelIo io = handoff::modelIo(report);
    const std::string runner = io.typeName + "Runner";
    std::ostringstream out;
    out << "// ---- C++ core: LibTorch-Lite only, no Objective-C ----\n"
        << "#include <ATen/ATen.h>\n"
        << "#include <c10/core/InferenceMode.h>\n"
        << "#include <torch/csrc/jit/mobile/import.h>\n"
        << "#include <torch/csrc/jit/mobile/module.h>\n\n"
        << "#include <cstdint>\n#include <stdexcept>\n#include <string>\n#include <vector>\n\n"
        << "namespace ptl_generated {\n\n"
        << "class " << runner << " {\n"
        << "public:\n"
        << "    explicit " << runner << "(const std::string& modelPath) : module_(torch::jit::_load_for_mobile(modelPath)) {}\n\n";
    if (io.hasImage()) writePixelNormalization(out, settings);
    for (const ModelInput& input : io.inputs)
        out << "    // " << input.name << ": " << formatShape(input.shape) << " " << input.dtype << ", "
            << elementCount(input.shape) << " values\n";
    out << "    // Runs forward and returns its output as floats (a tuple's first element).\n"
        << "    std::vector<float> forward(";
    for (size_t i = 0; i < io.inputs.size(); ++i)
        out << (i ? ", " : "") << "std::vector<" << elementType(io.inputs[i]) << ">& " << io.inputs[i].name;
    out << ") {\n"
        << "        c10::InferenceMode guard;  // no autograd bookkeeping on the phone\n"
        << "        std::vector<c10::IValue> inputs;\n";
    for (const ModelInput& input : io.inputs)
        out << "        if (" << input.name << ".size() != " << elementCount(input.shape) << ")\n"
            << "            throw std::invalid_argument(\"" << input.name << ": expected " << elementCount(input.shape)
            << " values\");\n"
            << "        inputs.emplace_back(at::from_blob(" << input.name << ".data(), " << braced(input.shape) << ", "
            << atType(input) << "));\n";
    out << "        c10::IValue result = module_.forward(inputs);\n"
        << "        if (result.isTuple()) result = result.toTupleRef().elements().at(0);\n"
        << "        const at::Tensor output = result.toTensor().to(at::kFloat).contiguous();\n"
        << "        const float* data = output.data_ptr<float>();\n"
        << "        return std::vector<float>(data, data + output.numel());\n"
        << "    }\n\n"
        << "private:\n"
        << "    torch::jit::mobile::Module module_;\n"
        << "};\n\n"
        << "}  // namespace ptl_generated\n"
        << "// ---- end of the C++ core ----\n";
    return out.str();
}

}  // namespace ptl
