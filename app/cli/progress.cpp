#include "progress.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace ptl::cli {

ProgressPrinter::Mode ProgressPrinter::parseMode(const std::string& name) {
    if (name == "bar") return Mode::Bar;
    if (name == "json") return Mode::Json;
    if (name == "none") return Mode::None;
    return Mode::Auto;
}

ProgressPrinter::ProgressPrinter(Mode mode) : mode_(mode) {
    if (mode_ == Mode::Auto) mode_ = isatty(STDERR_FILENO) ? Mode::Bar : Mode::None;
}

ProgressPrinter::~ProgressPrinter() { finish(); }

void ProgressPrinter::finish() {
    if (drawn_) std::fputs("\n", stderr);
    drawn_ = false;
}

void ProgressPrinter::update(const std::string& stage, double fraction) {
    if (mode_ == Mode::Json) {
        const nlohmann::json event{{"event", "progress"}, {"stage", stage}, {"fraction", fraction}};
        std::fprintf(stderr, "%s\n", event.dump().c_str());
    } else if (mode_ == Mode::Bar) {
        constexpr int kWidth = 28;
        const int filled = static_cast<int>(fraction * kWidth + 0.5);
        std::string bar(static_cast<size_t>(filled), '#');
        bar.resize(kWidth, '-');
        std::string label = stage.size() > 48 ? stage.substr(0, 45) + "..." : stage;
        label.resize(48, ' ');
        std::fprintf(stderr, "\r[%s] %3d%%  %s", bar.c_str(), static_cast<int>(fraction * 100 + 0.5), label.c_str());
        drawn_ = true;
    }
    std::fflush(stderr);
}

std::string escapeControl(const std::string& text) {
    std::string line;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') line += "\\n";
        else if (c == '\r') line += "\\r";
        else if (c == '\t') line += "\\t";
        else if (byte < 0x20 || byte == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            line += escaped;
        } else line += c;
    }
    return line;
}

void printError(const std::string& message) { std::cerr << "ptl-studio-cli: error: " << escapeControl(message) << "\n"; }

}  // namespace ptl::cli
