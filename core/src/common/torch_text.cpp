// dtype names and readable error text; see torch_text.h.
#include "common/torch_text.h"

#include "ptl/errors.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <vector>

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

namespace {

// "RuntimeError: ..." and its kind. Written out by hand: std::regex recurses per character and
// overflows the stack on the megabyte-long lines a damaged model can produce.
bool isErrorLine(const std::string& line) {
    size_t letters = 0;
    while (letters < line.size() && std::isalpha(static_cast<unsigned char>(line[letters]))) ++letters;
    // The letters end with "Error", then ": " follows.
    return letters >= 5 && line.compare(letters - 5, 7, "Error: ") == 0;
}

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
}

// TorchScript's compiler ends its first line with "here:" and shows the place on the lines
// below: 'File "code/__torch__.py", line 2', the source, and a "~~~ <--- HERE" marker.
std::string withPlace(std::string first, const std::vector<std::string>& lines) {
    std::string file, line, code;
    for (size_t i = 1; i < lines.size(); ++i) {
        const size_t quote = lines[i].find("File \"");
        const size_t lineAt = lines[i].find("\", line ");
        if (file.empty() && quote != std::string::npos && lineAt != std::string::npos && lineAt > quote) {
            file = lines[i].substr(quote + 6, lineAt - quote - 6);
            line = trim(lines[i].substr(lineAt + 7));
        }
        if (lines[i].find("<--- HERE") != std::string::npos && i > 0) code = trim(lines[i - 1]);
    }
    first = trim(first.substr(0, first.size() - 5));  // without "here:"
    if (file.empty()) return first;
    return first + " at " + file + " line " + line + (code.empty() ? "" : ": " + code);
}

}  // namespace

std::string firstLine(const std::string& message) {
    const std::vector<std::string> lines = linesOf(message);
    // Interpreter errors start with "The following operation failed..." and a TorchScript
    // traceback; the cause is the last "SomethingError: ..." line (a backend list may follow
    // it), else the last line.
    if (message.find("Traceback of TorchScript") != std::string::npos) {
        std::string last, cause;
        for (const std::string& raw : lines) {
            const std::string line = trim(raw);
            if (line.empty()) continue;
            last = line;
            if (isErrorLine(line)) cause = line;
        }
        return cause.empty() ? last : cause;
    }
    // Some messages start with a newline: the first line with text is the message.
    std::string line;
    for (const std::string& raw : lines)
        if (!(line = trim(raw)).empty()) break;
    // c10 appends " (most recent call first):" or "Exception raised from ..." to the first line.
    for (const char* tail : {" Exception raised from", "(most recent call first)"}) {
        const size_t at = line.find(tail);
        if (at != std::string::npos) line = trim(line.substr(0, at));
    }
    if (line.size() >= 5 && line.compare(line.size() - 5, 5, "here:") == 0) return withPlace(line, lines);
    return line;
}

std::string errorText(const std::exception& error) {
    const auto* c10Error = dynamic_cast<const c10::Error*>(&error);
    const std::string text = escapeNonUtf8(firstLine(c10Error ? c10Error->what_without_backtrace() : error.what()));
    return text.empty() ? "an error LibTorch gave no description for" : text;
}

std::string escapeNonUtf8(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
        const unsigned char lead = byte(i);
        // The length of a well-formed sequence starting here, or 0.
        size_t length = lead < 0x80 ? 1 : (lead >= 0xC2 && lead <= 0xDF) ? 2 : (lead >= 0xE0 && lead <= 0xEF) ? 3
                      : (lead >= 0xF0 && lead <= 0xF4) ? 4 : 0;
        if (length > 1 && i + length > text.size()) length = 0;
        for (size_t k = 1; k < length; ++k)
            if ((byte(i + k) & 0xC0) != 0x80) length = 0;
        // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8 either.
        if (length == 3 && ((lead == 0xE0 && byte(i + 1) < 0xA0) || (lead == 0xED && byte(i + 1) >= 0xA0))) length = 0;
        if (length == 4 && ((lead == 0xF0 && byte(i + 1) < 0x90) || (lead == 0xF4 && byte(i + 1) >= 0x90))) length = 0;
        if (length == 0) {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02X", lead);
            out += escaped;
            ++i;
        } else {
            out.append(text, i, length);
            i += length;
        }
    }
    return out;
}

}  // namespace ptl::detail

namespace ptl {

std::string oneLine(const std::string& message) { return detail::escapeNonUtf8(detail::firstLine(message)); }

std::string messageOf(const std::exception& error) { return detail::errorText(error); }

}  // namespace ptl
