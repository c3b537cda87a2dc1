#include "sandbox.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

// Rights newer than Debian's kernel headers.
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

namespace ptl::cli {

namespace {

// glibc 2.36 has no wrappers for the Landlock system calls.
long createRuleset(const landlock_ruleset_attr* attributes, size_t size, unsigned flags) {
    return syscall(SYS_landlock_create_ruleset, attributes, size, flags);
}
long addRule(int ruleset, landlock_rule_type type, const void* rule) {
    return syscall(SYS_landlock_add_rule, ruleset, type, rule, 0);
}
long restrictSelf(int ruleset) { return syscall(SYS_landlock_restrict_self, ruleset, 0); }

// Every right that changes the file system, as far as this kernel's Landlock ABI knows them.
__u64 writeRights(long abi) {
    __u64 rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                   LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                   LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                   LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;     // renames and links across folders
    if (abi >= 3) rights |= LANDLOCK_ACCESS_FS_TRUNCATE;  // truncate() and O_TRUNC
    return rights;
}

// Grants `rights` below `path` (or on it, for a file); false when it cannot be opened.
bool allow(int ruleset, const std::string& path, __u64 rights) {
    const int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return false;
    landlock_path_beneath_attr rule{};
    rule.allowed_access = rights;
    rule.parent_fd = fd;
    const bool added = addRule(ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule) == 0;
    close(fd);
    return added;
}

std::string failure(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

SandboxResult restrictFileWrites(const std::vector<std::string>& writableFolders) {
    const long abi = createRuleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return {false, failure("Landlock is not available")};

    const __u64 rights = writeRights(abi);
    landlock_ruleset_attr attributes{};
    attributes.handled_access_fs = rights;
    const int ruleset = static_cast<int>(createRuleset(&attributes, sizeof attributes, 0));
    if (ruleset < 0) return {false, failure("cannot create a Landlock ruleset")};

    for (const std::string& folder : writableFolders)
        if (!allow(ruleset, folder, rights)) {
            const std::string problem = failure(("cannot allow writing in " + folder).c_str());
            close(ruleset);
            return {false, problem};
        }
    // Libraries open /dev/null for writing; a file rule takes only the rights that apply to files.
    const __u64 fileRights = LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? LANDLOCK_ACCESS_FS_TRUNCATE : 0);
    allow(ruleset, "/dev/null", fileRights);

    // Required to restrict oneself without CAP_SYS_ADMIN; it also stops setuid programs from
    // regaining rights.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        const std::string problem = failure("cannot set no_new_privs");
        close(ruleset);
        return {false, problem};
    }
    const bool restricted = restrictSelf(ruleset) == 0;
    const std::string problem = restricted ? std::string() : failure("cannot enforce the Landlock ruleset");
    close(ruleset);
    if (!restricted) return {false, problem};
    return {true, "Landlock ABI " + std::to_string(abi)};
}

}  // namespace ptl::cli
