// Writing a file so that readers never see a partial one: converted models, operator lists,
// review reports.
#pragma once

#include <string>

namespace ptl {

// Written unnamed and given the name when complete: readers never see a partial file, and a
// failed or killed write leaves nothing behind. Throws ConversionError naming the path.
void writeAtomically(const std::string& path, const std::string& bytes);

}  // namespace ptl
