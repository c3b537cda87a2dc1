// Export, verification and atomic writes; see export.h.
#include "convert/export.h"

#include "common/torch_text.h"
#include "load/mobile_compat.h"
#include "session/compare.h"
#include "session/plain_run.h"
#include "session/sample_values.h"
#include "session/session_state.h"

#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>

#include <algorithm>
#include <sstream>

namespace ptl::detail {

std::string exportBytecode(const torch::jit::Module& converted, int64_t bytecodeVersion, const std::string& modelPath) {
    try {
        std::stringstream exported;
        converted._save_for_mobile(exported);
        std::string bytes = exported.str();
        if (bytecodeVersion >= 0) {
            std::stringstream in(bytes), out;
            if (!torch::jit::_backport_for_mobile(in, out, bytecodeVersion))
                throw ConversionError(modelPath + ": cannot backport the bytecode to version " +
                                      std::to_string(bytecodeVersion));
            bytes = out.str();
        }
        return bytes;
    } catch (const ConversionError&) {
        throw;
    } catch (const std::exception& error) {
        throw ConversionError(modelPath + ": export to the Lite Interpreter failed: " + errorText(error));
    }
}

namespace {

// The export must not change results: the reference is the converted model itself.
void compareWithConverted(torch::jit::mobile::Module& mobile, const torch::jit::Module& converted,
                          const Session::State& session, Verification& verification) {
    const c10::IValue actual = mobile.forward(cloneInputs(*session.sampleInputs));
    const c10::IValue expected = PlainForward(converted).run(*session.sampleInputs).second;
    const auto difference = maxDifference(expected, actual);
    verification.compared = true;
    // XNNPACK and prepacking reorder float arithmetic: a relative tolerance of 1e-3.
    verification.tolerance = 1e-3 * std::max(1.0, largestMagnitude(expected));
    verification.maxAbsDiff = difference.value_or(-1);
    if (!difference || *difference > verification.tolerance)
        throw ConversionError(session.file.path + ": the exported model's output differs from the converted model's (max "
                                                  "abs difference " + std::to_string(verification.maxAbsDiff) +
                              ", tolerance " + std::to_string(verification.tolerance) + "); nothing was written");
}

}  // namespace

void verifyExport(const std::string& bytes, const torch::jit::Module& converted, const Session& session,
                  ConvertResult& result) {
    const Session::State& state = session.state();
    try {
        std::stringstream stream(bytes);
        torch::jit::mobile::Module mobile = torch::jit::_load_for_mobile(stream);
        result.bytecodeVersion = static_cast<int64_t>(mobile.bytecode_version());
        for (const std::string& op : torch::jit::mobile::_export_operator_list(mobile)) result.operators.push_back(op);
        std::sort(result.operators.begin(), result.operators.end());
        if (state.sampleInputs && state.forwardOutput) compareWithConverted(mobile, converted, state, result.verification);
    } catch (const ConversionError&) {
        throw;
    } catch (const std::exception& error) {
        throw ConversionError(state.file.path + ": the exported file does not run in the Lite Interpreter: " +
                              errorText(error) + "; nothing was written");
    }
}


}  // namespace ptl::detail
