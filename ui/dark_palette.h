// The dark palette `ptl-studio --dark` applies where the desktop offers none.
#pragma once

#include <QPalette>

namespace ptl::ui {

QPalette darkPalette();

}  // namespace ptl::ui
