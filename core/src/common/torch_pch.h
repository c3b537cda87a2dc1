// The precompiled header of ptl_core's LibTorch translation units: the TorchScript API every
// stage uses. Listed in core/CMakeLists.txt, never included by hand.
#pragma once

#include <torch/script.h>
