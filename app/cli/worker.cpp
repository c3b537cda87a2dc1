#include "worker.h"

#include "progress.h"

#include "json_text.h"
#include "sandbox.h"
#include "ptl/bench.h"
#include "ptl/compare.h"
#include "ptl/convert.h"
#include "ptl/errors.h"
#include "ptl/inspect.h"
#include "ptl/report_json.h"
#include "ptl/session.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

namespace ptl::cli {

namespace {

// A file name may hold a newline: written escaped, it cannot cut the one-line message short.
std::string withPathEscaped(std::string message, const std::string& model) {
    const std::string shown = escapeControl(model);
    if (shown == model || model.empty()) return message;
    for (size_t at = message.find(model); at != std::string::npos; at = message.find(model, at + shown.size()))
        message.replace(at, model.size(), shown);
    return message;
}

}  // namespace

JobFailure classifyFailure(const std::string& model, std::exception_ptr error) {
    // Every message is one line: LibTorch's text may carry a backtrace or bytes that are not UTF-8.
    const std::string file = oneLine(escapeControl(model));
    try {
        std::rethrow_exception(error);
    } catch (const ModelError& failure) {  // already "<file>: <problem>"
        return {"unreadable", oneLine(withPathEscaped(failure.what(), model)), kUnreadable};
    } catch (const ConversionError& failure) {  // already "<file>: <problem>"
        return {"failed", oneLine(withPathEscaped(failure.what(), model)), kFailed};
    } catch (const std::invalid_argument& failure) {
        return {"usage", file + ": " + oneLine(failure.what()), kUnreadable};
    } catch (const std::bad_alloc&) {
        return {"failed", file + ": ran out of memory", kFailed};
    } catch (const std::exception& failure) {
        return {"failed", file + ": " + messageOf(failure), kFailed};
    } catch (...) {
        return {"failed", file + ": an unknown error stopped the job", kFailed};
    }
}

int printFailure(const std::string& model, std::exception_ptr error) {
    const JobFailure failure = classifyFailure(model, error);
    printError(failure.message);
    return failure.exitCode;
}

namespace {

// Protocol lines go to a private copy of stdout, and fd 1 is pointed at stderr: whatever else
// prints (a model's print() while it runs on sample inputs, a library's chatter) reaches the
// log instead of corrupting the event stream.
class EventStream {
public:
    EventStream() : fd_(fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) {
        if (fd_ < 0) throw std::runtime_error(std::string("cannot duplicate stdout: ") + std::strerror(errno));
        dup2(STDERR_FILENO, STDOUT_FILENO);
    }
    ~EventStream() { close(fd_); }
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    // One line per event, written straight to the pipe so the GUI sees it at once.
    void write(const nlohmann::json& event) {
        const std::string line = jsonText(event) + "\n";
        for (size_t written = 0; written < line.size();) {
            const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // the GUI has gone; nobody is left to tell
            written += static_cast<size_t>(n);
        }
    }

    // The one event that ends the job; a second one (a stuck job's cancel racing the job's own
    // end) is dropped.
    bool writeTerminal(const nlohmann::json& event) {
        if (ended_.exchange(true)) return false;
        write(event);
        return true;
    }

private:
    int fd_;
    std::atomic<bool> ended_{false};
};

nlohmann::json errorEvent(const JobFailure& failure) {
    return {{"event", "error"}, {"kind", failure.kind}, {"message", failure.message}};
}

// stdin line by line with a timeout, so the cancel watcher can be stopped and joined instead of
// being left blocked in a read. The request and the cancel lines share its buffer.
class StdinLines {
public:
    enum class Status { Line, End, Timeout };

