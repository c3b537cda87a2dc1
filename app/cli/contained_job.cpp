#include "contained_job.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ptl::cli {

using Clock = std::chrono::steady_clock;

uint64_t defaultMemoryLimit() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || pageSize <= 0) return 0;
    return static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize) / 4 * 3;
}

uint64_t parseSize(const std::string& text) {
    size_t end = 0;
    double number = 0;
    try {
        number = std::stod(text, &end);
    } catch (const std::exception&) {
        throw std::invalid_argument("'" + text + "' is not a size (say 4G, 512M or 0 for no limit)");
    }
    std::string unit = text.substr(end);
    if (unit.size() > 1 && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();  // "GB", "GiB"
    if (unit.size() == 2 && unit[1] == 'i') unit.pop_back();
    static const std::pair<char, int> kUnits[] = {{'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}};
    int shift = -1;
    if (unit.empty()) shift = 0;
    for (const auto& [letter, bits] : kUnits)
        if (unit.size() == 1 && std::toupper(static_cast<unsigned char>(unit[0])) == letter) shift = bits;
    if (shift < 0 || !(number >= 0) || number * std::ldexp(1.0, shift) > 1e19)
        throw std::invalid_argument("'" + text + "' is not a size (say 4G, 512M or 0 for no limit)");
    return static_cast<uint64_t>(number * std::ldexp(1.0, shift));
}

std::string describeSize(uint64_t bytes) {
    static const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(kUnits)) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, value == std::floor(value) ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
    return text;
}

namespace {

// A pipe whose ends are closed in the worker unless made its stdin or stdout.
struct Pipe {
    int read = -1;
    int write = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
        read = fds[0];
        write = fds[1];
    }
    ~Pipe() {
        closeRead();
        closeWrite();
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void closeRead() { if (read >= 0) close(std::exchange(read, -1)); }
    void closeWrite() { if (write >= 0) close(std::exchange(write, -1)); }
};

bool singleThreaded() {
    std::error_code error;
    const auto tasks = std::filesystem::directory_iterator("/proc/self/task", error);
    return !error && std::distance(tasks, std::filesystem::directory_iterator()) == 1;
}

// Starts this program's worker in a child process with its memory capped. While this process
// has a single thread, the forked child runs the worker at once: loading LibTorch again would
// cost more than a second. Otherwise it execs `ptl-studio-cli [--verbose] worker`
// (/proc/self/exe), and makes only async-signal-safe calls before that.
pid_t startWorker(const Limits& limits, bool verbose, const Pipe& input, const Pipe& output) {
    std::vector<const char*> argv{"ptl-studio-cli"};
    if (verbose) argv.push_back("--verbose");
    argv.push_back("worker");
    argv.push_back(nullptr);
    const bool forkOnly = singleThreaded();
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid != 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // it must not outlive an interrupted CLI
    if (getppid() != parent) _exit(127);
    dup2(input.read, STDIN_FILENO);
    dup2(output.write, STDOUT_FILENO);
    if (limits.memoryBytes) {
        // RLIMIT_DATA, not RLIMIT_AS: LibTorch's threads each reserve malloc arenas and stacks
        // of address space they never touch, which RLIMIT_AS counts and RLIMIT_DATA does not.
        const rlimit cap{limits.memoryBytes, limits.memoryBytes};
#if !defined(__SANITIZE_ADDRESS__)
        setrlimit(RLIMIT_DATA, &cap);
#else
        // ASan's shadow memory (terabytes of reserved private mappings) counts as data: under any
        // cap the worker dies at start-up. Such a build caps memory with ASAN_OPTIONS's
        // soft_rss_limit_mb instead, past which allocations fail as under RLIMIT_DATA
        // (CMakePresets.json, build.sh asan).
        (void)cap;
#endif
    }
    if (forkOnly) {
        const int code = runWorker();
        std::fflush(nullptr);
        _exit(code);  // LibTorch's static destructors belong to the parent
    }
    execv("/proc/self/exe", const_cast<char* const*>(argv.data()));
    _exit(127);
}

void writeAll(int fd, const std::string& text) {
    for (size_t written = 0; written < text.size();) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the worker is gone; its exit says why
        written += static_cast<size_t>(n);
    }
}

// The request as JSON, or, when a path in it is not UTF-8 (which JSON cannot carry), as CBOR in
// hex: the worker gets the file names byte for byte (docs/worker-protocol.md).
std::string requestLine(const nlohmann::json& request) {
    try {
        return request.dump() + "\n";
    } catch (const nlohmann::json::type_error&) {
        static const char kDigits[] = "0123456789abcdef";
        std::string hex;
        for (const uint8_t byte : nlohmann::json::to_cbor(request)) {
            hex += kDigits[byte >> 4];
            hex += kDigits[byte & 15];
        }
        return nlohmann::json{{"cbor", hex}}.dump() + "\n";
    }
}

// What the worker said and how it ended.
struct WorkerEnd {
    std::optional<nlohmann::json> terminal;  // its result or error event
    std::string stage;                       // the last progress stage
    bool timedOut = false;
    int status = 0;        // from waitpid
    long peakKiB = 0;      // its largest resident size
};

// Reads the worker's events until it closes stdout or the time is up, then reaps it.
WorkerEnd collect(pid_t pid, Pipe& output, Pipe& input, const Limits& limits, const ProgressCallback& progress) {
    WorkerEnd end;
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(limits.timeoutSeconds);
    std::string buffer;
    size_t scanned = 0;  // bytes of buffer known to hold no newline
    for (;;) {
        int waitMs = -1;
        if (limits.timeoutSeconds > 0) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            waitMs = static_cast<int>(std::max<long long>(0, left));
        }
        pollfd ready{output.read, POLLIN, 0};
        const int polled = poll(&ready, 1, waitMs);
        if (polled < 0 && errno == EINTR) continue;
        if (polled == 0) {
            end.timedOut = true;
            kill(pid, SIGKILL);
            break;
        }
        char chunk[1 << 16];
        const ssize_t n = polled < 0 ? -1 : read(output.read, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
        for (size_t newline; (newline = buffer.find('\n', scanned)) != std::string::npos; scanned = 0) {
            nlohmann::json event = nlohmann::json::parse(buffer.begin(), buffer.begin() + static_cast<long>(newline),
                                                          nullptr, false);
            buffer.erase(0, newline + 1);
            if (!event.is_object()) continue;
            const std::string name = event.value("event", "");
            if (name == "progress") {
                end.stage = event.value("stage", "");
                if (progress) progress(end.stage, event.value("fraction", 0.0));
            } else if (name == "result" || name == "error") {
                end.terminal = std::move(event);
                input.closeWrite();  // nothing more to ask; the worker is on its way out
            }
        }
        scanned = buffer.size();
    }
    output.closeRead();
    input.closeWrite();
    rusage usage{};
    while (wait4(pid, &end.status, 0, &usage) < 0 && errno == EINTR) {}
    end.peakKiB = usage.ru_maxrss;
    return end;
}

// "running the model on sample inputs" from "Running the model on sample inputs"; "loading"
// from "Loading /path/model.pt" (the message names the file already).
std::string stagePhrase(std::string stage, const std::string& model) {
    if (stage.empty()) return "starting";
    const std::string suffix = " " + model;
    if (stage.size() > suffix.size() && stage.compare(stage.size() - suffix.size(), suffix.size(), suffix) == 0)
        stage.erase(stage.size() - suffix.size());
    stage[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(stage[0])));
    return stage;
}

std::string signalName(int signal) {
    const char* abbreviation = sigabbrev_np(signal);
    return abbreviation ? std::string("SIG") + abbreviation : "signal " + std::to_string(signal);
}

bool saysOutOfMemory(const std::string& message) {
    for (const char* sign : {"can't allocate memory", "Cannot allocate memory", "out of memory", "bad_alloc"})
        if (message.find(sign) != std::string::npos) return true;
    return false;
}

JobFailure failed(const std::string& model, const std::string& cause, const WorkerEnd& end) {
    return {"failed", model + ": " + cause + " while " + stagePhrase(end.stage, model), kFailed};
}

// The one line for a worker that did not succeed.
JobFailure explain(const WorkerEnd& end, const std::string& model, const Limits& limits) {
    const std::string memoryCause = "exceeded the " + describeSize(limits.memoryBytes) + " memory limit";
    if (end.timedOut) return failed(model, "timed out after " + std::to_string(limits.timeoutSeconds) + " s", end);
    if (end.terminal) {  // an error event
        const std::string kind = end.terminal->value("kind", "failed");
        const std::string message = end.terminal->value("message", model + ": failed");
        if (limits.memoryBytes && saysOutOfMemory(message)) return failed(model, memoryCause, end);
        return {kind, message, kind == "failed" ? kFailed : kUnreadable};
    }
    // Gone without a word. Near the cap, whatever the signal, the cause is the cap.
    const bool nearCap = limits.memoryBytes && static_cast<uint64_t>(end.peakKiB) * 1024 >= limits.memoryBytes / 10 * 9;
    if (WIFSIGNALED(end.status)) {
        const int signal = WTERMSIG(end.status);
        if (nearCap) return failed(model, memoryCause, end);
        if (signal == SIGKILL) return failed(model, "was killed (SIGKILL; the system may have run out of memory)", end);
        return failed(model, "crashed with " + signalName(signal), end);
    }
    if (nearCap) return failed(model, memoryCause, end);
    const int code = WIFEXITED(end.status) ? WEXITSTATUS(end.status) : -1;
    return failed(model, "the worker process ended without a result (exit code " + std::to_string(code) + ")", end);
}

}  // namespace

ContainedJob runContained(const nlohmann::json& request, const std::string& model, const Limits& limits, bool verbose,
                          const ProgressCallback& progress) {
    const Clock::time_point started = Clock::now();
    Pipe input, output;
    const pid_t pid = startWorker(limits, verbose, input, output);
    if (pid < 0) return {std::nullopt, {"failed", model + ": cannot start the worker process: " + std::strerror(errno), kFailed}};
    input.closeRead();
    output.closeWrite();
    // A worker that dies before reading its request must not take this process with it; set
    // after the fork, so that the worker keeps the default.
    std::signal(SIGPIPE, SIG_IGN);
    writeAll(input.write, requestLine(request));
    // stdin stays open while the job runs: the worker takes its end as cancel.

    WorkerEnd end = collect(pid, output, input, limits, progress);
    spdlog::info("worker {} ended after {} ms, at most {} MiB resident", pid,
                 std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count(), end.peakKiB / 1024);
    if (end.terminal && end.terminal->value("event", "") == "result" && WIFEXITED(end.status) &&
        WEXITSTATUS(end.status) == kOk)
        return {std::move(end.terminal), {}};
    return {std::nullopt, explain(end, model, limits)};
}

}  // namespace ptl::cli
