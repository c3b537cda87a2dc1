// A copy of forward that also returns the size and dtype of every tensor it computes (inside If
// and Loop blocks too, with how often), and the integers of every top-level quantized activation:
// one run gives the output and all of those. Compiled once, it serves every candidate input of
// the sample-input search.
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

// Before a quantized linear layer (`node`), multiplies its input by a zero weight of the layer's
// shape, which raises a clean error on a wrong feature count where qnnpack would corrupt memory.
// Returns the guard's value (to keep alive as an output), or nullptr for other nodes.
torch::jit::Value* guardFeatureCount(const torch::jit::Module& module, torch::jit::Graph& graph, torch::jit::Node* node);

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
    // Lists that values inside If and Loop blocks are appended to, once per run of the block.
    struct NestedLists {
        torch::jit::Value* probes = nullptr;  // int[]: index into nested_
        torch::jit::Value* sizes = nullptr;   // int[][]
        torch::jit::Value* dtypes = nullptr;  // int[]
    };
    const torch::jit::Module& module_;
    std::vector<Probe> probes_;
    std::vector<const torch::jit::Value*> nested_;  // in the forward graph
    NestedLists nestedLists_;
    std::optional<size_t> nestedOutputs_;  // where the three lists are in a run's results
    std::unique_ptr<torch::jit::GraphFunction> function_;

    void instrument(torch::jit::Graph& forward, bool recordValues);
    void recordNested(torch::jit::Graph& graph, torch::jit::Block& block,
                      const std::unordered_map<const torch::jit::Value*, const torch::jit::Value*>& originals);
};

}  // namespace ptl::detail
