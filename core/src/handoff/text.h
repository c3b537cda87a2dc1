// Small text helpers of the handoff room: HTML escaping and compact numbers.
#pragma once

#include <cstdint>
#include <string>

namespace ptl::handoff {

std::string htmlEscape(const std::string& text);
std::string htmlWithCode(const std::string& text);  // escaped, `code` spans as <code>
std::string shortFloat(double value);   // "0.485", "1e-05": as few digits as read back the same float
std::string fixed(double value, int decimals);
std::string groupedInteger(int64_t value);  // "3,504,872"

}  // namespace ptl::handoff
