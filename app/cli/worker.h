// Worker mode: the GUI runs `ptl-studio-cli worker` once per job, so a crash, hang or memory
// blow-up inside LibTorch ends this process, not the application. The protocol (a JSON request
// on stdin, JSON Lines events on stdout) is described in docs/worker-protocol.md.
#pragma once

#include <exception>
#include <string>

namespace ptl::cli {

// Exit codes of every command, documented in --help and docs/worker-protocol.md.
constexpr int kOk = 0;
constexpr int kFindingsOverThreshold = 1;
constexpr int kUnreadable = 2;   // the model or the arguments cannot be used
constexpr int kFailed = 3;       // anything else went wrong during the job
constexpr int kCancelled = 130;  // what shells report for an interrupted command

// Why a job stopped, classified once for both the inspect command and the worker.
struct JobFailure {
    std::string kind;     // the worker protocol's name: "unreadable", "usage" or "failed"
    std::string message;  // "<file>: <problem>", one line, for the user
    int exitCode = kFailed;
};
JobFailure classifyFailure(const std::string& model, std::exception_ptr error);
// A command's failure as its one line on stderr; returns its exit code.
int printFailure(const std::string& model, std::exception_ptr error);

// Runs one request read from stdin and returns the process exit code.
int runWorker();

}  // namespace ptl::cli
