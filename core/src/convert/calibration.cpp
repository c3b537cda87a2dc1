// Calibration batches from random tensors, saved tensors or images; see calibration.h.
#include "convert/calibration.h"

#include "common/torch_text.h"
#include "ptl/input_spec.h"
#include "session/sample_values.h"

#include <stb/stb_image.h>
#include <torch/serialize.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace ptl::detail {

namespace {

namespace fs = std::filesystem;

// Saved tensors must fit forward's first input in all but the batch dimension: a mismatch would
// otherwise surface as an error deep inside the quantization passes.
void checkBatchShapes(const std::vector<std::vector<c10::IValue>>& batches, const std::vector<InputInfo>& inputs,
                      const std::string& path) {
    if (inputs.empty() || inputs.front().shape.empty()) return;
    const std::vector<int64_t>& expected = inputs.front().shape;
    for (const auto& batch : batches) {
        const at::Tensor& tensor = batch.front().toTensor();
        const bool fits = tensor.dim() == int64_t(expected.size()) &&
                          std::equal(expected.begin() + 1, expected.end(), tensor.sizes().begin() + 1);
        if (!fits)
            throw std::invalid_argument("the calibration file " + path + " holds tensors of shape " + formatShape(tensor.sizes().vec()) +
                                        ", but forward's input " + inputs.front().argument + " is " + formatShape(expected) +
                                        " (all but the first dimension must match)");
    }
}

// Calibration batches from a file saved with torch.save: one tensor (split along its first
// dimension into batches the size of the sample input's) or a list of tensors (one per batch).
std::vector<std::vector<c10::IValue>> savedBatches(const std::string& path, const std::vector<InputInfo>& inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read the calibration file " + path);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    c10::IValue saved;
    try {
        saved = torch::pickle_load(bytes);
    } catch (const std::exception& error) {
        throw std::invalid_argument("the calibration file " + path + " is not a torch.save() of tensors: " +
                                    errorText(error));
    }
    std::vector<std::vector<c10::IValue>> batches;
    if (saved.isTensor()) {
        const int64_t batch = !inputs.empty() && !inputs.front().shape.empty()
                                  ? std::max<int64_t>(1, inputs.front().shape.front())
                                  : 1;
        for (const at::Tensor& part : saved.toTensor().split(batch)) batches.push_back({part});
    } else if (saved.isList() || saved.isTuple()) {
        const auto items = saved.isList() ? saved.toListRef().vec() : saved.toTupleRef().elements().vec();
        for (const c10::IValue& item : items) {
            if (!item.isTensor()) throw std::invalid_argument("the calibration file " + path + " holds a non-tensor item");
            batches.push_back({item});
        }
    } else {
        throw std::invalid_argument("the calibration file " + path + " holds neither a tensor nor a list of tensors");
    }
    if (batches.empty()) throw std::invalid_argument("the calibration file " + path + " is empty");
    checkBatchShapes(batches, inputs, path);
    return batches;
}

// A folder of PNG/JPEG images, each resized (shorter side to the input's), center-cropped and
// normalized per channel, as TensorImageUtils.bitmapToFloat32Tensor does on Android.
std::vector<std::vector<c10::IValue>> imageBatches(const std::string& folder, const ConvertOptions& options,
                                                   const std::vector<InputInfo>& inputs) {
    if (inputs.empty() || inputs.front().shape.size() != 4)
        throw std::invalid_argument("calibration images need an image input (N x C x H x W); forward's first input is not one");
    const std::vector<int64_t>& shape = inputs.front().shape;
    const int64_t channels = shape[1], height = shape[2], width = shape[3];
    if (channels != 1 && channels != 3)
        throw std::invalid_argument("calibration images need 1 or 3 input channels, the model takes " + std::to_string(channels));
    if (options.mean.size() != 3 || options.std.size() != 3)
        throw std::invalid_argument("--mean and --std take three values (R, G, B)");

    const std::vector<fs::path> files = calibrationImages(folder);

    const at::Tensor mean = torch::tensor(options.mean).view({3, 1, 1});
    const at::Tensor std = torch::tensor(options.std).view({3, 1, 1});
    std::vector<std::vector<c10::IValue>> batches;
    for (const fs::path& file : files) {
        int w = 0, h = 0, components = 0;
        unsigned char* pixels = stbi_load(file.c_str(), &w, &h, &components, 3);
        if (!pixels)
            throw std::invalid_argument("cannot decode the calibration image " + file.string() + ": " + stbi_failure_reason());
        at::Tensor image = torch::from_blob(pixels, {h, w, 3}, at::kByte).clone();
        stbi_image_free(pixels);
        image = image.permute({2, 0, 1}).to(at::kFloat).div(255.0).unsqueeze(0);
        // Shorter side to the target, then the centre.
        const double scale = std::max(double(height) / h, double(width) / w);
        const int64_t resizedH = std::max<int64_t>(height, std::llround(h * scale));
        const int64_t resizedW = std::max<int64_t>(width, std::llround(w * scale));
        image = at::upsample_bilinear2d(image, {resizedH, resizedW}, false);
        const int64_t top = (resizedH - height) / 2, left = (resizedW - width) / 2;
        image = image.slice(2, top, top + height).slice(3, left, left + width).squeeze(0);
        image = (image - mean) / std;
        if (channels == 1) image = image.mean(0, true);
        batches.push_back({image.unsqueeze(0).contiguous()});
    }
    return batches;
}

}  // namespace

std::vector<fs::path> calibrationImages(const std::string& folder) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
        std::string extension = entry.path().extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
        if (entry.is_regular_file() && (extension == ".png" || extension == ".jpg" || extension == ".jpeg"))
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw std::invalid_argument("the calibration folder " + folder + " has no PNG or JPEG images");
    return files;
}

std::vector<std::vector<c10::IValue>> calibrationBatches(const ConvertOptions& options, const std::vector<InputInfo>& inputs,
                                                         const std::vector<c10::IValue>& sample) {
    const CalibrationSource& source = options.calibration;
    if (source.kind == CalibrationSource::Kind::ImageFolder) return imageBatches(source.path, options, inputs);
    if (source.kind == CalibrationSource::Kind::TensorFile) return savedBatches(source.path, inputs);
    std::vector<std::vector<c10::IValue>> all;
    for (int b = 0; b < source.batches; ++b) {
        std::vector<c10::IValue> batch;
        for (size_t i = 0; i < sample.size(); ++i) {
            const InputInfo* info = i < inputs.size() ? &inputs[i] : nullptr;
            if (sample[i].isTensor() && info && !info->dtype.empty())
                batch.push_back(makeSampleTensor(info->shape, info->dtype));
            else
                batch.push_back(sample[i]);
        }
        all.push_back(std::move(batch));
    }
    return all;
}


}  // namespace ptl::detail
