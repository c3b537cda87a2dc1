// Output comparison: how far two outputs of a model (tensors, tuples, lists, dicts of tensors)
// are apart. Used by the Lite round trip, conversion's verification and the quantization error.
#pragma once

#include <ATen/core/ivalue.h>

#include <optional>

namespace ptl::detail {

// The largest absolute difference, or nullopt when their structure differs.
std::optional<double> maxDifference(const c10::IValue& a, const c10::IValue& b);
double largestMagnitude(const c10::IValue& value);
double cosineSimilarity(const c10::IValue& a, const c10::IValue& b);  // of all tensors, flattened; -1 if unlike

}  // namespace ptl::detail
