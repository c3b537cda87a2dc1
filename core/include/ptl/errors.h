#pragma once

#include <stdexcept>
#include <string>

namespace ptl {

// A model that cannot be read. what() is "<file>: <problem>", one line, for the user.
class ModelError : public std::runtime_error {
public:
    ModelError(std::string file, std::string problem)
        : std::runtime_error(file + ": " + problem), file_(std::move(file)), problem_(std::move(problem)) {}
    const std::string& file() const { return file_; }
    const std::string& problem() const { return problem_; }

private:
    std::string file_;
    std::string problem_;
};

// A message as one line for the user: its first meaningful line (no C++ backtrace, no
// TorchScript traceback; a compile error keeps its place), bytes that are not UTF-8 as \xNN.
std::string oneLine(const std::string& message);
// oneLine of an exception's message; LibTorch's errors without their backtrace.
std::string messageOf(const std::exception& error);

// A conversion or verification that failed (the model itself could be read).
class ConversionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The user asked to stop a long job.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace ptl
