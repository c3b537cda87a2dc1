// Sample inputs for running forward: from the user's specs, from bundled inputs, or inferred
// from the signature and the first layer that consumes each argument. The run that accepts them
// also records forward's output and, when asked, the shape and dtype of every top-level value.
#include "session/session_state.h"

#include "common/torch_text.h"
#include "ptl/input_spec.h"
#include "session/file_access.h"
#include "session/forward_recorder.h"
#include "session/input_inference.h"
#include "session/plain_run.h"
#include "session/sample_values.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace ptl {

namespace {

using detail::Guess;

std::string describeArgument(const c10::Argument& argument) {
    return "'" + argument.name() + ": " + argument.type()->annotation_str() + "'";
}

// One search for inputs forward runs on; its results go into the session's state.
class InputSearch {
public:
    explicit InputSearch(Session::State& state) : state_(state), module_(*state.module) {
        const auto& schema = module_.get_method("forward").function().getSchema();
        arguments_.assign(schema.arguments().begin() + 1, schema.arguments().end());
    }

    void fromSpecs(const std::vector<std::string>& specs) {
        if (specs.size() != arguments_.size())
            throw std::invalid_argument("forward takes " + std::to_string(arguments_.size()) + " argument(s) but " +
                                        std::to_string(specs.size()) + " --input spec(s) were given");
        std::vector<c10::IValue> values;
        for (size_t i = 0; i < specs.size(); ++i) {
            const InputSpec spec = parseInputSpec(specs[i]);
            state_.inputs.push_back({arguments_[i].name(), arguments_[i].type()->annotation_str(), spec.shape,
                                     spec.dtype, "spec"});
            values.push_back(detail::makeTensor(spec.shape, spec.dtype, 2));
        }
        acceptGiven(values, "the --input shapes");
    }

    // False when the model bundles no inputs (or they cannot be read).
    bool fromBundled() {
        if (!module_.find_method("get_all_bundled_inputs")) return false;
        try {
            const auto bundled = detail::runMethod(module_, "get_all_bundled_inputs", {}).toList();
            if (bundled.empty()) return false;
            const auto tuple = bundled.get(0).toTuple();
            std::vector<c10::IValue> values;
            for (size_t i = 0; i < tuple->elements().size() && i < arguments_.size(); ++i) {
                const c10::IValue& element = tuple->elements()[i];
                InputInfo info{arguments_[i].name(), arguments_[i].type()->annotation_str(), {}, "", "bundled"};
                if (element.isTensor()) {
                    info.shape = element.toTensor().sizes().vec();
                    info.dtype = detail::dtypeName(element.toTensor().scalar_type());
                }
                state_.inputs.push_back(info);
                values.push_back(element);
            }
            acceptGiven(values, "the bundled inputs");
            return true;
        } catch (const std::exception& error) {
            spdlog::warn("bundled inputs could not be read: {}", error.what());
            return false;
        }
    }

    // Infer from the signature; tensors from the layer that first consumes them.
    void inferred() {
        std::vector<Guess> guesses;
        for (size_t i = 0; i < arguments_.size(); ++i) {
            const auto guess = guessArgument(i);
            if (!guess) return;
            guesses.push_back(*guess);
        }
        searchShapes(guesses);
    }

private:
    Session::State& state_;
    const torch::jit::Module& module_;
    std::vector<c10::Argument> arguments_;

    std::optional<Guess> guessArgument(size_t index) {
        const c10::Argument& argument = arguments_[index];
        const c10::TypePtr& type = argument.type();
        Guess guess;
        if (type->kind() == c10::TypeKind::TensorType) {
            const auto found = detail::guessFromConsumers(module_, state_.forwardGraph->inputs()[index + 1]);
            if (!found) {
                fail("cannot infer a shape for forward argument " + describeArgument(argument) +
                     ": no layer that consumes it tells its shape");
                return std::nullopt;
            }
            guess = *found;
        } else if (argument.default_value()) {
            guess.dtype = "default";
        } else if (type->kind() == c10::TypeKind::OptionalType) {
            guess.dtype = "none";
        } else if (type->kind() == c10::TypeKind::IntType || type->kind() == c10::TypeKind::FloatType ||
                   type->kind() == c10::TypeKind::BoolType) {
            guess.dtype = "scalar";
        } else {
            fail("cannot make a sample value for forward argument " + describeArgument(argument));
            return std::nullopt;
        }
        return guess;
    }

