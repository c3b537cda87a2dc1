// inspectModel: opens a session (full JIT when the file carries TorchScript code, the Lite
// Interpreter otherwise), describes the model, extracts its graphs and runs the analyses in order.
#include "ptl/inspect.h"

#include "analysis/analyses.h"
#include "common/torch_text.h"
#include "inspect/inspection.h"
#include "load/torch_loader.h"
#include "ptl/errors.h"
#include "sweep/shape_sweep.h"


namespace ptl {

namespace {

using detail::Inspection;

void describeFile(Report& report, const ModelFile& file) {
    report.tool = toolVersion();
    report.file = file.path;
    report.fileBytes = static_cast<int64_t>(file.bytes);
    report.format = file.format;
    report.container = file.container;
    report.fileFormatVersion = file.fileFormatVersion;
    report.extraFiles = file.extraFiles;
}

// Bytecode without TorchScript code: what the Lite Interpreter loads is all there is to describe.
void describeBytecode(Inspection& inspection) {
    const std::string& path = inspection.session.file.path;
    try {
        // The session keeps it: a flatbuffer's tensors, which point into its buffer, are measured below.
        const torch::jit::mobile::Module& mobile = inspection.session.liteModule();
        inspection.report.bytecodeVersion = static_cast<int64_t>(mobile.bytecode_version());
        detail::describeMobileModule(inspection, mobile);
        detail::extractBytecodeGraphs(inspection, mobile);
    } catch (const detail::BrokenBytecode& broken) {
        throw ModelError(path, broken.what());
    } catch (const std::exception& error) {
        throw ModelError(path, "LibTorch cannot load it: " + detail::errorText(error));
    }
    detail::measureTensors(inspection);
    detail::analyzeFileAccess(inspection);
    detail::orderFindings(inspection.report);
}

// A .ptl with TorchScript code: weights folded into the bytecode's constants are its weights too.
// Damaged bytecode is left to the Lite round trip, which reports it as a finding. The session keeps
// the loaded module for the round trip.
void describeLiteConstants(Inspection& inspection) {
    try {
        detail::describeBytecodeConstants(inspection, inspection.session.liteModule());
    } catch (const std::exception&) {
    }
}

void findSampleInputs(Session& session, Inspection& inspection, const std::vector<std::string>& specs) {
    session.prepareInputs(specs, ValueRecording::On);
    inspection.report.inputs = session.inputs();
    detail::applyRecordedValues(inspection);
    if (session.inputProblem().empty()) return;
    // Inputs that were given (--input, bundled) and still fail: the model itself fails on them.
    if (!session.inputs().empty()) {
        inspection.addFinding(Severity::Error, "input.forward-fails", session.inputProblem(),
                              "Run forward on these inputs in Python to see the failure; if the shapes are wrong, "
                              "give others with --input (Model > Sample Inputs in the window).")
            .method = "forward";
        return;
    }
    inspection.addFinding(Severity::Warning, "input.unknown", session.inputProblem(),
                          "Pass one --input per forward argument, e.g. --input 1x3x224x224:float or --input "
                          "1x128:int64, or bundle inputs with torch.utils.bundled_inputs. Without sample inputs "
                          "the round trip and shape recording are skipped.")
        .method = "forward";
}

}  // namespace

Report inspectModel(const std::string& path, const InspectOptions& options, const JobControl& job) {
    if (options.sweep) parseSweepSpec(options.sweepSpec);  // a bad spec fails before the model is read
    job.report("Reading " + path, 0.0);
    Session session(path);
    return detail::inspectSession(session, options, job);
}

namespace detail {

Report inspectSession(Session& session, const InspectOptions& options, const JobControl& job) {
    Report report;
    describeFile(report, session.file());
    Inspection inspection{session.state(), report, job, {}, {}, {}, {}};
    job.checkCancelled();

    torch::NoGradGuard noGrad;
    job.report("Loading", 0.1);
    if (!session.file().hasCode) {
        if (options.sweep) report.sweep = {true, options.sweepSpec, {}, "a Lite file without TorchScript code cannot run at other shapes here"};
        describeBytecode(inspection);
        return report;
    }
    session.load();

    job.report("Describing modules", 0.2);
    detail::describeModule(inspection);
    if (session.file().format == "lite") describeLiteConstants(inspection);
    job.checkCancelled();
    job.report("Extracting graphs", 0.3);
    // Forward is what the view draws first: it goes out before the other methods are extracted,
    // and without the details drawing does not need, which follow at once.
    const bool early = bool(job.graphReady);
    detail::extractGraphs(inspection, detail::MethodSelection::Forward,
                          early ? detail::NodeDetails::Later : detail::NodeDetails::Now);
    if (early) {
        job.graphReady(report);
        detail::addNodeDetails(inspection);
        if (job.graphDetailsReady) job.graphDetailsReady(report);
    }
    detail::extractGraphs(inspection, detail::MethodSelection::Others);
    detail::measureTensors(inspection);
    detail::analyzeFileAccess(inspection);  // before running it: the finding stands if the run is refused
    job.report("Running the model on sample inputs", 0.45);
    findSampleInputs(session, inspection, options.inputSpecs);
    detail::measureCost(inspection);
    job.checkCancelled();
    // Off unless asked for: it runs forward once per shape.
    if (options.sweep) report.sweep = detail::runShapeSweep(session.state(), options.sweepSpec, job, 0.5, 0.6);
    job.report("Analysing control flow", 0.6);
    detail::analyzeControlFlow(inspection);
    detail::analyzeShapeSweep(inspection);
    detail::analyzeTracing(inspection);
    detail::analyzeQuantization(inspection);
    job.checkCancelled();
    job.report("Checking Lite Interpreter compatibility", 0.7);
    detail::analyzeLiteCompatibility(inspection, options.roundTrip);
    detail::orderFindings(report);
    job.report("Done", 1.0);
    return report;
}

}  // namespace detail

}  // namespace ptl
