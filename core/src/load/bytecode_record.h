// The tables of a zip .ptl's bytecode.pkl, read the way LibTorch 1.13's Lite loader reads them
// (mobile/import.cpp parseMethods, mobile/parse_bytecode.cpp), so that their operands are checked
// before LibTorch loads the file: the loader itself already follows every OP operand into the
// operator table unchecked (mobile::applyUpgrader), before any check of a loaded module can run.
#pragma once

#include "load/pickle_scan.h"

#include <string>

namespace ptl::detail {

// Empty when every function is laid out as the loader expects and its operands are in range
// (bytecodeProblem); otherwise one line naming the function and the problem.
std::string bytecodeRecordProblem(const PickleValue& bytecode);

}  // namespace ptl::detail
