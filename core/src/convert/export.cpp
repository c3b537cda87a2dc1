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

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace ptl::detail {

namespace fs = std::filesystem;


bool samePath(const std::string& a, const std::string& b) {
    std::error_code error;
    if (fs::exists(a, error) && fs::exists(b, error)) return fs::equivalent(a, b, error);
    return fs::weakly_canonical(a, error) == fs::weakly_canonical(b, error);
}
namespace {

[[noreturn]] void failWrite(const std::string& path, int error, const std::string& temporary = {}) {
    if (!temporary.empty()) ::unlink(temporary.c_str());
    throw ConversionError(path + ": cannot write it: " + std::strerror(error));
}

void writeAll(int fd, const std::string& bytes, const std::string& path, const std::string& temporary) {
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t chunk = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (chunk < 0 && errno == EINTR) continue;
        if (chunk < 0) {
            const int error = errno;
            ::close(fd);
            failWrite(path, error, temporary);
        }
        written += static_cast<size_t>(chunk);
    }
    if (::fsync(fd) != 0 && errno != EINVAL) {
        const int error = errno;
        ::close(fd);
        failWrite(path, error, temporary);
    }
}

}  // namespace

// The bytes go into an unnamed file (O_TMPFILE) that gets a name only once complete, so a process
// killed mid-write leaves nothing behind; file systems without O_TMPFILE get a hidden temporary name.
// The final rename replaces the target in one step.
void writeAtomically(const std::string& path, const std::string& bytes) {
    const fs::path target(path);
    const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string temporary = (directory / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    const bool unnamed = fd >= 0;
    if (!unnamed) {
        fd = mkstemp(temporary.data());
        if (fd < 0) failWrite(path, errno);
        ::fchmod(fd, 0644);  // mkstemp creates 0600; a model is an ordinary file
    }
    writeAll(fd, bytes, path, unnamed ? std::string() : temporary);
    if (unnamed) {
        // Give the finished file a hidden name of its own beside the target, then rename it over.
        const std::string self = "/proc/self/fd/" + std::to_string(fd);
        const std::string prefix = (directory / ("." + target.filename().string() + ".tmp-")).string();
        bool linked = false;
        for (int attempt = 0; attempt < 100 && !linked; ++attempt) {
            temporary = prefix + std::to_string(::getpid()) + "-" + std::to_string(attempt);
            linked = ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temporary.c_str(), AT_SYMLINK_FOLLOW) == 0;
            if (!linked && errno != EEXIST) break;
        }
        if (!linked) {
            const int error = errno;
            ::close(fd);
            failWrite(path, error);
        }
    }
    if (::close(fd) != 0) failWrite(path, errno, temporary);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) failWrite(path, errno, temporary);
}

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
