// loadTorchScript and loadLiteModule; see torch_loader.h.
#include "load/torch_loader.h"

#include "common/torch_text.h"
#include "load/bytecode_machine.h"
#include "ptl/errors.h"

#include <spdlog/spdlog.h>
#include <torch/csrc/jit/mobile/import.h>

namespace ptl::detail {

namespace {

// Quantized weights are repacked for the current engine while loading: use the phone's.
void usePhoneEngine() { at::globalContext().setQEngine(at::QEngine::QNNPACK); }

}  // namespace

torch::jit::Module loadTorchScript(const std::string& path) {
    usePhoneEngine();
    try {
        torch::jit::Module module = torch::jit::load(path);
        module.eval();
        return module;
    } catch (const std::exception& error) {
        throw ModelError(path, "LibTorch cannot load it: " + errorText(error));
    }
}

torch::jit::mobile::Module loadLiteModule(const ModelFile& file) {
    if (!file.bytecodeProblem.empty()) throw BrokenBytecode(file.bytecodeProblem);
    usePhoneEngine();
    torch::jit::mobile::Module module = torch::jit::_load_for_mobile(file.path);
    spdlog::info("{} loaded in the Lite Interpreter", file.path);  // once per job: a big .ptl takes long
    try {
        checkLiteModule(module);
    } catch (const std::runtime_error& problem) {
        throw BrokenBytecode(problem.what());
    }
    return module;
}

}  // namespace ptl::detail
