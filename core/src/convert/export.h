// The end of a conversion: Lite Interpreter bytecode (optionally backported), verified by
// reloading it in the Lite Interpreter and comparing with the converted model before anything is
// written; files written atomically, never over the input model.
#pragma once

#include "ptl/convert.h"
#include "ptl/session.h"

#include <torch/script.h>

#include <string>
#include <vector>

namespace ptl::detail {

// _save_for_mobile, backported to bytecodeVersion when it is >= 0. Throws ConversionError.
std::string exportBytecode(const torch::jit::Module& converted, int64_t bytecodeVersion, const std::string& modelPath);

// Reloads the bytes in the Lite Interpreter: fills result's bytecode version and operator list,
// and, with sample inputs, compares the outputs with the converted model's. Throws
// ConversionError when the file does not load or run, or its outputs differ.
void verifyExport(const std::string& bytes, const torch::jit::Module& converted, const Session& session,
                  ConvertResult& result);

}  // namespace ptl::detail
