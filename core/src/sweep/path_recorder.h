// A copy of forward that records the path a run takes: the branch of every prim::If and the trip
// count of every prim::Loop. A run that fails is run again on a second copy that also records
// each node as it completes, which names the node whose op raised the error (built only then: on
// a graph of thousands of nodes it doubles their number). The events go to a list passed in as an
// extra argument, which keeps what was appended when the run throws.
#pragma once

#include "ptl/sweep.h"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/script.h>

#include <memory>
#include <string>
#include <vector>

namespace ptl::detail {

// Forward's nodes in pre-order (a node before the nodes of its blocks): the index of a node is
// its id in the report's forward graph, as graph extraction numbers them.
std::vector<const torch::jit::Node*> preorderNodes(const torch::jit::Graph& graph);

struct RecordedPath {
    bool ran = false;
    std::string error;                       // one line, when the run failed
    c10::IValue output;                      // forward's output, when it ran
    std::vector<SweepDecision> decisions;    // by node id
    int errorNode = -1;                      // node id of the op that raised, -1 when unknown
};

class PathRecorder {
public:
    // forward: the session's inlined graph, whose pre-order gives the node ids.
    PathRecorder(const torch::jit::Module& module, std::shared_ptr<torch::jit::Graph> forward);
    RecordedPath run(const std::vector<c10::IValue>& inputs);

private:
    torch::jit::Module module_;
    std::shared_ptr<torch::jit::Graph> forward_;
    std::vector<const torch::jit::Node*> nodes_;  // the forward graph's, by id
    std::unique_ptr<torch::jit::GraphFunction> paths_;     // If and Loop events
    std::unique_ptr<torch::jit::GraphFunction> progress_;  // also every completed node; built on a failure

    std::unique_ptr<torch::jit::GraphFunction> instrument(bool everyNode) const;
    // The events of one run; false with the error's text when it threw.
    bool runWith(torch::jit::GraphFunction& function, const std::vector<c10::IValue>& inputs,
                 c10::List<int64_t>& events, c10::IValue& output, std::string& error) const;
    int failingNode(const c10::List<int64_t>& events) const;
};

}  // namespace ptl::detail
