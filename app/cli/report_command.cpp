#include "report_command.h"

#include "contained_job.h"
#include "options.h"
#include "progress.h"
#include "ptl/atomic_file.h"
#include "ptl/bench.h"
#include "ptl/convert.h"
#include "ptl/errors.h"
#include "ptl/handoff.h"
#include "ptl/model_file.h"
#include "ptl/report_json.h"
#include "worker.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>

namespace ptl::cli {

struct ReportArguments {
    std::string model, output;
    std::vector<std::string> inputs;
    std::vector<std::string> quantize{"none"};
    ConvertChoices choices;   // backend, observer, calibration, --no-optimize
    bool noBench = false;
    std::string sweep;        // --sweep's spec
    CLI::Option* sweepOption = nullptr;
    ConvertOptions convert;   // keep-float, mean/std, bytecode version, skipped passes
    BenchOptions bench;
    std::string progressMode = "auto";
    LimitChoices limits;
    std::vector<std::string> commandLine;
};

namespace {

namespace fs = std::filesystem;

// A private folder for the variants' .ptl files, removed with everything in it.
class ScratchFolder {
public:
    ScratchFolder() {
        std::string pattern = (fs::temp_directory_path() / "ptl-review-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary folder");
        path_ = pattern;
    }
    ~ScratchFolder() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string utcNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

std::string quotedCommand(const std::vector<std::string>& words) {
    std::string text;
    for (const std::string& word : words) {
        const bool plain = word.find_first_of(" \t'\"$\\") == std::string::npos && !word.empty();
        text += (text.empty() ? "" : " ") + (plain ? word : "'" + word + "'");
    }
    return text;
}

// The conversions asked for, typed and checked before the model is read.
std::vector<ConvertOptions> conversionsOf(const ReportArguments& args) {
    std::vector<ConvertOptions> conversions;
    for (const std::string& mode : args.quantize) {
        ConvertOptions options = args.convert;
        options.inputSpecs = args.inputs;
        options.quantize = parseQuantization(mode);
        applyConvertChoices(args.choices, options);
        conversions.push_back(options);
    }
    return conversions;
}

std::string variantName(const ConvertOptions& options) {
    std::string name = quantizationName(options.quantize);
    if (options.quantize == Quantization::Static) name += std::string(" ") + backendName(options.backend);
    return name == "none" ? "float" : name;
}

// "mobilenet_v2-static-qnnpack.ptl": the name the report's digests show for a variant's file.
std::string scratchName(const std::string& model, const std::vector<ConvertOptions>& conversions, size_t index) {
    std::string name = fs::path(model).stem().string() + "-" + variantName(conversions[index]);
    std::replace(name.begin(), name.end(), ' ', '-');
    int same = 0;
    for (size_t i = 0; i < conversions.size(); ++i) same += variantName(conversions[i]) == variantName(conversions[index]);
    return name + (same > 1 ? "-" + std::to_string(index + 1) : "") + ".ptl";  // --quantize none twice
}

// The inspection, each conversion and each measurement runs in a contained worker
// (contained_job.h), as inspect, convert and bench do: the model's code and LibTorch never run in
// this process. A failed inspection ends the review (thrown as its JobFailure); a failed
// conversion or measurement is part of it.
class ReviewJob {
public:
    ReviewJob(const ReportArguments& args, const Limits& limits, bool verbose, ProgressPrinter& progress)
        : args_(args), limits_(limits), verbose_(verbose), progress_(progress) {}

    ReviewInput run() {
        std::vector<ConvertOptions> conversions = conversionsOf(args_);
        for (size_t i = 0; i < conversions.size(); ++i) {
            ConvertOptions& options = conversions[i];
            options.output = (scratch_.path() / scratchName(args_.model, conversions, i)).string();
            checkConvertOptions(args_.model, options);
        }
        steps_ = 1 + int(conversions.size()) * (args_.noBench ? 1 : 2) + (args_.noBench ? 0 : 1);

        ReviewInput review;
        review.createdAt = utcNow();
        review.producedBy = quotedCommand(args_.commandLine);
        review.report = inspect();
        review.digests.push_back(digestPath("model", args_.model));
        if (!args_.noBench) review.sourceLatency = measure(args_.model, false, "Measuring the model");

        // A Lite file without TorchScript code cannot be converted again: it is reviewed as it is.
        const bool convertible = openModelFile(args_.model).hasCode;
        for (const ConvertOptions& options : conversions) {
            if (!convertible) break;
            ReviewVariant variant;
            variant.name = variantName(options);
            variant.options = options;
            convertVariant(variant);
            if (variant.error.empty()) {
                review.digests.push_back(digestPath("variant " + variant.name + " (exported)", options.output));
                if (options.quantize == Quantization::Static && !options.calibration.path.empty())
                    review.digests.push_back(digestPath("calibration data", options.calibration.path));
            }
            review.variants.push_back(std::move(variant));
        }
        return review;
    }

private:
    const ReportArguments& args_;
    const Limits limits_;
    bool verbose_;
    ProgressPrinter& progress_;
    ScratchFolder scratch_;  // the variants' files, removed with the job
    int step_ = 0, steps_ = 1;

