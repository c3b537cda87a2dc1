// checkSources; see source_scan.h.
#include "source_scan.h"

#include "ptl/report.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace ptl {

namespace {

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "not" at i as a word of its own.
bool isNotKeyword(const std::string& source, size_t i) {
    return source.compare(i, 3, "not") == 0 && (i == 0 || !isWordChar(source[i - 1])) &&
           (i + 3 >= source.size() || !isWordChar(source[i + 3]));
}

}  // namespace

SourceShape shapeOf(const std::string& source) {
    SourceShape shape;
    int depth = 0;
    int run = 0;  // operators since the last operand
    char quote = 0;
    for (size_t i = 0; i < source.size(); ++i) {
        const char c = source[i];
        if (quote) {
            if (c == '\\') ++i;
            else if (c == quote) quote = 0;
            continue;
        }
        if (c == '#') {  // a comment runs to the end of the line
            const size_t end = source.find('\n', i);
            i = (end == std::string::npos ? source.size() : end) - 1;
        } else if (c == '"' || c == '\'') {
            quote = c;
            run = 0;
        } else if (c == '(' || c == '[' || c == '{') {
            shape.brackets = std::max(shape.brackets, ++depth);
        } else if (c == ')' || c == ']' || c == '}') {
            depth = std::max(depth - 1, 0);
            run = 0;
        } else if (std::strchr("+-~*/%&|^<>=!@", c)) {
            shape.prefixOperators = std::max(shape.prefixOperators, ++run);
        } else if (isNotKeyword(source, i)) {
            shape.prefixOperators = std::max(shape.prefixOperators, ++run);
            i += 2;
        } else if (isWordChar(c)) {
            while (i + 1 < source.size() && isWordChar(source[i + 1])) ++i;  // an operand
            run = 0;
        }
    }
    return shape;
}

void checkSources(const ZipArchive& archive, const std::string& prefix) {
    for (const ZipEntry& entry : archive.entries()) {
        const std::string name = entry.name.substr(prefix.size());
        if (name.rfind("code/", 0) != 0 || name.size() < 3 || name.compare(name.size() - 3, 3, ".py") != 0) continue;
        const std::string source = "source '" + name + "' ";
        if (entry.uncompressedSize > kMaxSourceBytes)
            throw std::runtime_error(source + "is " + humanBytes(entry.uncompressedSize) + ", over the " +
                                     humanBytes(kMaxSourceBytes) + " LibTorch's compiler can read safely");
        const SourceShape shape = shapeOf(archive.read(entry, kMaxSourceBytes));
        if (shape.brackets > kMaxSourceNesting)
            throw std::runtime_error(source + "nests brackets " + std::to_string(shape.brackets) + " deep, over the " +
                                     std::to_string(kMaxSourceNesting) + " LibTorch's compiler can read safely");
        if (shape.prefixOperators > kMaxSourceNesting)
            throw std::runtime_error(source + "chains " + std::to_string(shape.prefixOperators) +
                                     " operators in a row, over the " + std::to_string(kMaxSourceNesting) +
                                     " LibTorch's compiler can read safely");
    }
}

}  // namespace ptl
