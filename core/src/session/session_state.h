// The LibTorch side of a Session (ptl/session.h), for core's stages.
#pragma once

#include "ptl/session.h"

#include <torch/csrc/jit/mobile/module.h>
#include <torch/script.h>

#include <exception>
#include <memory>
#include <optional>
#include <unordered_map>

namespace ptl::detail {
class ForwardRecorder;
}  // namespace ptl::detail

namespace ptl {

// What the sample run recorded of one value of forward.
struct RecordedValue {
    std::vector<int64_t> shape;
    c10::ScalarType dtype = c10::ScalarType::Undefined;
    std::optional<int64_t> quantizedP99;
    int64_t runs = 0;  // how often the run computed it (more than once inside loops)  // 99th percentile of a quantized activation's integers
};

struct Session::State {
    ModelFile file;
    std::optional<torch::jit::Module> module;          // absent for bytecode-only Lite files
    std::shared_ptr<torch::jit::Graph> forwardGraph;   // forward inlined (a copy); null without forward

    std::vector<InputInfo> inputs;
    std::optional<std::vector<c10::IValue>> sampleInputs;  // forward's arguments, without self
    std::string inputProblem;
    std::optional<c10::IValue> forwardOutput;          // forward's output on the sample inputs
    // Keyed by forwardGraph's values; filled by a run with ValueRecording::On.
    std::unordered_map<const torch::jit::Value*, RecordedValue> recorded;
    bool recordValues = false;
    std::shared_ptr<detail::ForwardRecorder> recorder;  // forward instrumented, compiled once

    // The file in the Lite Interpreter (.ptl files), loaded on first use and shared by the stages
    // that read it: LibTorch parses a big .ptl for hundreds of milliseconds. Throws what
    // detail::loadLiteModule throws, every time it is asked after a failed load.
    const torch::jit::mobile::Module& liteModule();

    // Drops the TorchScript module and what was built from it (bench measures a Lite model in a
    // heap not shaped by the full JIT's allocations).
    void releaseTorchScript();

private:
    std::optional<torch::jit::mobile::Module> lite_;  // a flatbuffer's tensors point into its buffer
    std::exception_ptr liteFailure_;
};

}  // namespace ptl
