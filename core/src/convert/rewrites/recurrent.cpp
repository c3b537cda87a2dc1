// quantizeRecurrent: dynamic int8 LSTM and GRU; see rewrites.h.
#include "convert/rewrites/rewrites.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <algorithm>

namespace ptl::detail {

int quantizeRecurrent(torch::jit::Module& module) {
    auto graph = module.get_method("forward").graph();
    auto& dispatcher = c10::Dispatcher::singleton();
    const auto& prepack = dispatcher.findSchemaOrThrow("quantized::linear_prepack", "");
    const auto& makeCell = dispatcher.findSchemaOrThrow("quantized::make_quantized_cell_params_dynamic", "");
    auto call = [](const c10::OperatorHandle& op, torch::jit::Stack stack) {
        op.callBoxed(&stack);
        return stack.front();
    };
    auto packed = [&](const at::Tensor& weight, const at::Tensor& bias) {
        const double scale = std::max(weight.abs().max().item<double>() / 127.5, 1.1920929e-07);
        return call(prepack, {at::quantize_per_tensor(weight.contiguous(), scale, 0, at::kQInt8), bias});
    };
    std::vector<torch::jit::Node*> layers;
    for (torch::jit::Node* node : graph->nodes())
        if ((node->kind() == c10::aten::lstm || node->kind() == c10::aten::gru) && node->inputs().size() == 9 &&
            node->input(2)->type()->isSubtypeOf(*c10::ListType::ofTensors()))
            layers.push_back(node);
    int count = 0;
    for (torch::jit::Node* node : layers) {
        const auto params = torch::jit::toIValue(node->input(2));
        const auto hasBiases = torch::jit::toIValue(node->input(3));
        const auto numLayers = torch::jit::toIValue(node->input(4));
        const auto bidirectional = torch::jit::toIValue(node->input(7));
        if (!params || !hasBiases || !numLayers || !bidirectional) continue;  // weights not frozen
        const std::vector<at::Tensor> weights = params->toTensorVector();
        const size_t perCell = hasBiases->toBool() ? 4 : 2;
        // LSTMs with projections (proj_size) carry a fifth weight per cell: left in float.
        if (weights.size() != perCell * size_t(numLayers->toInt()) * (bidirectional->toBool() ? 2 : 1)) continue;
        torch::jit::WithInsertPoint guard(node);
        std::vector<torch::jit::Value*> cells;
        for (size_t i = 0; i < weights.size(); i += perCell) {
            const at::Tensor& inputWeight = weights[i];
            const at::Tensor& hiddenWeight = weights[i + 1];
            const at::Tensor inputBias = perCell == 4 ? weights[i + 2] : at::zeros({inputWeight.size(0)});
            const at::Tensor hiddenBias = perCell == 4 ? weights[i + 3] : at::zeros({hiddenWeight.size(0)});
            const c10::IValue cell = call(makeCell, {packed(inputWeight, inputBias), packed(hiddenWeight, hiddenBias),
                                                     inputBias, hiddenBias, false});
            cells.push_back(graph->insertConstant(cell));
        }
        torch::jit::Value* cellList = graph->insertNode(graph->createList(cells.front()->type(), cells))->output();
        std::vector<torch::jit::Value*> inputs(node->inputs().begin(), node->inputs().end());
        inputs[2] = cellList;
        const bool lstm = node->kind() == c10::aten::lstm;
        if (lstm) {  // keyword arguments dtype and use_dynamic
            inputs.push_back(graph->insertConstant(static_cast<int64_t>(at::kQInt8)));
            inputs.push_back(graph->insertConstant(true));
        }
        torch::jit::Node* quantized = graph->insertNode(graph->create(
            lstm ? c10::Symbol::fromQualString("aten::quantized_lstm") : c10::Symbol::fromQualString("aten::quantized_gru"),
            inputs, node->outputs().size()));
        for (size_t i = 0; i < node->outputs().size(); ++i) {
            quantized->output(i)->setType(node->output(i)->type());
            node->output(i)->replaceAllUsesWith(quantized->output(i));
        }
        node->destroy();
        ++count;
    }
    torch::jit::EliminateDeadCode(graph);  // the float weights go with their last use
    return count;
}

}  // namespace ptl::detail