    // One step in a worker, its progress shown as a share of the whole review.
    ContainedJob contained(const nlohmann::json& request, const std::string& stage) {
        const int index = step_++;
        return runContained(request, args_.model, limits_, verbose_, [&](const std::string& detail, double fraction) {
            progress_.update(stage + ": " + detail, (index + fraction) / steps_);
        });
    }

    Report inspect() {
        nlohmann::json request{{"job", "inspect"}, {"model", args_.model}, {"inputs", args_.inputs}, {"graph", false}};
        if (args_.sweepOption->count() > 0) request["sweep"] = args_.sweep;
        const ContainedJob job = contained(request, "Inspecting");
        if (!job.result) throw job.failure;
        return reportFromJson(job.result->at("report"));
    }

    // A failed conversion is part of the review (it is why the model does not ship), not the end of it.
    void convertVariant(ReviewVariant& variant) {
        const nlohmann::json request{{"job", "convert"}, {"model", args_.model}, {"options", toJson(variant.options)}};
        const ContainedJob job = contained(request, "Converting " + variant.name);
        if (!job.result) {
            variant.error = withoutModelName(job.failure.message);
            return;
        }
        variant.result = convertResultFromJson(job.result->at("convert"));
        if (!args_.noBench) variant.latency = measure(variant.options.output, true, "Measuring " + variant.name);
    }

    // A model that does not run on its sample inputs has no latency; the review says so.
    std::optional<BenchResult> measure(const std::string& path, bool lite, const std::string& stage) {
        BenchOptions options = args_.bench;
        options.inputSpecs = args_.inputs;
        options.lite = lite;
        const ContainedJob job = contained({{"job", "bench"}, {"model", path}, {"options", toJson(options)}}, stage);
        if (job.result) return benchResultFromJson(job.result->at("bench"));
        progress_.finish();
        std::cerr << "ptl-studio-cli: warning: not measured: " << job.failure.message << "\n";
        return std::nullopt;
    }

    // The worker's one line names the model; the report's variant row already does.
    std::string withoutModelName(const std::string& message) const {
        const std::string prefix = args_.model + ": ";
        return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
    }
};

}  // namespace

ReportCommand::ReportCommand(CLI::App& app) : args_(std::make_unique<ReportArguments>()) {
    ReportArguments& args = *args_;
    command_ = app.add_subcommand(
        "report", "Write the handoff review of a model as one self-contained HTML file: verdict, model summary, "
                  "findings with their source lines, torch.export readiness, the shape sweep (with --sweep), the "
                  "conversions asked for with their size, latency, error and per-layer SQNR, integration code for "
                  "Android and iOS, and what reproduces it");
    command_->add_option("MODEL", args.model, "TorchScript .pt or Lite Interpreter .ptl file")->required();
    command_->add_option("-o,--output", args.output, "The .html to write (atomically)")->required();
    addInputOption(command_, args.inputs);
    command_->add_option("--quantize", args.quantize,
                         "A variant to convert, verify and measure: none, dynamic or static (repeatable; default none)")
        ->check(CLI::IsMember({"none", "dynamic", "static"}));
    addConvertOptions(command_, args.choices, args.convert);
    args.bench.iterations = 20;
    args.bench.warmup = 3;
    addBenchOptions(command_, args.bench);
    args.sweepOption = addSweepOption(command_, args.sweep,
                                      "Also run the model at other input shapes; the report's Shape sweep section shows "
                                      "each shape's result, output shapes, branches and loop counts.");
    command_->add_flag("--no-bench", args.noBench, "Do not measure latency");
    addProgressOption(command_, args.progressMode);
    addLimitOptions(command_, args.limits);
}

ReportCommand::~ReportCommand() = default;

int ReportCommand::run(int argc, char** argv, bool verbose) {
    ReportArguments& args = *args_;
    args.commandLine.assign(argv, argv + argc);
    args.commandLine.front() = "ptl-studio-cli";
    ProgressPrinter progress(ProgressPrinter::parseMode(args.progressMode));
    try {
        checkDestination(args.model, args.output);  // before the minutes of converting and measuring
        ReviewJob job(args, limitsOf(args.limits), verbose, progress);
        const ReviewInput review = job.run();
        writeAtomically(args.output, reviewReportHtml(review));
        progress.finish();
        const Verdict verdict = reviewVerdict(review);
        std::cout << args.output << ": " << (verdict.ships ? "ships" : "does not ship")
                  << " on the Lite Interpreter: " << verdict.summary << "\n";
        return kOk;
    } catch (const JobFailure& failure) {
        progress.finish();
        printError(failure.message);
        return failure.exitCode;
    } catch (...) {
        progress.finish();
        return printFailure(args.model, std::current_exception());
    }
}

}  // namespace ptl::cli
