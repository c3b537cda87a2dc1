// Atomic file writes; see ptl/atomic_file.h.
#include "ptl/atomic_file.h"

#include "ptl/errors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace ptl {

namespace fs = std::filesystem;

void writeAtomically(const std::string& path, const std::string& bytes) {
    const fs::path target(path);
    const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string pattern = (directory / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw ConversionError(path + ": cannot write it: " + std::strerror(errno));
    auto fail = [&]() {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        ::unlink(pattern.c_str());
        throw ConversionError(path + ": cannot write it: " + reason);
    };
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t chunk = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (chunk < 0) {
            if (errno == EINTR) continue;
            fail();
        }
        written += static_cast<size_t>(chunk);
    }
    if (::fsync(fd) != 0 && errno != EINVAL) fail();
    ::fchmod(fd, 0644);  // mkstemp creates 0600; a model is an ordinary file
    if (::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(pattern.c_str());
        throw ConversionError(path + ": cannot write it: " + reason);
    }
    if (std::rename(pattern.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(pattern.c_str());
        throw ConversionError(path + ": cannot write it: " + reason);
    }
}

}  // namespace ptl
