// maxDifference, cosineSimilarity and largestMagnitude; see compare.h.
#include "session/compare.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ptl::detail {

std::optional<double> maxDifference(const c10::IValue& a, const c10::IValue& b) {
    if (a.isTensor() && b.isTensor()) {
        at::Tensor x = a.toTensor(), y = b.toTensor();
        if (x.is_quantized()) x = x.dequantize();
        if (y.is_quantized()) y = y.dequantize();
        if (x.sizes() != y.sizes()) return std::nullopt;
        if (x.numel() == 0) return 0.0;
        // NaN where the other has NaN counts as equal; a NaN on one side only as a large difference.
        const at::Tensor a64 = x.to(at::kDouble), b64 = y.to(at::kDouble);
        if (!a64.isnan().equal(b64.isnan())) return std::numeric_limits<double>::max();
        return at::nan_to_num(a64 - b64, 0.0, 0.0, 0.0).abs().max().item<double>();
    }
    if ((a.isTuple() && b.isTuple()) || (a.isList() && b.isList())) {
        const auto xs = a.isTuple() ? a.toTupleRef().elements().vec() : a.toListRef().vec();
        const auto ys = b.isTuple() ? b.toTupleRef().elements().vec() : b.toListRef().vec();
        if (xs.size() != ys.size()) return std::nullopt;
        double worst = 0;
        for (size_t i = 0; i < xs.size(); ++i) {
            const auto difference = maxDifference(xs[i], ys[i]);
            if (!difference) return std::nullopt;
            worst = std::max(worst, *difference);
        }
        return worst;
    }
    if (a.isGenericDict() && b.isGenericDict()) {
        const auto x = a.toGenericDict(), y = b.toGenericDict();
        if (x.size() != y.size()) return std::nullopt;
        double worst = 0;
        for (const auto& entry : x) {
            if (!y.contains(entry.key())) return std::nullopt;
            const auto difference = maxDifference(entry.value(), y.at(entry.key()));
            if (!difference) return std::nullopt;
            worst = std::max(worst, *difference);
        }
        return worst;
    }
    if (a.isNone() && b.isNone()) return 0.0;
    if ((a.isInt() || a.isDouble()) && (b.isInt() || b.isDouble())) return std::abs(a.toScalar().toDouble() - b.toScalar().toDouble());
    return a == b ? std::optional<double>(0.0) : std::nullopt;
}

namespace {

void flattenTensors(const c10::IValue& value, std::vector<at::Tensor>& out) {
    if (value.isTensor()) {
        at::Tensor tensor = value.toTensor();
        out.push_back((tensor.is_quantized() ? tensor.dequantize() : tensor).to(at::kDouble).flatten());
    } else if (value.isTuple()) {
        for (const auto& element : value.toTupleRef().elements()) flattenTensors(element, out);
    } else if (value.isList()) {
        for (const auto& element : value.toListRef()) flattenTensors(element, out);
    }
}

}  // namespace

double cosineSimilarity(const c10::IValue& a, const c10::IValue& b) {
    std::vector<at::Tensor> xs, ys;
    flattenTensors(a, xs);
    flattenTensors(b, ys);
    if (xs.empty() || xs.size() != ys.size()) return -1;
    const at::Tensor x = at::cat(xs), y = at::cat(ys);
    if (x.sizes() != y.sizes()) return -1;
    const double norms = x.norm().item<double>() * y.norm().item<double>();
    return norms > 0 ? (x * y).sum().item<double>() / norms : 1.0;
}

double largestMagnitude(const c10::IValue& value) {
    if (value.isTensor()) {
        at::Tensor tensor = value.toTensor();
        if (tensor.is_quantized()) tensor = tensor.dequantize();
        return tensor.numel() ? at::nan_to_num(tensor.to(at::kDouble), 0.0, 0.0, 0.0).abs().max().item<double>() : 0.0;
    }
    double largest = 0;
    if (value.isTuple())
        for (const auto& element : value.toTupleRef().elements()) largest = std::max(largest, largestMagnitude(element));
    if (value.isList())
        for (const auto& element : value.toListRef()) largest = std::max(largest, largestMagnitude(element));
    return largest;
}

}  // namespace ptl::detail
