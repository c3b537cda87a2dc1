// A copy of forward that also returns the size and dtype of every top-level tensor, and the
// integers of every quantized activation: one run gives the output and all of those. Compiled
// once, it serves every candidate input of the sample-input search.
//
// It also guards quantized linear layers: qnnpack does not check the input's feature count and
// corrupts memory when it is wrong, which a search over candidate shapes would provoke. Before
// each such layer the copy multiplies the input by a zero weight of the right shape, which
// raises a clean error on a mismatch.
#pragma once

#include "session/session_state.h"

#include <torch/csrc/jit/api/function_impl.h>

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ptl::detail {

class ForwardRecorder {
public:
    // forward: the inlined graph the recorded values belong to.
    ForwardRecorder(const torch::jit::Module& module, torch::jit::Graph& forward, bool recordValues);

    // The tuple (forward's output, probe results...); throws on a failed run.
    std::vector<c10::IValue> run(const torch::jit::Module& module, const std::vector<c10::IValue>& inputs);

    // What a run's probes say, by the forward graph's values.
    std::unordered_map<const torch::jit::Value*, RecordedValue> read(const std::vector<c10::IValue>& results) const;

private:
    struct Probe {
        const torch::jit::Value* value;  // in the forward graph
        size_t sizeOutput, dtypeOutput;
        std::optional<size_t> integersOutput;
    };
    const torch::jit::Module& module_;
    std::vector<Probe> probes_;
    std::unique_ptr<torch::jit::GraphFunction> function_;

    torch::jit::Value* guardFeatureCount(torch::jit::Graph& graph, torch::jit::Node* node) const;
    void instrument(torch::jit::Graph& forward, bool recordValues);
};

}  // namespace ptl::detail
