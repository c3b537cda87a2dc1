// Atomic file writes; see ptl/atomic_file.h.
#include "ptl/atomic_file.h"

#include "ptl/errors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ptl {

namespace fs = std::filesystem;

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

void checkDestination(const std::string& modelPath, const std::string& destination) {
    std::error_code error;
    const bool exists = fs::exists(destination, error);
    if (exists ? fs::equivalent(modelPath, destination, error)
               : fs::weakly_canonical(modelPath, error) == fs::weakly_canonical(destination, error))
        throw std::invalid_argument("refusing to overwrite the input model " + modelPath);
    if (exists && !fs::is_regular_file(destination, error))
        throw std::invalid_argument(destination + " exists and is not a regular file: refusing to replace it");
    const fs::path folder = fs::path(destination).has_parent_path() ? fs::path(destination).parent_path() : fs::path(".");
    if (!fs::is_directory(folder, error))
        throw std::invalid_argument("cannot write " + destination + ": its folder does not exist");
}

}  // namespace ptl
