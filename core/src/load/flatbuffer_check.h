// Checks a flatbuffer Lite model (.ptl with "PTMF" at offset 4) before LibTorch parses it:
// LibTorch 1.13's flatbuffer loader trusts every offset and index in the file.
#pragma once

#include <string>

namespace ptl::detail {

// Throws std::runtime_error with a one-line problem when the buffer is damaged: the flatbuffers
// verifier for offsets and sizes, then what it cannot see (indices between tables, tensor
// extents, bytecode operands).
void checkFlatbufferModel(const std::string& path);

}  // namespace ptl::detail
