// The Lite round trip of a report in words, the same in the CLI summary and the window.
#pragma once

#include "ptl/report.h"

#include <string>

namespace ptl {

// "round trip ok, max abs difference 0", "round trip failed: ...", ...; "" when not attempted.
std::string describeRoundTrip(const RoundTrip& trip);

}  // namespace ptl
