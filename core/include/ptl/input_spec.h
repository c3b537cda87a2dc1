// Sample input specifications as users type them: "1x3x224x224:float", "1x128:int64".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptl {

struct InputSpec {
    std::vector<int64_t> shape;
    std::string dtype = "float32";  // canonical name
};

// Throws std::invalid_argument with a message that shows the expected form.
InputSpec parseInputSpec(const std::string& text);
std::string formatShape(const std::vector<int64_t>& shape);  // "1x3x224x224"

}  // namespace ptl
