// The sweep spec as users type it; see ptl/sweep.h.
#include "ptl/input_spec.h"
#include "ptl/sweep.h"

#include <algorithm>
#include <stdexcept>

namespace ptl {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    size_t at = 0;
    for (;;) {
        const size_t end = text.find(separator, at);
        parts.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
        if (end == std::string::npos) return parts;
        at = end + 1;
    }
}

std::string trimmed(const std::string& text) {
    const size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::invalid_argument badSpec(const std::string& part, const std::string& why) {
    return std::invalid_argument("bad sweep spec '" + part + "': " + why +
                                 " (expected e.g. batch=1,2,4; scale=0.5,1,1.5; hw=112x112,224x224; seq=16,64,128; "
                                 "or input specs joined by '+', axes separated by ';')");
}

double positiveNumber(const std::string& part, const std::string& text, bool integer) {
    size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        throw badSpec(part, "'" + text + "' is not a number");
    }
    if (used != text.size() || !(value > 0) || value > (1ll << 31)) throw badSpec(part, "'" + text + "' is not a positive number");
    if (integer && value != static_cast<double>(static_cast<int64_t>(value)))
        throw badSpec(part, "'" + text + "' is not a whole number");
    return value;
}

SweepAxis parseAxis(const std::string& part) {
    const size_t equals = part.find('=');
    SweepAxis axis;
    if (equals == std::string::npos) {  // a point given in full
        axis.name = "given";
        for (const std::string& input : split(part, '+')) {
            try {
                parseInputSpec(trimmed(input));
            } catch (const std::invalid_argument& problem) {
                throw badSpec(part, problem.what());
            }
            axis.given.push_back(trimmed(input));
        }
        return axis;
    }
    axis.name = trimmed(part.substr(0, equals));
    const std::vector<std::string> values = split(part.substr(equals + 1), ',');
    if (axis.name != "batch" && axis.name != "scale" && axis.name != "hw" && axis.name != "seq")
        throw badSpec(part, "unknown axis '" + axis.name + "'");
    for (const std::string& raw : values) {
        const std::string value = trimmed(raw);
        if (value.empty()) throw badSpec(part, "an empty value");
        if (axis.name == "hw") {
            const std::vector<std::string> sides = split(value, 'x');
            if (sides.size() != 2) throw badSpec(part, "'" + value + "' is not HxW");
            axis.sizes.push_back({static_cast<int64_t>(positiveNumber(part, sides[0], true)),
                                  static_cast<int64_t>(positiveNumber(part, sides[1], true))});
        } else {
            axis.values.push_back(positiveNumber(part, value, axis.name != "scale"));
        }
    }
    return axis;
}

}  // namespace

std::vector<SweepAxis> parseSweepSpec(const std::string& text) {
    std::vector<SweepAxis> axes;
    for (const std::string& raw : split(text, ';')) {
        const std::string part = trimmed(raw);
        if (part.empty()) continue;
        axes.push_back(parseAxis(part));
    }
    return axes;
}

int sweepFailures(const ShapeSweep& sweep) {
    return static_cast<int>(std::count_if(sweep.points.begin(), sweep.points.end(),
                                          [](const SweepPoint& point) { return !point.ran; }));
}

int sweepDivergences(const ShapeSweep& sweep) {
    return static_cast<int>(std::count_if(sweep.points.begin(), sweep.points.end(),
                                          [](const SweepPoint& point) { return point.diverged; }));
}

}  // namespace ptl
