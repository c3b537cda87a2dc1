#include "ptl/input_spec.h"

#include <map>
#include <stdexcept>

namespace ptl {

InputSpec parseInputSpec(const std::string& text) {
    static const std::map<std::string, std::string> dtypes{
        {"float", "float32"}, {"float32", "float32"}, {"double", "float64"}, {"float64", "float64"},
        {"half", "float16"},  {"float16", "float16"}, {"long", "int64"},     {"int64", "int64"},
        {"int", "int32"},     {"int32", "int32"},     {"int8", "int8"},      {"uint8", "uint8"},
        {"bool", "bool"}};
    const auto bad = [&](const std::string& why) {
        return std::invalid_argument("bad input spec '" + text + "': " + why +
                                     " (expected e.g. 1x3x224x224:float or 1x128:int64)");
    };
    InputSpec spec;
    const size_t colon = text.find(':');
    const std::string dims = text.substr(0, colon);
    if (colon != std::string::npos) {
        const auto it = dtypes.find(text.substr(colon + 1));
        if (it == dtypes.end()) throw bad("unknown dtype '" + text.substr(colon + 1) + "'");
        spec.dtype = it->second;
    }
    if (dims.empty()) throw bad("no dimensions");
    size_t at = 0;
    while (at <= dims.size()) {
        const size_t end = std::min(dims.find('x', at), dims.size());
        const std::string dim = dims.substr(at, end - at);
        if (dim.empty() || dim.find_first_not_of("0123456789") != std::string::npos)
            throw bad("dimension '" + dim + "' is not a positive integer");
        const long long value = std::stoll(dim);
        if (value <= 0 || value > (1ll << 31)) throw bad("dimension '" + dim + "' is out of range");
        spec.shape.push_back(value);
        at = end + 1;
    }
    return spec;
}

std::string formatShape(const std::vector<int64_t>& shape) {
    std::string text;
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? "x" : "") + std::to_string(shape[i]);
    return text.empty() ? "scalar" : text;
}

}  // namespace ptl