    Status next(std::string& line, int timeoutMs) {
        for (;;) {
            const size_t newline = buffer_.find('\n');
            if (newline != std::string::npos) {
                line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                return Status::Line;
            }
            if (ended_) return Status::End;
            pollfd input{STDIN_FILENO, POLLIN, 0};
            const int ready = poll(&input, 1, timeoutMs);
            if (ready == 0 || (ready < 0 && errno == EINTR)) return Status::Timeout;
            char chunk[4096];
            const ssize_t n = ready < 0 ? -1 : read(STDIN_FILENO, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ended_ = true;
                if (!buffer_.empty()) buffer_ += '\n';  // a last line without its newline still counts
                continue;
            }
            buffer_.append(chunk, static_cast<size_t>(n));
        }
    }

private:
    std::string buffer_;
    bool ended_ = false;
};

// Watches stdin while the job runs: {"cancel":true} or end of input asks the job to stop.
// The job polls the flag between stages (JobControl::cancelled).
// The one place a stuck job is ended: every client (the GUI, a script, the CLI's tests) only asks
// and waits, so the promise "answered and gone within kCancelGrace" holds whoever asks
// (docs/worker-protocol.md, "Cancel").
class CancelWatcher {
public:
    // `stuck` runs when a cancelled job has not stopped after the grace period: a stage inside
    // LibTorch (a model's endless loop) never reaches the boundary where cancel is checked.
    CancelWatcher(StdinLines& input, std::function<void()> stuck)
        : stuck_(std::move(stuck)), thread_([this, &input] { watch(input); }) {}
    ~CancelWatcher() {
        stop_ = true;
        thread_.join();
    }
    CancelWatcher(const CancelWatcher&) = delete;
    CancelWatcher& operator=(const CancelWatcher&) = delete;

    bool cancelled() const { return cancelled_; }

private:
    void watch(StdinLines& input) {
        std::string line;
        while (!stop_ && !cancelled_) {
            switch (input.next(line, 100)) {
            case StdinLines::Status::Timeout: break;
            case StdinLines::Status::End: cancelled_ = true; break;
            case StdinLines::Status::Line: {
                const nlohmann::json message = nlohmann::json::parse(line, nullptr, false);
                if (message.is_object() && message.value("cancel", false) == true)
                    cancelled_ = true;
                else if (!line.empty())
                    spdlog::warn("worker: ignoring stdin line: {}", line);
                break;
            }
            }
        }
        if (!cancelled_) return;
        spdlog::info("worker: cancel requested");
        const auto deadline = std::chrono::steady_clock::now() + kCancelGrace;
        while (!stop_ && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!stop_) stuck_();
    }

    static constexpr std::chrono::seconds kCancelGrace{3};
    std::function<void()> stuck_;

