// Declarations of LibTorch functions that libtorch exports but whose header
// (torch/csrc/jit/mobile/compatibility/*.h) Debian's libtorch-dev does not install.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

namespace torch::jit {

uint64_t _get_model_bytecode_version(const std::string& filename);
bool _backport_for_mobile(std::istream& in, std::ostream& out, int64_t to_version);

}  // namespace torch::jit
