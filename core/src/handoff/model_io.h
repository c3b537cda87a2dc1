// A model's inputs and output as the integration code sees them: which inputs are images, token
// ids or plain floats, and how forward's result is read.
#pragma once

#include "ptl/handoff.h"
#include "ptl/report.h"

#include <string>
#include <vector>

namespace ptl::handoff {

enum class InputKind {
    Image,     // float32 Nx3xHxW: built from a bitmap / pixel buffer with mean and std
    TokenIds,  // int64 (or int32) ids
    Floats,    // any other tensor, built from a flat array
};

struct ModelInput {
    std::string name;                // forward's argument name, usable as an identifier
    InputKind kind = InputKind::Floats;
    std::vector<int64_t> shape;
    std::string dtype;
    std::string origin;              // "given with --input", "bundled", "inferred"
};

enum class OutputKind { Tensor, TupleOfTensors, Other };

struct ModelOutput {
    OutputKind kind = OutputKind::Tensor;
    bool integer = false;            // int64 tensor (read as longs)
    std::string description;         // "output: 1x1000 float32 (measured)"
};

struct ModelIo {
    std::string typeName;            // "MobilenetV2"
    std::vector<ModelInput> inputs;
    ModelOutput output;
    bool hasImage() const;
    bool hasFlatInput() const;       // token ids or floats: Tensor.fromBlob
};

ModelIo modelIo(const Report& report);
std::string typeNameFromPath(const std::string& path);  // "mobilenet_v2.pt" -> "MobilenetV2"
int64_t bytecodeVersionFor(const Report& report, const IntegrationSettings& settings);

std::string kotlinResultType(const ModelOutput& output);
std::string kotlinReadOutput(const ModelOutput& output);  // the lambda's last expression

}  // namespace ptl::handoff
