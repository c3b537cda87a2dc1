// dtype names and readable error text; see torch_text.h.
#include "common/torch_text.h"

#include <c10/util/Exception.h>

#include <regex>
#include <sstream>

namespace ptl::detail {

std::string trim(const std::string& text) {
    const size_t begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return {};
    const size_t end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

std::string dtypeName(c10::ScalarType type) {
    switch (type) {
    case c10::ScalarType::Float: return "float32";
    case c10::ScalarType::Double: return "float64";
    case c10::ScalarType::Half: return "float16";
    case c10::ScalarType::BFloat16: return "bfloat16";
    case c10::ScalarType::Long: return "int64";
    case c10::ScalarType::Int: return "int32";
    case c10::ScalarType::Short: return "int16";
    case c10::ScalarType::Char: return "int8";
    case c10::ScalarType::Byte: return "uint8";
    case c10::ScalarType::Bool: return "bool";
    case c10::ScalarType::QInt8: return "qint8";
    case c10::ScalarType::QUInt8: return "quint8";
    case c10::ScalarType::QInt32: return "qint32";
    default: return c10::toString(type);
    }
}

std::string firstLine(const std::string& message) {
    // Interpreter errors start with "The following operation failed..." and a TorchScript
    // traceback; the cause is on the last line.
    if (message.find("Traceback of TorchScript") != std::string::npos) {
        // The cause is the last "SomethingError: ..." line (a backend list may follow it), else
        // the last line.
        static const std::regex errorLine(R"(^[A-Za-z]*Error: .*)");
        std::string last, cause;
        std::istringstream lines(message);
        for (std::string line; std::getline(lines, line);) {
            line = trim(line);
            if (line.empty()) continue;
            last = line;
            if (std::regex_match(line, errorLine)) cause = line;
        }
        return cause.empty() ? last : cause;
    }
    std::string line = trim(message.substr(0, message.find('\n')));
    // c10 appends " (most recent call first):" or "Exception raised from ..." to the first line.
    for (const char* tail : {" Exception raised from", "(most recent call first)"}) {
        const size_t at = line.find(tail);
        if (at != std::string::npos) line = trim(line.substr(0, at));
    }
    return line;
}

std::string errorText(const std::exception& error) {
    const auto* c10Error = dynamic_cast<const c10::Error*>(&error);
    return firstLine(c10Error ? c10Error->what_without_backtrace() : error.what());
}

}  // namespace ptl::detail
