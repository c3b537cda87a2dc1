// The registry of finding categories: every category a report can carry, declared once with its
// default severity, title, help line and how the GUI highlights it. The analyses, the CLI summary,
// the GUI's legend, colours and filters, and the docs' findings tables (checked by a test) all read
// it, so a new category is one entry in finding_categories.cpp. No Qt, no LibTorch.
#pragma once

#include "ptl/report.h"

#include <string_view>
#include <vector>

namespace ptl {

// What the graph view can highlight; each group before None has a legend entry and a toggle.
// None is last so that the groups before it index arrays of kHighlightGroupCount.
enum class HighlightGroup { ShapeDependent, ValueDependent, Traced, Lite, Quantized, None };
constexpr int kHighlightGroupCount = int(HighlightGroup::None);

struct HighlightGroupInfo {
    HighlightGroup group;
    std::string_view title;       // legend text, e.g. "Shape-dependent control flow"
    std::string_view colourRole;  // a name the GUI's palette maps to a colour, e.g. "hazard-shape"
};

struct FindingCategory {
    std::string_view id;          // "control-flow.shape-dependent"
    Severity defaultSeverity;     // what the docs state; analyses may lower it (library code)
    std::string_view title;       // short, for people: "Shape-dependent control flow"
    HighlightGroup highlight;     // None: listed, never highlighted in the graph
    std::string_view family;      // the id before its first '.': "control-flow"
    std::string_view help;        // one line, plain text; the docs' tables show it with code marked up
};

// Every category in a stable order: families together, in the order findingFamilies() gives.
const std::vector<FindingCategory>& findingCategories();
// nullptr for an id the registry does not know (e.g. a report from another version).
const FindingCategory* findFindingCategory(std::string_view id);
// The families ("control-flow", "trace", "lite", "quant", "input") in registry order.
std::vector<std::string_view> findingFamilies();
// The family of any category id, known or not: the part before its first '.'.
std::string_view findingFamilyOf(std::string_view id);
std::vector<const FindingCategory*> categoriesOfHighlight(HighlightGroup group);

// The highlight groups in legend order (the enum's order), without None.
const std::vector<HighlightGroupInfo>& highlightGroups();
// Title and colour role of a group; both empty for None.
const HighlightGroupInfo& highlightGroupInfo(HighlightGroup group);
// A category's colour is its group's: the legend colours groups, so the role is declared there.
inline std::string_view colourRole(const FindingCategory& category) {
    return highlightGroupInfo(category.highlight).colourRole;
}

}  // namespace ptl