    // Sizes the model's free dimensions commonly take (image sides, sequence lengths); the first
    // that runs is kept.
    void searchShapes(const std::vector<Guess>& guesses) {
        static const int64_t imageSides[] = {224, 32, 28, 16, 64, 128, 96, 256, 299, 8};
        static const int64_t sequenceLengths[] = {128, 64, 32, 256, 16, 8, 512, 100, 50, 10};
        std::string lastError;
        for (size_t attempt = 0; attempt < std::size(imageSides); ++attempt) {
            std::vector<c10::IValue> values;
            state_.inputs.clear();
            bool anyFree = false;
            for (size_t i = 0; i < arguments_.size(); ++i) {
                const Guess& guess = guesses[i];
                const c10::TypePtr& type = arguments_[i].type();
                if (guess.dtype == "default") values.push_back(*arguments_[i].default_value());
                else if (guess.dtype == "none") values.emplace_back();
                else if (guess.dtype == "scalar")
                    values.push_back(type->kind() == c10::TypeKind::FloatType ? c10::IValue(1.0)
                                     : type->kind() == c10::TypeKind::BoolType ? c10::IValue(false)
                                                                               : c10::IValue(int64_t{1}));
                else {
                    anyFree = anyFree || detail::hasFreeDims(guess.shape);
                    const auto shape =
                        detail::fill(guess.shape, guess.dtype == "int64" ? sequenceLengths[attempt] : imageSides[attempt]);
                    values.push_back(detail::makeTensor(shape, guess.dtype, guess.upperBound));
                    state_.inputs.push_back({arguments_[i].name(), type->annotation_str(), shape, guess.dtype, "inferred"});
                }
            }
            if (tryForward(values, lastError)) {
                state_.sampleInputs = values;
                return;
            }
            if (!anyFree) break;
        }
        state_.inputs.clear();
        fail("forward failed on every inferred input shape (last error: " + detail::firstLine(lastError) + ")");
    }

    // Inputs the user or the model supplied: kept even when forward fails on them, with the problem.
    void acceptGiven(const std::vector<c10::IValue>& values, const std::string& what) {
        std::string error;
        if (tryForward(values, error)) {
            state_.sampleInputs = values;
            return;
        }
        fail("forward fails on " + what + ": " + detail::firstLine(error));
    }

    void fail(const std::string& problem) {
        state_.sampleInputs.reset();
        state_.inputProblem = problem;
    }

    bool tryForward(const std::vector<c10::IValue>& inputs, std::string& error) {
        if (!state_.recorder)
            state_.recorder = std::make_shared<detail::ForwardRecorder>(module_, *state_.forwardGraph, state_.recordValues);
        // Only the guarded copy runs on candidate inputs: forward itself could crash on a wrong guess.
        try {
            std::vector<c10::IValue> results = state_.recorder->run(module_, detail::cloneInputs(inputs));
            state_.forwardOutput = results.front();
            state_.recorded = state_.recorder->read(results);
            return true;
        } catch (const std::exception& failure) {
            error = detail::errorText(failure);
            return false;
        }
    }
};

}  // namespace

void Session::prepareInputs(const std::vector<std::string>& specs, ValueRecording recording) {
    torch::manual_seed(0);  // the same report for the same model, every time
    if (!state_->forwardGraph) return;
    detail::refuseUncontainedFileAccess(*state_);
    state_->recordValues = recording == ValueRecording::On;
    InputSearch search(*state_);
    if (!specs.empty())
        search.fromSpecs(specs);
    else if (!search.fromBundled())
        search.inferred();
}

}  // namespace ptl
