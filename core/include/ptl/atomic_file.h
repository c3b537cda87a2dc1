// Writing a file so that readers never see a partial one: converted models, operator lists,
// review reports.
#pragma once

#include <string>

namespace ptl {

// Written unnamed and given the name when complete: readers never see a partial file, and a
// failed or killed write leaves nothing behind. Throws ConversionError naming the path.
void writeAtomically(const std::string& path, const std::string& bytes);

// Checked before the minutes of work whose result goes to `destination` (a converted model, an
// operator list, a review report): throws std::invalid_argument when writing it would replace the
// input model or something that is not a regular file, or when its folder does not exist.
void checkDestination(const std::string& modelPath, const std::string& destination);

}  // namespace ptl
