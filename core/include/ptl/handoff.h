// The handoff review: what a data scientist and a mobile developer sign off on before a model
// ships. From an inspection report and the variants converted and measured from it, this room
// writes integration code for this model (Android Kotlin, iOS Objective-C++) and one
// self-contained HTML review report. Plain text generation: no LibTorch, no Qt, so the CLI and
// the window produce the same file.
#pragma once

#include "ptl/bench.h"
#include "ptl/convert.h"
#include "ptl/report.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ptl {

// ---- Integration code --------------------------------------------------------------------------

// What the code is generated for, besides the model's inputs and outputs.
struct IntegrationSettings {
    std::string assetName = "model.ptl";         // the .ptl as the app bundles it
    int64_t bytecodeVersion = -1;                // what the shipped file needs; -1: the report's
    std::vector<float> mean{0.485f, 0.456f, 0.406f};  // image normalization used for calibration
    std::vector<float> std{0.229f, 0.224f, 0.225f};
};

struct CodeSnippet {
    std::string id;        // "android-gradle", "android-kotlin", "ios-podfile", "ios-header", "ios-wrapper", "ios-swift"
    std::string title;     // "Android: app/build.gradle"
    std::string language;  // "gradle", "kotlin", "ruby", "objc", "objcpp", "swift"
    std::string code;
};

// The releases of PyTorch Mobile that read a bytecode version, from LibTorch's
// caffe2/serialize/versions.h of each release.
struct RuntimeRange {
    int64_t bytecodeVersion = -1;
    std::string firstRelease;  // oldest pytorch_android_lite / LibTorch-Lite that reads it, "1.11.0"
    std::string recommended;   // the Android release the snippets name (this tool's LibTorch)
    std::string podLine;       // the LibTorch-Lite pod series ("1.13.0": '~> 1.13.0' takes its fixes)
};
RuntimeRange mobileRuntimeFor(int64_t bytecodeVersion);

std::vector<CodeSnippet> integrationSnippets(const Report& report, const IntegrationSettings& settings);

// The platform-neutral C++ at the heart of the iOS wrapper (loading with _load_for_mobile,
// normalizing pixels, forward under c10::InferenceMode); the wrapper embeds it verbatim and tests
// compile and run it against desktop LibTorch. Defines ptl_generated::<Name>Runner.
std::string iosCppCore(const Report& report, const IntegrationSettings& settings);

// ---- Review report -----------------------------------------------------------------------------

// One conversion of the model with what was measured of it.
struct ReviewVariant {
    std::string name;                       // "none", "static qnnpack", renamed in the window
    ConvertOptions options;                 // as run
    ConvertResult result;                   // when `error` is empty
    std::string error;                      // why the conversion or its verification failed
    std::optional<BenchResult> latency;     // measured on this host
};

struct FileDigest {
    std::string role;     // "model", "calibration data", "variant none"
    std::string path;
    std::string sha256;   // lower-case hex; "" with `problem` when it could not be read
    int64_t bytes = 0;
    std::string problem;
};

struct ReviewInput {
    Report report;                           // the inspection of the model
    std::vector<ReviewVariant> variants;
    std::optional<BenchResult> sourceLatency;  // the model as given, for comparison
    std::vector<FileDigest> digests;         // model, sample inputs, calibration data, variants
    std::string producedBy;                  // "ptl-studio-cli report ..." or "PTL Studio (window)"
    std::string createdAt;                   // UTC, ISO 8601
};

// Ships on the Lite Interpreter: no error findings (those are what break it) and, when variants
// were made, at least one of them reloaded in the Lite Interpreter and matched its source (else
// the inspection's own round trip through the Lite Interpreter).
struct Verdict {
    bool ships = false;
    std::vector<const Finding*> blocking;    // error findings, in report order
    std::string summary;                     // one sentence
    int verifiedVariant = -1;                // index of the variant it rests on, -1 for none
    std::vector<std::string> cautions;       // not blocking, to be looked at: a variant's accuracy
};
Verdict reviewVerdict(const ReviewInput& input);

// One HTML document, no external requests: styles inline, plots as inline SVG, prints to PDF.
std::string reviewReportHtml(const ReviewInput& input);

// The model's total multiply-accumulates when the report carries them (per-op cost analysis).
std::optional<int64_t> reportMacs(const Report& report);

// ---- Reproducibility ---------------------------------------------------------------------------

std::string sha256Hex(const std::string& bytes);
// A file's digest; a folder's is the digest of its files' names and digests in name order
// (calibration image folders). Never throws: problems land in FileDigest::problem.
FileDigest digestPath(const std::string& role, const std::string& path);

}  // namespace ptl
