// Sample tensors and input copies; see sample_values.h.
#include "session/sample_values.h"

#include <torch/script.h>

#include <algorithm>
#include <map>

namespace ptl::detail {

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

at::Tensor makeSampleTensor(const std::vector<int64_t>& shape, const std::string& dtype) {
    return makeTensor(shape, dtype, 2);
}

std::vector<c10::IValue> cloneInputs(const std::vector<c10::IValue>& inputs) {
    std::vector<c10::IValue> copies;
    for (const c10::IValue& input : inputs) copies.push_back(input.isTensor() ? c10::IValue(input.toTensor().clone()) : input);
    return copies;
}

}  // namespace ptl::detail
