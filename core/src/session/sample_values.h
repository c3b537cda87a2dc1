// Sample values for running a model: seeded random tensors of a shape and dtype, and copies of
// inputs (a run may write to its inputs in place).
#pragma once

#include <ATen/core/ivalue.h>

#include <string>
#include <vector>

namespace ptl::detail {

c10::ScalarType scalarTypeOf(const std::string& dtype);  // "float32", "int64", ... as InputSpec names them
// Floats from a normal distribution, integers in [0, upperBound), bools false.
at::Tensor makeTensor(const std::vector<int64_t>& shape, const std::string& dtype, int64_t upperBound);
at::Tensor makeSampleTensor(const std::vector<int64_t>& shape, const std::string& dtype);  // integers in [0, 2)
std::vector<c10::IValue> cloneInputs(const std::vector<c10::IValue>& inputs);

}  // namespace ptl::detail
