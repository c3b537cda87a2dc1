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

// Quantized modules that keep their packed weights as attributes. Linear keeps them one level
// down, in LinearPackedParams: the layer is the module above.
void listModuleLayers(Inspection& inspection) {
    for (const auto& named : inspection.module()->named_modules()) {
        for (const PackedWeight& packed : packedWeightsOf(named.value)) {
            QuantizedLayer layer;
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
            inspection.report.quantizedLayers.push_back(layer);
        }
    }
}

// Frozen models (what optimize_for_mobile and exported .ptl files hold) keep packed weights as
// graph constants of the quantized ops instead of module attributes. Returns layer index -> node.
std::unordered_map<size_t, int> listFrozenLayers(Inspection& inspection, const MethodGraph& forward) {
    std::unordered_map<size_t, int> frozenLayerNodes;
    for (const torch::jit::Node* node : forward.graph->nodes()) {
        const std::string kind = node->kind().toQualString();
        if (kind.rfind("quantized::", 0) != 0 || node->inputs().size() < 2 ||
            node->input(1)->node()->kind() != c10::prim::Constant ||
            node->input(1)->type()->str().find("PackedParams") == std::string::npos)
            continue;
        const auto value = torch::jit::toIValue(node->input(1));
        const auto packed = value ? unpackPacked(*value, "") : std::nullopt;
        if (!packed) continue;
        const int id = forward.nodeIds.at(node);
        QuantizedLayer layer;
        const std::string scope = inspection.method(forward).graph.nodes[id].scope;
        layer.module = scope.empty() ? kind + " (node " + std::to_string(id) + ")" : scope;
        layer.kind = kind.substr(kind.find("::") + 2);
        describeWeight(layer, packed->weight);
        layer.outputScale = -1;
        if (node->inputs().size() >= 4) {
            if (const auto scale = torch::jit::constant_as<double>(node->input(2))) layer.outputScale = *scale;
            if (const auto zero = torch::jit::constant_as<int64_t>(node->input(3))) layer.outputZeroPoint = *zero;
        }
        frozenLayerNodes[inspection.report.quantizedLayers.size()] = id;
        inspection.report.quantizedLayers.push_back(layer);
    }
    return frozenLayerNodes;
}

// Each layer's quantized op nodes, and the integers its output reached on the sample inputs.
struct LayerNodes {
    std::vector<int> all, perChannel;
};

LayerNodes matchLayerNodes(Inspection& inspection, const MethodGraph& forward,
                           const std::unordered_map<size_t, int>& frozenLayerNodes) {
    LayerNodes nodes;
    const Graph& graph = inspection.method(forward).graph;
    for (size_t index = 0; index < inspection.report.quantizedLayers.size(); ++index) {
        QuantizedLayer& layer = inspection.report.quantizedLayers[index];
        const auto frozen = frozenLayerNodes.find(index);
        for (const ptl::Node& node : graph.nodes) {
            const bool mine = frozen != frozenLayerNodes.end() ? node.id == frozen->second : node.scope == layer.module;
            if (!mine || node.kind.rfind("quantized::", 0) != 0) continue;
            nodes.all.push_back(node.id);
            if (perChannel(layer.weightQScheme)) nodes.perChannel.push_back(node.id);
            for (const int output : node.outputs) {
                const auto seen = inspection.quantizedActivationP99.find(output);
                if (seen != inspection.quantizedActivationP99.end())
                    layer.activationP99 = std::max(layer.activationP99, seen->second);
            }
        }
    }
    return nodes;
}

const char* const kQnnpackAdvice =
    "PyTorch Mobile runs quantized models with qnnpack on ARM, which is fastest with per-tensor "
    "weights and full-range (0..255) activations. Quantize with "
    "torch.ao.quantization.get_default_qconfig('qnnpack') under torch.backends.quantized.engine = "
    "'qnnpack', and select qnnpack in the app as well.";

void findPerChannelWeights(Inspection& inspection, const std::vector<int>& perChannelNodes) {
    const Report& report = inspection.report;
    std::vector<std::string> layers;
    for (const QuantizedLayer& layer : report.quantizedLayers)
        if (perChannel(layer.weightQScheme)) layers.push_back(layer.module);
    if (layers.empty()) return;
    std::string listed;
    for (size_t i = 0; i < layers.size() && i < 6; ++i) listed += (i ? ", " : "") + (layers[i].empty() ? "<root>" : layers[i]);
    if (layers.size() > 6) listed += ", ...";
    Finding& finding = inspection.addFinding(
        Severity::Warning, "quant.x86-settings",
        std::to_string(layers.size()) + " of " + std::to_string(report.quantizedLayers.size()) +
            " quantized layers use per-channel weights, an x86 (fbgemm/onednn) setting: " + listed,
        kQnnpackAdvice);
    finding.method = "forward";
    finding.nodes = perChannelNodes;
}

// Reduced range: the activations of every static layer stay within 0..127.
void findReducedRange(Inspection& inspection, const std::vector<int>& layerNodes) {
    int64_t measured = 0, reduced = 0;
    for (const QuantizedLayer& layer : inspection.report.quantizedLayers) {
        if (layer.activationP99 <= 0) continue;  // no signal in an all-zero output
        ++measured;
        if (layer.activationP99 <= 127) ++reduced;
    }
    if (measured == 0 || reduced != measured) return;
    Finding& finding = inspection.addFinding(
        Severity::Warning, "quant.x86-settings",
        "quantized activations stay within 0..127 (99th percentile) on the sample inputs in all " + std::to_string(measured) +
            " layers: the model was likely calibrated with reduce_range=True, an x86 setting that "
            "wastes half of the 8-bit range on qnnpack",
        kQnnpackAdvice);
    finding.method = "forward";
    finding.nodes = layerNodes;
}

}  // namespace

void analyzeQuantization(Inspection& inspection) {
    if (!inspection.module()) return;
    const MethodGraph* forward = inspection.forward();
    if (forward) findScrambledClamps(inspection, *forward);
    listModuleLayers(inspection);
    std::unordered_map<size_t, int> frozenLayerNodes;
    if (inspection.report.quantizedLayers.empty() && forward) frozenLayerNodes = listFrozenLayers(inspection, *forward);
    if (inspection.report.quantizedLayers.empty()) return;
    const LayerNodes nodes = forward ? matchLayerNodes(inspection, *forward, frozenLayerNodes) : LayerNodes{};
    findPerChannelWeights(inspection, nodes.perChannel);
    findReducedRange(inspection, nodes.all);
}

}  // namespace ptl::detail
