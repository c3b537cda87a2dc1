// inspectModel: loads the model with LibTorch (full JIT when the file carries TorchScript code,
// the Lite Interpreter otherwise), describes it and runs the analyses in order.
#include "inspection.h"

#include "ptl/errors.h"

#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace ptl {

void JobControl::report(const std::string& stage, double fraction) const {
    // Stage timings in the log: where an inspection spends its time.
    static thread_local auto last = std::chrono::steady_clock::now();
    const auto now = std::chrono::steady_clock::now();
    spdlog::info("{:>6.0f} ms  then: {}", std::chrono::duration<double, std::milli>(now - last).count(), stage);
    last = now;
    if (progress) progress(stage, fraction);
}

void JobControl::checkCancelled() const {
    if (cancelled && cancelled()) throw Cancelled();
}

std::string toolVersion() { return "ptl-studio 0.1.0"; }

namespace detail {

Finding& Inspection::addFinding(Severity severity, std::string category, std::string message,
                                std::string advice) {
    Finding finding;
    finding.severity = severity;
    finding.category = std::move(category);
    finding.message = std::move(message);
    finding.advice = std::move(advice);
    report.findings.push_back(std::move(finding));
    return report.findings.back();
}

Finding& Inspection::addNodeFinding(const MethodGraph& graph, const torch::jit::Node* node,
                                    Severity severity, std::string category, std::string message,
                                    std::string advice) {
    Finding& finding = addFinding(severity, std::move(category), std::move(message), std::move(advice));
    finding.method = graph.name;
    const auto id = graph.nodeIds.find(node);
    if (id != graph.nodeIds.end()) {
        finding.nodes.push_back(id->second);
        finding.source = report.methods[graph.methodIndex].graph.nodes[id->second].source;
    }
    return finding;
}

namespace {

int64_t tensorBytes(const at::Tensor& tensor) {
    return static_cast<int64_t>(tensor.numel()) * static_cast<int64_t>(tensor.element_size());
}

TensorStats statsOf(const at::Tensor& tensor) {
    TensorStats stats;
    if (tensor.numel() == 0 || (!tensor.is_quantized() && !c10::isFloatingType(tensor.scalar_type()) &&
                                !c10::isIntegralType(tensor.scalar_type(), false)))
        return stats;
    at::Tensor values = (tensor.is_quantized() ? tensor.dequantize() : tensor).to(at::kFloat).flatten();
    values = values.masked_select(values.isfinite());  // NaN and inf would poison every figure
    if (values.numel() == 0) return stats;
    stats.known = true;
    stats.min = values.min().item<double>();
    stats.max = values.max().item<double>();
    stats.mean = values.mean().item<double>();
    stats.std = values.numel() > 1 ? values.std().item<double>() : 0.0;
    stats.zeroFraction = values.eq(0).sum().item<double>() / static_cast<double>(values.numel());
    constexpr int kBins = 48;
    const at::Tensor counts = at::histc(values, kBins, stats.min, stats.max).to(at::kLong);
    stats.histogram.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + kBins);
    return stats;
}

void measureTensors(Inspection& inspection) {
    for (size_t i = 0; i < inspection.tensorValues.size(); ++i)
        inspection.report.tensors[i].stats = statsOf(inspection.tensorValues[i]);
    inspection.tensorValues.clear();
}

// Statistics come later (measureTensors): the graph goes out first.
TensorInfo describeTensor(std::vector<at::Tensor>& values, std::string name, std::string kind, const at::Tensor& tensor) {
    values.push_back(tensor);
    return {std::move(name), std::move(kind), tensor.sizes().vec(), dtypeName(tensor.scalar_type()),
            tensorBytes(tensor), {}};
}

std::string join(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
}

// Sums each module's own sizes into its ancestors'. Modules arrive in pre-order.
void totalModuleSizes(std::vector<ModuleInfo>& modules) {
    for (ModuleInfo& module : modules) {
        module.totalParameters = module.parameters;
        module.totalBytes = module.bytes;
    }
    for (size_t i = modules.size(); i-- > 1;) {
        const std::string& path = modules[i].path;
        const size_t dot = path.rfind('.');
        const std::string parent = dot == std::string::npos ? "" : path.substr(0, dot);
        for (size_t j = i; j-- > 0;) {
            if (modules[j].path == parent) {
                modules[j].totalParameters += modules[i].totalParameters;
                modules[j].totalBytes += modules[i].totalBytes;
                break;
            }
        }
    }
}

void describeMobileModule(Inspection& inspection, const torch::jit::mobile::Module& mobile) {
    Report& report = inspection.report;
    ModuleInfo root;
    root.type = mobile._ivalue()->type()->name() ? mobile._ivalue()->type()->name()->qualifiedName() : "";
    for (const auto& [name, tensor] : mobile.named_parameters()) {
        report.tensors.push_back(describeTensor(inspection.tensorValues, name, "parameter", tensor));
        root.parameters += tensor.numel();
        root.bytes += tensorBytes(tensor);
    }
    report.modules.push_back(root);
    totalModuleSizes(report.modules);
    for (const torch::jit::mobile::Method& method : mobile.get_methods()) {
        Method info;
        info.name = method.name();
        info.origin = "unknown";  // bytecode keeps no trace of how it was produced
        info.signature = method.function().getSchema().name();
        if (info.name == "forward")
            report.methods.insert(report.methods.begin(), std::move(info));
        else
            report.methods.push_back(std::move(info));
    }
    for (const std::string& op : torch::jit::mobile::_export_operator_list(const_cast<torch::jit::mobile::Module&>(mobile)))
        report.operators.push_back(op);
    std::sort(report.operators.begin(), report.operators.end());
}

}  // namespace

