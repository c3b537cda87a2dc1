// Sizes of a model: serialized bytes, and weight bytes by the module that holds them.
#pragma once

#include <torch/script.h>

#include <map>
#include <string>
#include <vector>

namespace ptl::detail {

int64_t serializedBytes(const torch::jit::Module& module);  // as torch.jit.save writes it

// Weight bytes by module of a module whose weights are attributes (not frozen).
std::map<std::string, int64_t> attributeBytesByModule(const torch::jit::Module& root);

// Weight bytes by module of a variant. A module that is not frozen holds them as attributes of its
// submodules. A frozen one holds them as graph constants (or attributes of the top module, where
// the passes hoist packed weights): each goes under the layer that reads it, matched to the float
// model's layers (layerModules) in execution order, or under the module of its reader.
std::map<std::string, int64_t> weightBytesByModule(const torch::jit::Module& module, const std::vector<std::string>& layers,
                                                   const torch::jit::Module& source);

}  // namespace ptl::detail
