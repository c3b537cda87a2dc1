// What a model holds: the module tree with parameter counts and sizes, and every parameter,
// buffer and packed quantized weight with its statistics (TorchScript modules and Lite bytecode).
#include "inspect/inspection.h"

#include "common/quantized_ops.h"
#include "common/torch_text.h"

#include <torch/csrc/jit/mobile/import.h>

#include <algorithm>
#include <optional>
#include <set>

namespace ptl::detail {

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


// Statistics come later (measureTensors): the graph goes out first.
TensorInfo describeTensor(std::vector<at::Tensor>& values, std::string name, std::string kind, const at::Tensor& tensor) {
    values.push_back(tensor);
    return {std::move(name), std::move(kind), tensor.sizes().vec(), dtypeName(tensor.scalar_type()),
            tensorBytes(tensor), {}};
}

// Module objects nest this deep at most (damaged files chain them to overflow the stack).
constexpr int kMaxModuleDepth = 1000;

std::string join(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
}

// Sums each module's own sizes into its ancestors'. Modules arrive in pre-order.
void totalModuleSizes(std::vector<ModuleInfo>& modules) {
    for (ModuleInfo& module : modules) {
        module.totalParameters = module.parameters;
        module.totalBytes = module.bytes;
    }
    const std::vector<int> parents = moduleParents(modules);
    for (size_t i = modules.size(); i-- > 1;) {
        if (parents[i] < 0) continue;
        modules[parents[i]].totalParameters += modules[i].totalParameters;
        modules[parents[i]].totalBytes += modules[i].totalBytes;
    }
}

}  // namespace

std::vector<int> moduleParents(const std::vector<ModuleInfo>& modules) {
    std::unordered_map<std::string, int> byPath;
    for (size_t i = 0; i < modules.size(); ++i) byPath.emplace(modules[i].path, static_cast<int>(i));
    std::vector<int> parents(modules.size(), -1);
    for (size_t i = 1; i < modules.size(); ++i) {
        const std::string& path = modules[i].path;
        const size_t dot = path.rfind('.');
        const auto parent = byPath.find(dot == std::string::npos ? "" : path.substr(0, dot));
        if (parent != byPath.end()) parents[i] = parent->second;
    }
    return parents;
}

void measureTensors(Inspection& inspection) {
    for (size_t i = 0; i < inspection.tensorValues.size(); ++i)
        inspection.report.tensors[i].stats = statsOf(inspection.tensorValues[i]);
    inspection.tensorValues.clear();
}


namespace {

// A torch.classes object (packed quantized weights, an XNNPACK context): its weight and bias, each
// tensor once.
void addPacked(Inspection& inspection, ModuleInfo& module, const c10::IValue& value, const std::string& name,
               std::set<const void*>& seen) {
    const auto packed = unpackPacked(value, name);
    if (!packed) return;
    const std::pair<const char*, std::optional<at::Tensor>> parts[] = {{"weight", packed->weight}, {"bias", packed->bias}};
    for (const auto& [part, tensor] : parts) {
        if (!tensor || !tensor->defined() || !seen.insert(tensor->unsafeGetTensorImpl()).second) continue;
        inspection.report.tensors.push_back(describeTensor(inspection.tensorValues, name + "." + part, "packed", *tensor));
        module.parameters += tensor->numel();
        module.bytes += tensorBytes(*tensor);
    }
}

bool isCustomClassObject(const c10::IValue& value) {
    const auto name = value.toObjectRef().type()->name();
    return name && name->qualifiedName().rfind("__torch__.torch.classes.", 0) == 0;
}

// Lite files keep the module tree as plain objects: tensors in slots are parameters (LibTorch's
// mobile::Module::named_parameters also goes by requires_grad) or buffers, TorchScript classes
// are submodules, torch.classes objects packed weights. Pre-order, like describeModule.
void describeMobileObject(Inspection& inspection, const c10::ivalue::Object& object, const std::string& path,
                          std::set<const void*>& seen, int depth) {
    Report& report = inspection.report;
    const size_t index = report.modules.size();
    report.modules.emplace_back();
    report.modules[index].path = path;
    report.modules[index].type = object.type()->name() ? object.type()->name()->qualifiedName() : "";
    const auto& slots = object.slots();
    for (size_t i = 0; i < slots.size() && i < object.type()->numAttributes(); ++i) {
        const std::string name = join(path, object.type()->getAttributeName(i));
        const c10::IValue& slot = slots[i];
        if (slot.isTensor() && slot.toTensor().defined()) {
            const at::Tensor& tensor = slot.toTensor();
            if (!seen.insert(tensor.unsafeGetTensorImpl()).second) continue;
            const bool parameter = tensor.requires_grad();
            report.tensors.push_back(describeTensor(inspection.tensorValues, name, parameter ? "parameter" : "buffer", tensor));
            if (parameter) report.modules[index].parameters += tensor.numel();
            report.modules[index].bytes += tensorBytes(tensor);
        } else if (slot.isObject() && isCustomClassObject(slot)) {
            addPacked(inspection, report.modules[index], slot, name, seen);
        } else if (slot.isObject() && depth < kMaxModuleDepth && seen.insert(&slot.toObjectRef()).second) {
            describeMobileObject(inspection, slot.toObjectRef(), name, seen, depth + 1);
        }
    }
}

}  // namespace

void describeMobileModule(Inspection& inspection, const torch::jit::mobile::Module& mobile) {
    Report& report = inspection.report;
    std::set<const void*> seen;
    describeMobileObject(inspection, *mobile._ivalue(), "", seen, 0);
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
    describeBytecodeConstants(inspection, mobile);
}

void describeBytecodeConstants(Inspection& inspection, const torch::jit::mobile::Module& mobile) {
    Report& report = inspection.report;
    if (report.modules.empty()) report.modules.emplace_back();
    std::set<const void*> seen;
    for (const at::Tensor& tensor : inspection.tensorValues) seen.insert(tensor.unsafeGetTensorImpl());
    ModuleInfo& root = report.modules.front();
    for (const torch::jit::mobile::Method& method : mobile.get_methods()) {
        const std::string prefix = method.name() == "forward" ? "constants." : method.name() + ".constants.";
        const auto& constants = method.function().get_code().constants_;
        for (size_t i = 0; i < constants.size(); ++i) {
            const c10::IValue& constant = constants[i];
            const std::string name = prefix + std::to_string(i);
            if (constant.isTensor() && constant.toTensor().defined() &&
                seen.insert(constant.toTensor().unsafeGetTensorImpl()).second) {
                report.tensors.push_back(describeTensor(inspection.tensorValues, name, "constant", constant.toTensor()));
                root.parameters += constant.toTensor().numel();
                root.bytes += tensorBytes(constant.toTensor());
            } else if (constant.isObject() && isCustomClassObject(constant)) {
                addPacked(inspection, root, constant, name, seen);
            }
        }
    }
    totalModuleSizes(report.modules);
}

void describeModule(Inspection& inspection) {
    Report& report = inspection.report;
    const torch::jit::Module& top = *inspection.module();
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


}  // namespace ptl::detail
