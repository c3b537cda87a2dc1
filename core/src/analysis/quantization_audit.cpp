// Quantized layers and whether their settings fit the phone's qnnpack engine: qnnpack wants
// per-tensor weights and full-range (0..255) activations; per-channel weights and a reduced
// activation range (0..127) are what x86 backends (fbgemm, onednn, x86) are tuned for.
#include "analysis/analyses.h"

#include "common/quantized_ops.h"
#include "common/torch_text.h"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

namespace ptl::detail {

namespace {

std::string qschemeName(at::QScheme scheme) {
    switch (scheme) {
    case at::kPerTensorAffine: return "per_tensor_affine";
    case at::kPerTensorSymmetric: return "per_tensor_symmetric";
    case at::kPerChannelAffine: return "per_channel_affine";
    case at::kPerChannelSymmetric: return "per_channel_symmetric";
    case at::kPerChannelAffineFloatQParams: return "per_channel_affine_float_qparams";
    default: return "unknown";
    }
}

bool perChannel(const std::string& scheme) { return scheme.rfind("per_channel", 0) == 0; }

// "__torch__.torch.ao.nn.quantized.modules.conv.Conv2d" -> "conv2d"
std::string layerKind(const std::string& type) {
    std::string kind = type.substr(type.rfind('.') + 1);
    std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
    return kind;
}

void describeWeight(QuantizedLayer& layer, const at::Tensor& weight) {
    layer.weightDtype = dtypeName(weight.scalar_type());
    if (!weight.is_quantized()) {
        layer.weightQScheme = "none";
        return;
    }
    layer.weightQScheme = qschemeName(weight.qscheme());
    if (perChannel(layer.weightQScheme)) {
        const at::Tensor scales = weight.q_per_channel_scales().to(at::kDouble);
        const at::Tensor zeros = weight.q_per_channel_zero_points().to(at::kLong);
        layer.channels = scales.numel();
        layer.weightScaleMin = scales.min().item<double>();
        layer.weightScaleMax = scales.max().item<double>();
        layer.weightZeroPointMin = zeros.min().item<int64_t>();
        layer.weightZeroPointMax = zeros.max().item<int64_t>();
    } else {
        layer.channels = 1;
        layer.weightScaleMin = layer.weightScaleMax = weight.q_scale();
        layer.weightZeroPointMin = layer.weightZeroPointMax = weight.q_zero_point();
    }
}


// Quantized convolutions return channels-last tensors: a ReLU6 right after one returns scrambled
// values (isQuantizedClamp), on the phone as well.
void findScrambledClamps(Inspection& inspection, const MethodGraph& forward) {
    std::vector<int> nodes;
    std::function<void(const torch::jit::Block*)> visit = [&](const torch::jit::Block* block) {
        for (const torch::jit::Node* node : block->nodes()) {
            for (const torch::jit::Block* inner : node->blocks()) visit(inner);
            if (!isQuantizedClamp(node->kind().toQualString())) continue;
            const std::string producer = node->input(0)->node()->kind().toQualString();
            if (producer.rfind("quantized::conv", 0) != 0 || producer.find("pack") != std::string::npos) continue;
            const auto id = forward.nodeIds.find(node);
            if (id != forward.nodeIds.end()) nodes.push_back(id->second);
        }
    };
    visit(forward.graph->block());
    if (nodes.empty()) return;
    Finding& finding = inspection.addFinding(
        Severity::Error, "quant.qnnpack-clamp",
        std::to_string(nodes.size()) + " quantized ReLU6/hardtanh/clamp op(s) directly after a quantized convolution: "
            "LibTorch 1.13's qnnpack clamp reads the convolution's channels-last output as if it were contiguous "
            "and returns scrambled values, on the phone too",
        "Convert the float model with ptl-studio-cli convert --quantize static, which folds each such clamp into "
        "the convolution's output range, or replace ReLU6 with ReLU before quantizing.");
    finding.method = "forward";
    finding.nodes = nodes;
}

}  // namespace

void analyzeQuantization(Inspection& inspection) {
    if (!inspection.module()) return;
    if (const MethodGraph* forward = inspection.forward()) findScrambledClamps(inspection, *forward);
    Report& report = inspection.report;
    for (const auto& named : inspection.module()->named_modules()) {
        for (const PackedWeight& packed : packedWeightsOf(named.value)) {
            QuantizedLayer layer;
            // Linear keeps its packed weights one level down, in LinearPackedParams.
            layer.module = named.name;
            torch::jit::Module owner = named.value;
            const std::string suffix = "._packed_params";
            if (layer.module.size() > suffix.size() &&
                layer.module.compare(layer.module.size() - suffix.size(), suffix.size(), suffix) == 0) {
                layer.module.resize(layer.module.size() - suffix.size());
                owner = *inspection.module();
                for (size_t at = 0; at <= layer.module.size();) {
                    const size_t dot = std::min(layer.module.find('.', at), layer.module.size());
                    owner = owner.attr(layer.module.substr(at, dot - at)).toModule();
                    at = dot + 1;
                }
            }
            layer.kind = layerKind(owner.type()->name() ? owner.type()->name()->qualifiedName() : "");
            describeWeight(layer, packed.weight);
            layer.outputScale = -1;
            if (owner.hasattr("scale") && owner.attr("scale").isDouble()) {
                layer.outputScale = owner.attr("scale").toDouble();
                if (owner.hasattr("zero_point") && owner.attr("zero_point").isInt())
                    layer.outputZeroPoint = owner.attr("zero_point").toInt();
            }
            report.quantizedLayers.push_back(layer);
        }
    }

    // Frozen models (what optimize_for_mobile and exported .ptl files hold) keep packed weights as
    // graph constants of the quantized ops instead of module attributes.
    const MethodGraph* forward = inspection.forward();
    std::unordered_map<size_t, int> frozenLayerNodes;  // layer index -> its op node
    if (report.quantizedLayers.empty() && forward) {
        for (const torch::jit::Node* node : forward->graph->nodes()) {
            const std::string kind = node->kind().toQualString();
            if (kind.rfind("quantized::", 0) != 0 || node->inputs().size() < 2 ||
                node->input(1)->node()->kind() != c10::prim::Constant ||
                node->input(1)->type()->str().find("PackedParams") == std::string::npos)
                continue;
            const auto value = torch::jit::toIValue(node->input(1));
            const auto packed = value ? unpackPacked(*value, "") : std::nullopt;
            if (!packed) continue;
            const int id = forward->nodeIds.at(node);
            QuantizedLayer layer;
            const std::string scope = inspection.method(*forward).graph.nodes[id].scope;
            layer.module = scope.empty() ? kind + " (node " + std::to_string(id) + ")" : scope;
            layer.kind = kind.substr(kind.find("::") + 2);
            describeWeight(layer, packed->weight);
            layer.outputScale = -1;
            if (node->inputs().size() >= 4) {
                if (const auto scale = torch::jit::constant_as<double>(node->input(2))) layer.outputScale = *scale;
                if (const auto zero = torch::jit::constant_as<int64_t>(node->input(3))) layer.outputZeroPoint = *zero;
            }
            frozenLayerNodes[report.quantizedLayers.size()] = id;
            report.quantizedLayers.push_back(layer);
        }
    }
    if (report.quantizedLayers.empty()) return;

    // The integers each layer's output reached on the sample inputs.
    std::vector<int> layerNodes;
    std::vector<int> perChannelNodes;
    if (forward) {
        const Graph& graph = inspection.method(*forward).graph;
        for (size_t index = 0; index < report.quantizedLayers.size(); ++index) {
            QuantizedLayer& layer = report.quantizedLayers[index];
            const auto frozen = frozenLayerNodes.find(index);
            for (const ptl::Node& node : graph.nodes) {
                const bool mine = frozen != frozenLayerNodes.end() ? node.id == frozen->second
                                                                   : node.scope == layer.module;
                if (!mine || node.kind.rfind("quantized::", 0) != 0) continue;
                layerNodes.push_back(node.id);
                if (perChannel(layer.weightQScheme)) perChannelNodes.push_back(node.id);
                for (const int output : node.outputs) {
                    const auto seen = inspection.quantizedActivationP99.find(output);
                    if (seen != inspection.quantizedActivationP99.end())
                        layer.activationP99 = std::max(layer.activationP99, seen->second);
                }
            }
        }
    }

    std::vector<std::string> perChannelLayers;
    for (const QuantizedLayer& layer : report.quantizedLayers)
        if (perChannel(layer.weightQScheme)) perChannelLayers.push_back(layer.module);
    const std::string advice =
        "PyTorch Mobile runs quantized models with qnnpack on ARM, which is fastest with per-tensor "
        "weights and full-range (0..255) activations. Quantize with "
        "torch.ao.quantization.get_default_qconfig('qnnpack') under torch.backends.quantized.engine = "
        "'qnnpack', and select qnnpack in the app as well.";
    auto listed = [](const std::vector<std::string>& names) {
        std::string text;
        for (size_t i = 0; i < names.size() && i < 6; ++i) text += (i ? ", " : "") + (names[i].empty() ? "<root>" : names[i]);
        if (names.size() > 6) text += ", ...";
        return text;
    };
    if (!perChannelLayers.empty()) {
        Finding& finding = inspection.addFinding(
            Severity::Warning, "quant.x86-settings",
            std::to_string(perChannelLayers.size()) + " of " + std::to_string(report.quantizedLayers.size()) +
                " quantized layers use per-channel weights, an x86 (fbgemm/onednn) setting: " + listed(perChannelLayers),
            advice);
        finding.method = "forward";
        finding.nodes = perChannelNodes;
    }
    // Reduced range: the activations of every static layer stay within 0..127.
    int64_t measured = 0, reduced = 0;
    for (const QuantizedLayer& layer : report.quantizedLayers) {
        if (layer.activationP99 <= 0) continue;  // no signal in an all-zero output
        ++measured;
        if (layer.activationP99 <= 127) ++reduced;
    }
    if (measured > 0 && reduced == measured) {
        Finding& finding = inspection.addFinding(
            Severity::Warning, "quant.x86-settings",
            "quantized activations stay within 0..127 (99th percentile) on the sample inputs in all " + std::to_string(measured) +
                " layers: the model was likely calibrated with reduce_range=True, an x86 setting that "
                "wastes half of the 8-bit range on qnnpack",
            advice);
        finding.method = "forward";
        finding.nodes = layerNodes;
    }
}

}  // namespace ptl::detail
