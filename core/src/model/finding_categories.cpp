// The registry of finding categories (see ptl/finding_categories.h). A new category is one entry
// in findingCategories() below, plus a row in the findings tables of README.md and
// docs/report-schema.md, which tst_finding_categories holds to this list.
#include "ptl/finding_categories.h"

#include <algorithm>

namespace ptl {

namespace {

// The family is derived from the id so that the two cannot disagree.
FindingCategory category(std::string_view id, Severity severity, std::string_view title, HighlightGroup highlight,
                         std::string_view help) {
    return {id, severity, title, highlight, findingFamilyOf(id), help};
}

}  // namespace

const std::vector<FindingCategory>& findingCategories() {
    using G = HighlightGroup;
    static const std::vector<FindingCategory> categories{
        category("control-flow.shape-dependent", Severity::Warning, "Shape-dependent control flow", G::ShapeDependent,
                 "an if or loop trip count derives from input sizes (if x.shape[0] > 1:)"),
        category("control-flow.value-dependent", Severity::Warning, "Value-dependent control flow", G::ValueDependent,
                 "an if or loop trip count derives from tensor values (if bool(y.mean() > 0):)"),
        category("control-flow.static", Severity::Info, "Static control flow", G::None,
                 "an if or loop trip count derives only from module attributes and constants (self.training)"),
        category("control-flow.guard", Severity::Info, "Argument guard", G::None,
                 "a branch whose only effect is to raise (argument checks)"),
        category("trace.traced-method", Severity::Warning, "Traced method", G::Traced,
                 "a method or submodule was produced by torch.jit.trace"),
        category("trace.specialized-constant", Severity::Warning, "Size frozen by the tracer", G::Traced,
                 "a size argument the tracer froze from the example input"),
        category("lite.unsupported", Severity::Error, "Rejected by the Lite Interpreter", G::Lite,
                 "a construct the Lite Interpreter rejects"),
        category("lite.full-jit-only-op", Severity::Error, "Full-JIT-only operator", G::Lite,
                 "an operator registered only in full-JIT builds"),
        category("lite.roundtrip", Severity::Error, "Lite Interpreter round trip failed", G::Lite,
                 "export, reload or run in the Lite Interpreter failed, or outputs differ"),
        category("quant.x86-settings", Severity::Warning, "x86 quantization settings", G::Quantized,
                 "quantization settings tuned for x86, not qnnpack"),
        category("quant.qnnpack-clamp", Severity::Error, "Scrambling qnnpack clamp", G::Quantized,
                 "a quantized ReLU6/hardtanh/clamp right after a quantized convolution: LibTorch 1.13's qnnpack "
                 "clamp scrambles its channels-last input"),
        category("security.file-access", Severity::Error, "Opens files", G::None,
                 "the model's code reads or writes files by name (torch.save, torch.from_file)"),
        category("input.unknown", Severity::Warning, "Sample inputs unknown", G::None,
                 "sample inputs could not be made; pass --input"),
        category("input.forward-fails", Severity::Error, "Forward fails on its inputs", G::None,
                 "forward fails on the given or bundled sample inputs (an error, out of memory)"),
        category("shape.sweep-failure", Severity::Warning, "Fails at another input shape", G::None,
                 "forward fails at another input shape of the shape sweep (inspect --sweep)"),
        category("shape.sweep-divergence", Severity::Warning, "Takes another path at another shape", G::ShapeDependent,
                 "at another input shape of the shape sweep an if takes another branch or a loop another trip "
                 "count than at the sample input"),
    };
    return categories;
}

const FindingCategory* findFindingCategory(std::string_view id) {
    const std::vector<FindingCategory>& categories = findingCategories();
    const auto found = std::find_if(categories.begin(), categories.end(),
                                    [id](const FindingCategory& category) { return category.id == id; });
    return found == categories.end() ? nullptr : &*found;
}

std::vector<std::string_view> findingFamilies() {
    std::vector<std::string_view> families;
    for (const FindingCategory& category : findingCategories())
        if (std::find(families.begin(), families.end(), category.family) == families.end())
            families.push_back(category.family);
    return families;
}

std::string_view findingFamilyOf(std::string_view id) { return id.substr(0, id.find('.')); }

std::vector<const FindingCategory*> categoriesOfHighlight(HighlightGroup group) {
    std::vector<const FindingCategory*> members;
    for (const FindingCategory& category : findingCategories())
        if (category.highlight == group) members.push_back(&category);
    return members;
}

const std::vector<HighlightGroupInfo>& highlightGroups() {
    // In the enum's order: highlightGroupInfo() indexes this by the enum's value.
    static const std::vector<HighlightGroupInfo> groups{
        {HighlightGroup::ShapeDependent, "Shape-dependent control flow", "hazard-shape"},
        {HighlightGroup::ValueDependent, "Value-dependent control flow", "hazard-value"},
        {HighlightGroup::Traced, "Traced-in hazards", "hazard-traced"},
        {HighlightGroup::Lite, "Lite Interpreter problems", "hazard-lite"},
        {HighlightGroup::Quantized, "Quantized ops", "quantized"},
    };
    return groups;
}

const HighlightGroupInfo& highlightGroupInfo(HighlightGroup group) {
    static const HighlightGroupInfo none{HighlightGroup::None, {}, {}};
    const std::vector<HighlightGroupInfo>& groups = highlightGroups();
    const int index = int(group);
    return index >= 0 && index < int(groups.size()) ? groups[size_t(index)] : none;
}

}  // namespace ptl