torch::jit::Module loadTorchScript(const std::string& path) {
    // Quantized weights are repacked for the current engine while loading: use the phone's.
    at::globalContext().setQEngine(at::QEngine::QNNPACK);
    try {
        torch::jit::Module module = torch::jit::load(path);
        module.eval();
        return module;
    } catch (const std::exception& error) {
        throw ModelError(path, "LibTorch cannot load it: " + errorText(error));
    }
}

void describeModule(Inspection& inspection) {
    Report& report = inspection.report;
    const torch::jit::Module& top = *inspection.module;
    for (const auto& named : top.named_modules()) {
        ModuleInfo info;
        info.path = named.name;
        const auto type = named.value.type();
        info.type = type->name() ? type->name()->qualifiedName() : "";
        for (const auto& parameter : named.value.named_parameters(false)) {
            report.tensors.push_back(
                describeTensor(inspection.tensorValues, join(named.name, parameter.name), "parameter", parameter.value));
            info.parameters += parameter.value.numel();
            info.bytes += tensorBytes(parameter.value);
        }
        for (const auto& buffer : named.value.named_buffers(false)) {
            report.tensors.push_back(
                describeTensor(inspection.tensorValues, join(named.name, buffer.name), "buffer", buffer.value));
            info.bytes += tensorBytes(buffer.value);
        }
        for (const PackedWeight& packed : packedWeightsOf(named.value)) {
            report.tensors.push_back(describeTensor(inspection.tensorValues, join(named.name, packed.attribute + ".weight"),
                                                    "packed", packed.weight));
            info.parameters += packed.weight.numel();
            info.bytes += tensorBytes(packed.weight);
            if (packed.bias && packed.bias->defined()) {
                report.tensors.push_back(describeTensor(inspection.tensorValues, join(named.name, packed.attribute + ".bias"),
                                                        "packed", *packed.bias));
                info.parameters += packed.bias->numel();
                info.bytes += tensorBytes(*packed.bias);
            }
        }
        report.modules.push_back(std::move(info));
    }
    totalModuleSizes(report.modules);
}

namespace {

void orderFindings(Report& report) {
    // Most severe first; within a severity, by category, then by source line.
    std::stable_sort(report.findings.begin(), report.findings.end(), [](const Finding& a, const Finding& b) {
        if (a.severity != b.severity) return a.severity > b.severity;
        if (a.category != b.category) return a.category < b.category;
        return a.source.line < b.source.line;
    });
    for (size_t i = 0; i < report.findings.size(); ++i) report.findings[i].id = "F" + std::to_string(i + 1);
}

}  // namespace

}  // namespace detail

Report inspectModel(const std::string& path, const InspectOptions& options, const JobControl& job) {
    using namespace detail;
    job.report("Reading " + path, 0.0);
    Report report;
    report.tool = toolVersion();
    Inspection inspection{openModelFile(path), report, job};
    const ModelFile& file = inspection.file;
    report.file = path;
    report.fileBytes = static_cast<int64_t>(file.bytes);
    report.format = file.format;
    report.container = file.container;
    report.fileFormatVersion = file.fileFormatVersion;
    report.extraFiles = file.extraFiles;
    job.checkCancelled();

    torch::NoGradGuard noGrad;
    job.report("Loading", 0.1);
    if (!file.hasCode) {
        try {
            at::globalContext().setQEngine(at::QEngine::QNNPACK);
            const torch::jit::mobile::Module mobile = torch::jit::_load_for_mobile(path);
            report.bytecodeVersion = static_cast<int64_t>(mobile.bytecode_version());
            describeMobileModule(inspection, mobile);
        } catch (const std::exception& error) {
            throw ModelError(path, "LibTorch cannot load it: " + errorText(error));
        }
        measureTensors(inspection);
        return report;
    }
    inspection.module = loadTorchScript(path);

    job.report("Describing modules", 0.2);
    describeModule(inspection);
    job.checkCancelled();
    job.report("Extracting graphs", 0.3);
    extractGraphs(inspection);
    if (job.graphReady) job.graphReady(report);
    measureTensors(inspection);
    job.report("Running the model on sample inputs", 0.45);
    prepareSampleInputs(inspection, options.inputSpecs);
    job.checkCancelled();
    job.report("Analysing control flow", 0.6);
    analyzeControlFlow(inspection);
    analyzeTracing(inspection);
    analyzeQuantization(inspection);
    job.checkCancelled();
    job.report("Checking Lite Interpreter compatibility", 0.7);
    analyzeLiteCompatibility(inspection, options.roundTrip);
    orderFindings(report);
    job.report("Done", 1.0);
    return report;
}

}  // namespace ptl
