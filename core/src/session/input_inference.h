// What forward's arguments look like, read from the model itself: the layer that first consumes
// an argument tells its channels or features (conv, linear) or its dtype and bound (embedding
// indices); spatial and sequence sizes are left free, to be tried.
#pragma once

#include <torch/script.h>

#include <optional>
#include <string>
#include <vector>

namespace ptl::detail {

// The object a value reads from the module through a chain of prim::GetAttr on self, or the
// constant it is (optimize_for_mobile folds weights into constants).
std::optional<c10::IValue> moduleValue(const torch::jit::Module& module, const torch::jit::Value* value);

// The weight behind a value: a tensor attribute, or the weight inside a quantized packed-params
// or XNNPACK op-context object.
std::optional<at::Tensor> weightOf(const torch::jit::Module& module, const torch::jit::Value* value);

// What an argument's first consuming layer says about its shape. Spatial and sequence sizes are
// not recorded anywhere, so those come as candidates to try.
struct Guess {
    std::vector<int64_t> shape;       // -1 marks the free (spatial or sequence) dimensions
    std::string dtype = "float32";
    int64_t upperBound = 0;           // for indices: the embedding's row count
};

std::optional<Guess> guessFromConsumers(const torch::jit::Module& module, const torch::jit::Value* argument,
                                        int depth = 0);
std::vector<int64_t> fill(std::vector<int64_t> shape, int64_t size);  // free dimensions set to size
bool hasFreeDims(const std::vector<int64_t>& shape);

}  // namespace ptl::detail
