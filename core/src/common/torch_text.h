// LibTorch's words made readable: dtype names as the report spells them, and error messages cut
// to the line a user needs (no C++ backtrace, no TorchScript traceback).
#pragma once

#include <c10/core/ScalarType.h>

#include <exception>
#include <string>

namespace ptl::detail {

std::string dtypeName(c10::ScalarType type);  // "float32", "int64", "quint8", ...
std::string trim(const std::string& text);
// LibTorch's messages carry C++ backtraces and Python-style context; users need the first line.
std::string firstLine(const std::string& message);
std::string errorText(const std::exception& error);  // firstLine of LibTorch's message, no backtrace
std::string escapeNonUtf8(const std::string& text);   // bytes that are not UTF-8 as \xNN

}  // namespace ptl::detail