    std::atomic<bool> stop_{false};
    std::atomic<bool> cancelled_{false};
    std::thread thread_;
};

enum class JobKind { Inspect, Convert, Bench, Compare };

struct Request {
    JobKind kind = JobKind::Inspect;
    std::string model;
    std::string other;                                    // compare: model B
    std::vector<std::string> inputs;                      // inspect's and compare's sample-input specs
    bool graphEvent = true;                               // inspect: send the graph before the analyses
    std::optional<std::string> sweep;                     // inspect, compare: the sweep spec ("" derived)
    nlohmann::json options = nlohmann::json::object();  // convert's and bench's, read by the job
};

JobKind parseJob(const nlohmann::json& json) {
    static const std::pair<const char*, JobKind> kJobs[] = {
        {"inspect", JobKind::Inspect}, {"convert", JobKind::Convert}, {"bench", JobKind::Bench},
        {"compare", JobKind::Compare}};
    const auto job = json.find("job");
    if (job == json.end() || !job->is_string()) throw std::invalid_argument("the request names no \"job\"");
    for (const auto& [name, kind] : kJobs)
        if (*job == name) return kind;
    throw std::invalid_argument("unknown job '" + job->get<std::string>() + "'");
}

std::vector<std::string> parseInputs(const nlohmann::json& inputs) {
    if (!inputs.is_array()) throw std::invalid_argument("\"inputs\" must be an array of strings");
    std::vector<std::string> specs;
    for (const nlohmann::json& input : inputs) {
        if (!input.is_string()) throw std::invalid_argument("\"inputs\" must be an array of strings");
        specs.push_back(input.get<std::string>());
    }
    return specs;
}

// "sweep": a spec string ("" derives the shapes from the sample inputs), true (derived) or false (none).
std::optional<std::string> parseSweep(const nlohmann::json& sweep) {
    if (sweep.is_boolean()) return sweep.get<bool>() ? std::optional<std::string>("") : std::nullopt;
    if (!sweep.is_string()) throw std::invalid_argument("\"sweep\" must be a sweep spec string or true/false");
    return sweep.get<std::string>();
}

// {"cbor":"<hex>"}: the request in CBOR, which carries file names that are not UTF-8 byte for
// byte (the CLI sends those so); anything else is the request itself.
nlohmann::json unwrapCbor(nlohmann::json json) {
    if (!json.is_object() || json.size() != 1 || !json.contains("cbor")) return json;
    const nlohmann::json& hex = json.at("cbor");
    if (!hex.is_string() || hex.get_ref<const std::string&>().size() % 2)
        throw std::invalid_argument("\"cbor\" must be a string of hex digits");
    const auto nibble = [](char digit) {
        if (!std::isxdigit(static_cast<unsigned char>(digit)))
            throw std::invalid_argument("\"cbor\" must be a string of hex digits");
        return digit <= '9' ? digit - '0' : std::tolower(static_cast<unsigned char>(digit)) - 'a' + 10;
    };
    std::vector<uint8_t> bytes;
    const std::string& digits = hex.get_ref<const std::string&>();
    for (size_t i = 0; i < digits.size(); i += 2)
        bytes.push_back(static_cast<uint8_t>(nibble(digits[i]) * 16 + nibble(digits[i + 1])));
    const nlohmann::json request = nlohmann::json::from_cbor(bytes, true, false);
    if (request.is_discarded()) throw std::invalid_argument("\"cbor\" does not hold a CBOR request");
    return request;
}

// Throws std::invalid_argument saying what is wrong with the request. Only its shape is checked
// here; the options' values are the job's to check, so a bad value reads "<model>: <problem>"
// as it does from the CLI.
Request parseRequest(const std::string& line) {
    const nlohmann::json json = unwrapCbor(nlohmann::json::parse(line, nullptr, false));
    if (!json.is_object()) throw std::invalid_argument("the request is not a JSON object");
    Request request;
    request.kind = parseJob(json);
    const auto model = json.find("model");
    if (model == json.end() || !model->is_string() || model->get<std::string>().empty())
        throw std::invalid_argument("the request names no \"model\" file");
    request.model = model->get<std::string>();
    const auto inputs = json.find("inputs");
    const auto options = json.find("options");
    const auto sweep = json.find("sweep");
    if (request.kind == JobKind::Inspect || request.kind == JobKind::Compare) {
        if (inputs != json.end()) request.inputs = parseInputs(*inputs);
        if (sweep != json.end()) request.sweep = parseSweep(*sweep);
        if (options != json.end())
            throw std::invalid_argument("an " + json.at("job").get<std::string>() + " job takes no \"options\"");
    } else if (sweep != json.end()) {
        throw std::invalid_argument("a " + json.at("job").get<std::string>() + " job takes no \"sweep\"");
    }
    if (request.kind == JobKind::Compare) {
        const auto other = json.find("other");
        if (other == json.end() || !other->is_string() || other->get<std::string>().empty())
            throw std::invalid_argument("the compare request names no \"other\" model file");
        request.other = other->get<std::string>();
        return request;
    }
    if (request.kind == JobKind::Inspect) {
        const auto graph = json.find("graph");
        if (graph != json.end()) {
            if (!graph->is_boolean()) throw std::invalid_argument("\"graph\" must be true or false");
            request.graphEvent = graph->get<bool>();
        }
        return request;
    }
    // Inputs are one of the options, so that toJson(ConvertOptions) is the whole request's body.
    if (inputs != json.end())
        throw std::invalid_argument("\"inputs\" of a " + json.at("job").get<std::string>() + " job belong inside \"options\"");
    if (options != json.end()) {
        if (!options->is_object()) throw std::invalid_argument("\"options\" must be an object");
        request.options = *options;
    }
    return request;
}

// TEST ONLY: PTL_WORKER_FAULT makes the worker misbehave right after its first progress event
// (hang-after-graph: once the early graph and its details are out), so the tests can prove that
// a worker which aborts, crashes, hangs or runs out of memory ends alone and the application (or
// the CLI) recovers, and what a load stopped half-way leaves on screen. Nothing sets it in normal use.
enum class Fault { None, Abort, Segfault, Hang, HangAfterGraph, OutOfMemory };

Fault faultFromEnvironment() {
    const char* value = std::getenv("PTL_WORKER_FAULT");
    if (!value || !*value) return Fault::None;
    const std::string name = value;
    if (name == "abort") return Fault::Abort;
    if (name == "segv") return Fault::Segfault;
    if (name == "hang") return Fault::Hang;
    if (name == "hang-after-graph") return Fault::HangAfterGraph;
    if (name == "oom") return Fault::OutOfMemory;
    spdlog::warn("worker: ignoring unknown PTL_WORKER_FAULT '{}' (abort, segv, hang, hang-after-graph, oom)", name);
    return Fault::None;
}

// Bytes of address space in use now; LibTorch alone maps hundreds of MiB.
size_t addressSpaceInUse() {
    std::ifstream statm("/proc/self/statm");
    size_t pages = 0;
    statm >> pages;
    return pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

[[noreturn]] void runOutOfMemory() {
    // Cap the address space first, 1 GiB above what is mapped now, so the blow-up is real but
    // cannot hurt the machine running the tests.
    constexpr size_t kHeadroom = size_t{1} << 30;
    rlimit limit{};
    getrlimit(RLIMIT_AS, &limit);
    const rlim_t cap = static_cast<rlim_t>(addressSpaceInUse() + kHeadroom);
    if (limit.rlim_max == RLIM_INFINITY || cap < limit.rlim_max) limit.rlim_cur = cap;
    if (setrlimit(RLIMIT_AS, &limit) != 0) {
        spdlog::error("PTL_WORKER_FAULT=oom: cannot limit the address space ({}); aborting", std::strerror(errno));
        std::abort();
    }
    constexpr size_t kChunk = size_t{64} << 20;
    std::vector<std::unique_ptr<char[]>> hoard;
    try {
        for (;;) {
            hoard.emplace_back(new char[kChunk]);
            std::memset(hoard.back().get(), 1, kChunk);  // touch it: resident, not just reserved
        }
    } catch (const std::bad_alloc&) {
        // Like LibTorch failing an allocation where it cannot throw: the process dies.
        spdlog::error("PTL_WORKER_FAULT=oom: out of memory after {} MiB; aborting", hoard.size() * (kChunk >> 20));
        std::abort();
    }
}

void injectFault(Fault fault) {
    switch (fault) {
    case Fault::None: return;
    case Fault::Abort:
        spdlog::error("PTL_WORKER_FAULT=abort: aborting");
        std::abort();
    case Fault::Segfault:  // silent, as a crash inside LibTorch is
        std::raise(SIGSEGV);
        std::abort();
    case Fault::Hang:
    case Fault::HangAfterGraph:
        spdlog::error("PTL_WORKER_FAULT=hang: hanging");
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    case Fault::OutOfMemory: runOutOfMemory();
    }
}

// The request line; a missing or malformed one ends the worker with a usage error.
std::optional<Request> readRequest(StdinLines& input, EventStream& events) {
    std::string line;
    StdinLines::Status status;
    while ((status = input.next(line, -1)) == StdinLines::Status::Line && line.empty()) {}
    try {
        if (status != StdinLines::Status::Line) throw std::invalid_argument("no request on stdin");
        return parseRequest(line);
    } catch (const std::invalid_argument& problem) {
        events.write(errorEvent({"usage", std::string("worker request: ") + problem.what(), kUnreadable}));
        return std::nullopt;
    }
}

// Once the graph is out, the person waits for the window to draw it, not for the analyses: every
// thread of this process yields the cores to the window (Linux sets priority per thread, and
// LibTorch's pools start later from these threads, inheriting it). The analyses still use all the
// CPU the window leaves idle.
void yieldToTheWindow() {
    constexpr int kLower = 5;  // nice steps: the window gets about three times the worker's share
    DIR* tasks = opendir("/proc/self/task");
    if (!tasks) return;
    while (const dirent* task = readdir(tasks)) {
        const auto thread = static_cast<id_t>(std::atoi(task->d_name));
        if (thread == 0) continue;
        errno = 0;
        const int nice = getpriority(PRIO_PROCESS, thread);  // -1 is a valid nice value
        if (errno != 0 || setpriority(PRIO_PROCESS, thread, std::min(nice + kLower, 19)) != 0)
            spdlog::info("worker: cannot lower the priority of thread {} ({})", thread, std::strerror(errno));
    }
    closedir(tasks);
}

// Progress and graph events go out as they happen; cancel is whatever the watcher has seen.
JobControl jobControl(EventStream& events, const CancelWatcher& watcher, Fault fault, bool graphEvent) {
    JobControl job;
    job.progress = [&events, fault, first = true](const std::string& stage, double fraction) mutable {
        events.write({{"event", "progress"}, {"stage", stage}, {"fraction", fraction}});
        if (first && fault != Fault::HangAfterGraph) {
            first = false;
            injectFault(fault);
        }
    };
    job.cancelled = [&watcher] { return watcher.cancelled(); };
    if (!graphEvent) return job;
    job.graphReady = [&events](const Report& partial) {
        events.write({{"event", "graph"}, {"report", earlyGraphJson(partial)}});
        yieldToTheWindow();
    };
    job.graphDetailsReady = [&events, fault](const Report& partial) {
        events.write({{"event", "graphDetails"}, {"details", nodeDetailsJson(partial)}});
        if (fault == Fault::HangAfterGraph) injectFault(fault);
    };
    return job;
}

// A request's options are the GUI's making: a value of the wrong JSON type is a usage error
// like an unknown name, not a failure of the job.
template <typename Options>
Options readOptions(Options (*read)(const nlohmann::json&), const nlohmann::json& json) {
    try {
        return read(json);
    } catch (const nlohmann::json::exception& problem) {
        throw std::invalid_argument(std::string("\"options\": ") + problem.what());
    }
}

// Runs the job; returns its terminal "result" event. Throws what the job throws.
nlohmann::json runJob(const Request& request, const JobControl& job) {
    switch (request.kind) {
    case JobKind::Inspect: {
        InspectOptions options;
        options.inputSpecs = request.inputs;
        options.sweep = request.sweep.has_value();
        options.sweepSpec = request.sweep.value_or("");
        return {{"event", "result"}, {"report", toJson(inspectModel(request.model, options, job))}};
    }
    case JobKind::Compare: {
        CompareOptions options;
        options.inputSpecs = request.inputs;
        options.sweep = request.sweep.value_or("");
        return {{"event", "result"}, {"compare", toJson(compareModels(request.model, request.other, options, job))}};
    }
    case JobKind::Convert: {
        const ConvertOptions options = readOptions(convertOptionsFromJson, request.options);
        // As the CLI does: a bad destination or an empty calibration folder fails before
        // LibTorch reads the model.
        checkConvertOptions(request.model, options);
        return {{"event", "result"}, {"convert", toJson(convertModel(request.model, options, job))}};
    }
    case JobKind::Bench: {
        const BenchOptions options = readOptions(benchOptionsFromJson, request.options);
        return {{"event", "result"}, {"bench", toJson(benchModel(request.model, options, job))}};
    }
    }
    throw std::logic_error("unhandled job kind");
}

// A temporary folder of the job's own: with the output folder, the only place its process may
// write to. TMPDIR points at it while the job runs. The sandbox forbids removing it (that takes a
// right on the folder above), so a process forked before the sandbox removes it once this one has
// ended, however it ended.
class PrivateTempFolder {
public:
    PrivateTempFolder() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/ptl-studio-worker-XXXXXX";
        if (!mkdtemp(pattern.data())) {
            spdlog::warn("worker: cannot create a temporary folder ({})", std::strerror(errno));
            return;
        }
        path_ = pattern;
        setenv("TMPDIR", path_.c_str(), 1);
        if (!startRemover()) {
            spdlog::warn("worker: cannot start the process that removes {} ({})", path_, std::strerror(errno));
            std::filesystem::remove(path_);
            path_.clear();
        }
    }
    PrivateTempFolder(const PrivateTempFolder&) = delete;
    PrivateTempFolder& operator=(const PrivateTempFolder&) = delete;

    const std::string& path() const { return path_; }  // empty when it could not be made

private:
    // The remover waits for the end of a pipe whose write end only this process holds.
    bool startRemover() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) return false;
        const pid_t pid = fork();
        if (pid < 0) {
            close(fds[0]);
            close(fds[1]);
            return false;
        }
        if (pid == 0) {
            // Holds none of the worker's pipes, so that nobody waits for it; outlives the worker.
            setsid();
            const int null = open("/dev/null", O_RDWR);
            for (int fd = 0; fd < 3; ++fd) dup2(null, fd);
            for (int fd = 3; fd < 1024; ++fd)
                if (fd != fds[0]) close(fd);
            char byte;
            while (read(fds[0], &byte, 1) < 0 && errno == EINTR) {}
            std::error_code ignored;
            std::filesystem::remove_all(path_, ignored);
            _exit(0);
        }
        close(fds[0]);
        remover_ = fds[1];  // closed at exit, or by the kernel when the worker dies
        return true;
    }

