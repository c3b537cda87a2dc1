// One opened model, shared by every stage (inspect, convert, bench, the worker): the file read
// and checked, the module loaded with LibTorch, forward's inlined graph, the sample inputs with
// where they came from, and forward's output on them. A stage opens a session instead of
// borrowing another stage's results.
#pragma once

#include "ptl/model_file.h"
#include "ptl/report.h"

#include <memory>
#include <string>
#include <vector>

namespace ptl {

// Whether the sample run also records the shape and dtype of every value of forward (inspect
// shows them; convert and bench need only the output and skip that cost).
enum class ValueRecording { Off, On };

// Whether forward may run on sample inputs when its code opens files by name (aten::save,
// aten::from_file; ptl/op_kinds.h). On by default; the worker turns it off when it cannot
// sandbox the model's code, and prepareInputs then refuses such a model with a ModelError.
void setFileAccessInModelCodeAllowed(bool allowed);

class Session {
public:
    // Reads the file and checks its container (no LibTorch yet); throws ModelError.
    explicit Session(const std::string& path);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const std::string& path() const;
    const ModelFile& file() const;

    // Loads TorchScript code in the full JIT (eval mode, the phone's quantized engine) and
    // inlines forward. Lite bytecode without code has nothing to load here. Throws ModelError.
    void load();
    bool hasTorchScript() const;  // loaded, with code the full JIT runs
    bool hasForward() const;

    // Finds inputs forward runs on: the given specs (one per argument, "1x3x224x224:float"), else
    // bundled inputs, else shapes inferred from the layers that consume each argument; runs
    // forward once on them. Throws std::invalid_argument for specs that do not fit forward.
    void prepareInputs(const std::vector<std::string>& specs, ValueRecording recording);
    bool hasInputs() const;
    const std::vector<InputInfo>& inputs() const;  // what was given or tried, with its source
    const std::string& inputProblem() const;       // why there are no inputs ("" when there are)

    // What the core's stages work on (LibTorch types; session/session_state.h).
    struct State;
    State& state() { return *state_; }
    const State& state() const { return *state_; }

private:
    std::unique_ptr<State> state_;
};

}  // namespace ptl
