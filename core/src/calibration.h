// Calibration data for static quantization: random batches shaped like the sample inputs, a
// file of tensors saved with torch.save, or a folder of images prepared as the Android app will
// (resize, center crop, normalize by mean/std).
#pragma once

#include "inspection.h"
#include "ptl/convert.h"

namespace ptl::detail {

// Throws std::invalid_argument naming the file or folder and the problem.
std::vector<std::vector<c10::IValue>> calibrationBatches(const ConvertOptions& options, const Report& scratch,
                                                         const std::vector<c10::IValue>& sample);

}  // namespace ptl::detail
