// checkConvertOptions: what can be checked without the model, so a bad option fails before
// LibTorch reads anything.
#include "ptl/convert.h"

#include "convert/calibration.h"
#include "ptl/atomic_file.h"
#include "ptl/input_spec.h"

#include <algorithm>

namespace ptl {

namespace {

void checkDestinations(const std::string& modelPath, const ConvertOptions& options) {
    if (options.output.empty()) throw std::invalid_argument("no output file given (-o OUT.ptl)");
    checkDestination(modelPath, options.output);
    if (!options.opsYaml.empty()) checkDestination(modelPath, options.opsYaml);
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

void checkConvertOptions(const std::string& modelPath, const ConvertOptions& options) {
    checkDestinations(modelPath, options);
    checkOptimizations(options.skipOptimizations);
    for (const std::string& spec : options.inputSpecs) parseInputSpec(spec);
    if (options.quantize != Quantization::Static) {
        if (!options.keepFloat.empty()) throw std::invalid_argument("--keep-float applies to static quantization only");
        return;
    }
    if (options.calibration.kind == CalibrationSource::Kind::ImageFolder) {
        if (options.mean.size() != 3 || options.std.size() != 3)
            throw std::invalid_argument("--mean and --std take three values (R, G, B)");
        detail::calibrationImages(options.calibration.path);  // throws when there are none
    }
}

}  // namespace ptl
