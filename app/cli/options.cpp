#include "options.h"

namespace ptl::cli {

void addInputOption(CLI::App* command, std::vector<std::string>& inputs) {
    command->add_option("--input", inputs,
                        "Sample input for one forward argument, e.g. 1x3x224x224:float or 1x128:int64 "
                        "(repeat once per argument)");
}

void addProgressOption(CLI::App* command, std::string& mode) {
    command->add_option("--progress", mode, "Progress on stderr: auto (a bar on a terminal), bar, json, none")
        ->check(CLI::IsMember({"auto", "bar", "json", "none"}));
}

void addConvertOptions(CLI::App* command, ConvertChoices& choices, ConvertOptions& options) {
    command->add_flag("--no-optimize", choices.noOptimize, "Export without optimize_for_mobile");
    command->add_option("--backend", choices.backend,
                        "Static quantization target: qnnpack (phones: per-tensor weights, full-range activations) or "
                        "x86 (per-channel weights, reduced range; not the phone's engine)")
        ->check(CLI::IsMember({"qnnpack", "x86"}));
    command->add_option("--observer", choices.observer,
                        "Static quantization's activation observer: minmax, or histogram (searches the clipping "
                        "range with the least quantization error)")
        ->check(CLI::IsMember({"minmax", "histogram"}));
    command->add_option("--calib", choices.calibration,
                        "Calibration data for static quantization: random:N batches shaped like the inputs "
                        "(default random:8), a folder of PNG/JPEG images (resized, center-cropped, normalized by "
                        "--mean/--std), or a file saved with torch.save holding one tensor (split into batches) or a "
                        "list of tensors (one per batch)");
    command->add_option("--keep-float", options.keepFloat,
                        "Static quantization: leave this module (a path such as features.3) and its children in "
                        "float (repeatable)");
    command->add_option("--optimize-skip", options.skipOptimizations,
                        "Skip one optimize_for_mobile pass: conv-bn-fusion, insert-fold-prepack-ops, remove-dropout, "
                        "fuse-add-relu, hoist-conv-packed-params, conv1d-to-conv2d (repeatable)");
    command->add_option("--mean", options.mean,
                        "Per-channel mean for calibration images and the integration code, as TensorImageUtils "
                        "(default 0.485,0.456,0.406)")
        ->delimiter(',')
        ->expected(3);
    command->add_option("--std", options.std,
                        "Per-channel std for calibration images and the integration code (default 0.229,0.224,0.225)")
        ->delimiter(',')
        ->expected(3);
    command->add_option("--bytecode-version", options.bytecodeVersion,
                        "Backport the bytecode to this version, for older PyTorch Mobile runtimes (PyTorch's v8 to v7 "
                        "backport writes the tensors twice: expect a file about twice as large)");
}

void addBenchOptions(CLI::App* command, BenchOptions& options) {
    command->add_option("--threads", options.threads,
                        "Intra-op threads when measuring (default " + std::to_string(options.threads) +
                            ", as on most phones' big core)")
        ->check(CLI::Range(1, 256));
    command->add_option("--iters", options.iterations,
                        "Measured runs (default " + std::to_string(options.iterations) + ")")
        ->check(CLI::Range(1, 1000000));
    command->add_option("--warmup", options.warmup, "Runs before measuring (default " + std::to_string(options.warmup) + ")")
        ->check(CLI::Range(0, 1000000));
}

CLI::Option* addSweepOption(CLI::App* command, std::string& spec, const std::string& what) {
    return command
        ->add_option("--sweep", spec,
                     what + " Without SPEC the shapes come from the sample inputs: batch 1,2,4; image inputs (NCHW, 1 "
                            "or 3 channels) at 0.5x, 1x, 1.5x height and width; token ids (int64 2-D) at sequence "
                            "16, 64, 128. SPEC: axes separated by ';', each varied alone from the sample input: "
                            "batch=1,2,4 | scale=0.5,1,1.5 | hw=112x112,224x224 | seq=16,64,128, or a shape given "
                            "in full, one input spec per forward argument joined by '+' (1x3x64x64:float+1x8:int64). "
                            "Write it after the model file, or as --sweep=SPEC")
        ->type_name("[SPEC]")
        ->expected(0, 1);
}

void applyConvertChoices(const ConvertChoices& choices, ConvertOptions& options) {
    options.optimize = !choices.noOptimize;
    options.backend = parseBackend(choices.backend);
    options.observer = parseObserver(choices.observer);
    if (options.quantize == Quantization::Static) options.calibration = parseCalibrationSource(choices.calibration);
}

void addLimitOptions(CLI::App* command, LimitChoices& choices) {
    command->add_option("--timeout", choices.timeoutSeconds,
                        "Stop the job after this many seconds (default " + std::to_string(kDefaultTimeoutSeconds) +
                            "; 0: no limit). The model's code runs in a child process, which is killed then")
        ->check(CLI::NonNegativeNumber);
    command->add_option("--memory-limit", choices.memoryLimit,
                        "Memory the child process may use, e.g. 4G or 512M (default: three quarters of this "
                        "computer's memory, " + describeSize(defaultMemoryLimit()) + "; 0: no limit)");
}

Limits limitsOf(const LimitChoices& choices) {
    Limits limits;
    limits.timeoutSeconds = choices.timeoutSeconds;
    try {
        limits.memoryBytes = choices.memoryLimit.empty() ? defaultMemoryLimit() : parseSize(choices.memoryLimit);
    } catch (const std::invalid_argument& problem) {
        throw std::invalid_argument(std::string("--memory-limit: ") + problem.what());
    }
    return limits;
}

}  // namespace ptl::cli