    std::string path_;
    int remover_ = -1;
};

// The folders a job writes to: its temporary folder and, for convert, the folders of the .ptl
// and of the operator list (the export writes a temporary file beside its destination).
std::vector<std::string> writableFolders(const Request& request, const std::string& temp) {
    std::vector<std::string> folders;
    if (!temp.empty()) folders.push_back(temp);
    if (request.kind != JobKind::Convert) return folders;
    for (const char* field : {"output", "opsYaml"}) {
        const auto value = request.options.find(field);
        if (value == request.options.end() || !value->is_string() || value->get<std::string>().empty()) continue;
        std::error_code error;
        const std::filesystem::path folder = std::filesystem::absolute(value->get<std::string>(), error).parent_path();
        // A missing folder is the job's to report; it cannot be written to either way.
        if (!error && std::filesystem::is_directory(folder, error)) folders.push_back(folder.string());
    }
    return folders;
}

// Before the model is read, while this is the only thread: LibTorch's thread pools are started
// later from it and inherit the restriction.
void containModelCode(const Request& request, const std::string& temp) {
    const char* disabled = std::getenv("PTL_WORKER_NO_SANDBOX");  // TEST ONLY: the fallback's path
    const SandboxResult sandbox = disabled && *disabled ? SandboxResult{false, "disabled by PTL_WORKER_NO_SANDBOX"}
                                                        : restrictFileWrites(writableFolders(request, temp));
    if (sandbox.applied) {
        spdlog::info("worker: model code runs under {}: no file can be written outside the job's folders", sandbox.how);
        return;
    }
    spdlog::info("worker: no sandbox ({}): a model whose code opens files is refused", sandbox.how);
    setFileAccessInModelCodeAllowed(false);
}

}  // namespace

int runWorker() {
    EventStream events;  // first, before anything else can print to stdout
    StdinLines input;
    const std::optional<Request> request = readRequest(input, events);
    if (!request) return kUnreadable;

    const PrivateTempFolder temp;
    containModelCode(*request, temp.path());
    const Fault fault = faultFromEnvironment();
    CancelWatcher watcher(input, [&events] {
        spdlog::warn("worker: the job did not stop within the grace period after cancel; ending the process");
        if (events.writeTerminal({{"event", "cancelled"}})) std::_Exit(kCancelled);
    });
    const JobControl job = jobControl(events, watcher, fault, request->graphEvent);
    try {
        events.writeTerminal(runJob(*request, job));
        return kOk;
    } catch (const Cancelled&) {
        events.writeTerminal({{"event", "cancelled"}});
        return kCancelled;
    } catch (...) {
        const JobFailure failure = classifyFailure(request->model, std::current_exception());
        events.writeTerminal(errorEvent(failure));
        return failure.exitCode;
    }
}

}  // namespace ptl::cli
