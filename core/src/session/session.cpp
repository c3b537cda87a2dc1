// Session: opening, loading and forward's graph; the sample inputs are in sample_inputs.cpp.
#include "session/session_state.h"

#include "load/torch_loader.h"
#include "session/forward_recorder.h"

#include <torch/csrc/jit/passes/inliner.h>

namespace ptl {

Session::Session(const std::string& path) : state_(std::make_unique<State>()) {
    state_->file = openModelFile(path);
}

Session::~Session() = default;

const std::string& Session::path() const { return state_->file.path; }
const ModelFile& Session::file() const { return state_->file; }

void Session::load() {
    if (!state_->file.hasCode || state_->module) return;
    state_->module = detail::loadTorchScript(state_->file.path);
    if (const auto forward = state_->module->find_method("forward")) {
        state_->forwardGraph = forward->graph()->copy();
        torch::jit::Inline(*state_->forwardGraph);
    }
}

bool Session::hasTorchScript() const { return state_->module.has_value(); }
bool Session::hasForward() const { return state_->forwardGraph != nullptr; }
bool Session::hasInputs() const { return state_->sampleInputs.has_value(); }
const std::vector<InputInfo>& Session::inputs() const { return state_->inputs; }
const std::string& Session::inputProblem() const { return state_->inputProblem; }

const torch::jit::mobile::Module& Session::State::liteModule() {
    if (liteFailure_) std::rethrow_exception(liteFailure_);
    if (!lite_) {
        try {
            lite_ = detail::loadLiteModule(file);
        } catch (...) {
            liteFailure_ = std::current_exception();
            throw;
        }
    }
    return *lite_;
}

void Session::State::releaseTorchScript() {
    recorder.reset();
    forwardOutput.reset();
    forwardGraph.reset();
    recorded.clear();
    module.reset();
}

}  // namespace ptl
