// Progress of long CLI jobs on stderr: a bar on a terminal, JSON Lines for machines.
#pragma once

#include <string>

namespace ptl::cli {

class ProgressPrinter {
public:
    enum class Mode { Auto, Bar, Json, None };
    static Mode parseMode(const std::string& name);  // "auto", "bar", "json", "none"

    explicit ProgressPrinter(Mode mode);
    ~ProgressPrinter();
    void update(const std::string& stage, double fraction);
    void finish();  // ends the bar's line, so what follows starts on its own

private:
    Mode mode_;
    bool drawn_ = false;
};

// Control characters (a newline in a file name, say) as escapes such as \n.
std::string escapeControl(const std::string& text);
// "ptl-studio-cli: error: MESSAGE" on stderr as one line: control characters (a newline in a file
// name, say) are written as escapes such as \n.
void printError(const std::string& message);

}  // namespace ptl::cli
