// Conversion options by name, and the checks that need no model: a bad option fails before
// LibTorch reads anything.
#include "ptl/convert.h"

#include "convert/calibration.h"
#include "convert/export.h"
#include "ptl/input_spec.h"

#include <algorithm>
#include <filesystem>

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

void checkDestinations(const std::string& modelPath, const ConvertOptions& options) {
    if (options.output.empty()) throw std::invalid_argument("no output file given (-o OUT.ptl)");
    if (detail::samePath(modelPath, options.output) ||
        (!options.opsYaml.empty() && detail::samePath(modelPath, options.opsYaml)))
        throw std::invalid_argument("refusing to overwrite the input model " + modelPath);
    for (const std::string& destination : {options.output, options.opsYaml}) {
        std::error_code error;
        if (!destination.empty() && fs::exists(destination, error) && !fs::is_regular_file(destination, error))
            throw std::invalid_argument(destination + " exists and is not a regular file: refusing to replace it");
    }
}

void checkOptimizations(const std::vector<std::string>& skipped) {
    const std::vector<std::string>& known = optimizationNames();
    for (const std::string& skip : skipped) {
        if (std::find(known.begin(), known.end(), skip) != known.end()) continue;
        std::string list;
        for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
        throw std::invalid_argument("unknown optimization '" + skip + "' (known: " + list + ")");
    }
}

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

void checkConvertOptions(const std::string& modelPath, const ConvertOptions& options) {
    checkDestinations(modelPath, options);
    checkOptimizations(options.skipOptimizations);
    for (const std::string& spec : options.inputSpecs) parseInputSpec(spec);
    if (options.quantize != Quantization::Static) return;
    if (options.calibration.kind == CalibrationSource::Kind::ImageFolder) {
        if (options.mean.size() != 3 || options.std.size() != 3)
            throw std::invalid_argument("--mean and --std take three values (R, G, B)");
        detail::calibrationImages(options.calibration.path);  // throws when there are none
    }
}

}  // namespace ptl
