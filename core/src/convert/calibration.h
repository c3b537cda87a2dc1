// Calibration data for static quantization: random batches shaped like the sample inputs, a
// file of tensors saved with torch.save, or a folder of images prepared as the Android app will
// (resize, center crop, normalize by mean/std).
#pragma once

#include "ptl/convert.h"

#include <ATen/core/ivalue.h>

#include <filesystem>
#include <vector>

namespace ptl::detail {

// The PNG/JPEG files of a calibration folder, sorted; throws std::invalid_argument when it has none.
std::vector<std::filesystem::path> calibrationImages(const std::string& folder);

// inputs: what the sample inputs are (shapes and dtypes); sample: the sample inputs themselves.
// Throws std::invalid_argument naming the file or folder and the problem.
std::vector<std::vector<c10::IValue>> calibrationBatches(const ConvertOptions& options, const std::vector<InputInfo>& inputs,
                                                         const std::vector<c10::IValue>& sample);

}  // namespace ptl::detail
