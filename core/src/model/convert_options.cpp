// Conversion options by the names the CLI, the worker protocol and reports use, and their JSON
// form (the worker's convert and bench requests).
#include "ptl/convert.h"
#include "ptl/report_json.h"
#include "ptl/version.h"

#include <filesystem>
#include <stdexcept>

namespace ptl {

namespace {

namespace fs = std::filesystem;

template <typename Enum, size_t N>
Enum parseName(const std::string& name, const std::pair<const char*, Enum> (&names)[N], const char* what) {
    std::string known;
    for (const auto& [text, value] : names) {
        if (name == text) return value;
        known += (known.empty() ? "" : ", ") + std::string(text);
    }
    throw std::invalid_argument("unknown " + std::string(what) + " '" + name + "' (" + known + ")");
}

template <typename Enum, size_t N>
const char* nameOf(Enum value, const std::pair<const char*, Enum> (&names)[N]) {
    for (const auto& [text, known] : names)
        if (known == value) return text;
    return "?";
}

constexpr std::pair<const char*, Quantization> kQuantizations[] = {
    {"none", Quantization::None}, {"dynamic", Quantization::Dynamic}, {"static", Quantization::Static}};
constexpr std::pair<const char*, QuantizedBackend> kBackends[] = {{"qnnpack", QuantizedBackend::Qnnpack},
                                                                  {"x86", QuantizedBackend::X86}};
constexpr std::pair<const char*, ActivationObserver> kObservers[] = {{"minmax", ActivationObserver::MinMax},
                                                                     {"histogram", ActivationObserver::Histogram}};

}  // namespace

Quantization parseQuantization(const std::string& name) { return parseName(name, kQuantizations, "quantization"); }
QuantizedBackend parseBackend(const std::string& name) { return parseName(name, kBackends, "backend"); }
ActivationObserver parseObserver(const std::string& name) { return parseName(name, kObservers, "observer"); }
const char* quantizationName(Quantization quantization) { return nameOf(quantization, kQuantizations); }
const char* backendName(QuantizedBackend backend) { return nameOf(backend, kBackends); }
const char* observerName(ActivationObserver observer) { return nameOf(observer, kObservers); }

CalibrationSource parseCalibrationSource(const std::string& text) {
    CalibrationSource source;
    const std::string prefix = "random:";
    if (text.rfind(prefix, 0) == 0) {
        int batches = 0;
        try {
            batches = std::stoi(text.substr(prefix.size()));
        } catch (const std::exception&) {
        }
        if (batches < 1 || batches > 100000) throw std::invalid_argument("calibration '" + text + "': N must be 1 or more");
        source.batches = batches;
        return source;
    }
    std::error_code error;
    source.path = text;
    if (fs::is_directory(text, error)) {
        source.kind = CalibrationSource::Kind::ImageFolder;
    } else if (fs::is_regular_file(text, error)) {
        source.kind = CalibrationSource::Kind::TensorFile;
    } else {
        throw std::invalid_argument("calibration '" + text +
                                    "' is neither random:N, a folder of images nor a file of saved tensors");
    }
    return source;
}

std::string calibrationText(const CalibrationSource& source) {
    return source.kind == CalibrationSource::Kind::Random ? "random:" + std::to_string(source.batches) : source.path;
}

std::string operatorsYaml(const std::vector<std::string>& operators) {
    std::string yaml = "# Root operators for a selective PyTorch Mobile build (written by " + toolVersion() + ")\n";
    for (const std::string& op : operators) yaml += "- " + op + "\n";
    return yaml;
}

nlohmann::json toJson(const ConvertOptions& options) {
    return {{"output", options.output},
            {"inputs", options.inputSpecs},
            {"optimize", options.optimize},
            {"skipOptimizations", options.skipOptimizations},
            {"preservedMethods", options.preservedMethods},
            {"bytecodeVersion", options.bytecodeVersion},
            {"quantize", quantizationName(options.quantize)},
            {"backend", backendName(options.backend)},
            {"observer", observerName(options.observer)},
            {"calibration", calibrationText(options.calibration)},
            {"keepFloat", options.keepFloat},
            {"mean", options.mean},
            {"std", options.std},
            {"opsYaml", options.opsYaml}};
}

ConvertOptions convertOptionsFromJson(const nlohmann::json& json) {
    ConvertOptions options;
    options.output = json.value("output", options.output);
    options.inputSpecs = json.value("inputs", options.inputSpecs);
    options.optimize = json.value("optimize", options.optimize);
    options.skipOptimizations = json.value("skipOptimizations", options.skipOptimizations);
    options.preservedMethods = json.value("preservedMethods", options.preservedMethods);
    options.bytecodeVersion = json.value("bytecodeVersion", options.bytecodeVersion);
    options.quantize = parseQuantization(json.value("quantize", std::string("none")));
    options.backend = parseBackend(json.value("backend", std::string("qnnpack")));
    options.observer = parseObserver(json.value("observer", std::string("minmax")));
    if (options.quantize == Quantization::Static)
        options.calibration = parseCalibrationSource(json.value("calibration", std::string("random:8")));
    options.keepFloat = json.value("keepFloat", options.keepFloat);
    options.mean = json.value("mean", options.mean);
    options.std = json.value("std", options.std);
    options.opsYaml = json.value("opsYaml", options.opsYaml);
    return options;
}

nlohmann::json toJson(const BenchOptions& options) {
    return {{"inputs", options.inputSpecs}, {"threads", options.threads}, {"warmup", options.warmup},
            {"iterations", options.iterations}, {"lite", options.lite}};
}

BenchOptions benchOptionsFromJson(const nlohmann::json& json) {
    BenchOptions options;
    options.inputSpecs = json.value("inputs", options.inputSpecs);
    options.threads = json.value("threads", options.threads);
    options.warmup = json.value("warmup", options.warmup);
    options.iterations = json.value("iterations", options.iterations);
    options.lite = json.value("lite", options.lite);
    return options;
}

}  // namespace ptl
