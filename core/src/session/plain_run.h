// Running a model a handful of times (input search, calibration, error measurement) on
// instrumented copies of its graph: without the graph executor's profiling and optimization,
// which cost more than they save over a few runs (the module's own methods keep their executors
// for export).
#pragma once

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/script.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ptl::detail {

// The copy's values by the source's, nested blocks included (graph->copy() keeps node order).
std::unordered_map<const torch::jit::Value*, torch::jit::Value*> copiedValues(const torch::jit::Graph& source,
                                                                            torch::jit::Graph& copy);
// A function returning every registered output of a graph as one tuple.
std::unique_ptr<torch::jit::GraphFunction> tupleFunction(const std::string& name, std::shared_ptr<torch::jit::Graph> graph);
// Runs a tupleFunction on self and the inputs; returns the tuple's elements, throws on a failed run.
std::vector<c10::IValue> runPlainly(torch::jit::GraphFunction& function, const torch::jit::Module& module,
                                    const std::vector<c10::IValue>& inputs);
// Runs one of the module's methods plainly; LibTorch errors become std::runtime_error with firstLine().
c10::IValue runMethod(const torch::jit::Module& module, const std::string& method,
                      const std::vector<c10::IValue>& inputs);

std::shared_ptr<torch::jit::Graph> inlinedForward(const torch::jit::Module& module);  // a copy

// A copy of forward, inlined, run plainly and also returning chosen values of its graph: one run
// gives forward's output and every chosen intermediate.
class PlainForward {
public:
    explicit PlainForward(torch::jit::Module module);
    PlainForward(torch::jit::Module module, const std::shared_ptr<torch::jit::Graph>& source,
                 const std::vector<const torch::jit::Value*>& chosen);

    // The chosen values (dequantized) and forward's output.
    std::pair<std::vector<at::Tensor>, c10::IValue> run(const std::vector<c10::IValue>& inputs);

private:
    torch::jit::Module module_;
    std::unique_ptr<torch::jit::GraphFunction> function_;
};

}  // namespace ptl::detail
