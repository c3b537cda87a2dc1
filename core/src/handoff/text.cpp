#include "handoff/text.h"

#include <cstdio>
#include <cstdlib>

namespace ptl::handoff {

std::string htmlEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string shortFloat(double value) {
    char text[32];
    for (int digits = 1; digits <= 9; ++digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, value);
        if (float(std::strtod(text, nullptr)) == float(value)) break;
    }
    return text;
}

std::string fixed(double value, int decimals) {
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string groupedInteger(int64_t value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(size_t(i), ",");
    return value < 0 ? "-" + digits : digits;
}

std::string htmlWithCode(const std::string& text) {
    std::string html;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t open = text.find('`', start);
        const size_t close = open == std::string::npos ? std::string::npos : text.find('`', open + 1);
        if (close == std::string::npos) {
            html += htmlEscape(text.substr(start));
            break;
        }
        html += htmlEscape(text.substr(start, open - start)) + "<code>" + htmlEscape(text.substr(open + 1, close - open - 1)) +
                "</code>";
        start = close + 1;
    }
    return html;
}

}  // namespace ptl::handoff
