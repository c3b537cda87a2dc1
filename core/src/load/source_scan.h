// Limits on the TorchScript sources in a model's code/ folder. LibTorch's parser and compiler
// recurse once per nested bracket and per level of a chained expression, and read a source
// whole: a source too large or nested too deep overflows the stack instead of failing.
#pragma once

#include "zip_archive.h"

#include <cstdint>
#include <string>

namespace ptl {

// tests/bench/load_limits.py measured LibTorch 1.13 on an 8 MiB stack (main thread and a worker
// thread alike): it survives about 5,100 nested brackets and 20,000 prefix operators in a row
// ("- - - x"); chains of binary operators (131,072 tested) do not recurse. Sources of 64 MiB
// overflowed it. Real models: sources under 1 MiB, brackets under 20 deep.
constexpr uint64_t kMaxSourceBytes = 16ull << 20;
constexpr int kMaxSourceNesting = 256;  // brackets, and prefix operators in a row

// Throws std::runtime_error naming the source and the problem.
void checkSources(const ZipArchive& archive, const std::string& prefix);

// The deepest bracket nesting and the longest run of operators with no operand between them
// (each but the first a prefix operator) in a Python source; strings and comments skipped.
struct SourceShape {
    int brackets = 0;
    int prefixOperators = 0;
};
SourceShape shapeOf(const std::string& source);

}  // namespace ptl
