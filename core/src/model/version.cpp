// The tool's version string, from the header CMake generates out of project(... VERSION ...).
#include "ptl/version.h"

namespace ptl {

std::string toolVersion() { return PTL_TOOL_NAME " " PTL_VERSION; }

}  // namespace ptl
