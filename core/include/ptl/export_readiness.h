// torch.export readiness: what stands between this model's Python source and torch.export /
// ExecuTorch, read from an inspection report (its findings and forward's graph). Each item names
// the construct, the finding it comes from, the node and the Python line, and what to write
// instead. Plain structs, no LibTorch, no Qt: the CLI, the window and the review report show the
// same list.
#pragma once

#include "ptl/report.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ptl {

// How an item stands in the way of torch.export.
enum class ExportImpact {
    Blocks,   // export fails, or the exported program is wrong, until the code changes
    Declare,  // exports, but fixed to the sample's sizes or values unless declared dynamic
    Check,    // exports in the usual case; confirm on the Python source
};
const char* exportImpactName(ExportImpact impact);  // "blocks", "declare", "check"

struct ExportItem {
    std::string kind;            // "data-dependent-branch", "shape-dependent-loop", "script-class", ... (stable)
    ExportImpact impact = ExportImpact::Check;
    std::string title;           // short, for people: "Data-dependent branch"
    std::string detail;          // this construct: what it is and what it depends on
    std::string action;          // what to write for torch.export
    std::string findingId;       // the finding it comes from; "" for constructs read from the graph alone
    std::string findingCategory;
    std::string method;          // method whose graph `nodes` refer to
    std::vector<int> nodes;      // node ids
    SourceLocation source;       // the Python line
};

// An input dimension forward's control flow reads: declare it with torch.export.Dim to keep it dynamic.
struct DynamicDim {
    std::string argument;        // forward's argument, "x"
    int dim = 0;
    int64_t sampleSize = -1;     // its size on the sample input; -1 unknown
    std::string name;            // suggested Dim name: "batch", "x_dim1"
};

struct ExportReadiness {
    bool ready = false;                   // no Blocks items
    std::string summary;                  // one sentence
    std::vector<ExportItem> items;        // Blocks first, then Declare, then Check; in graph order within each
    std::vector<DynamicDim> dynamicDims;  // from the shape-dependent items, in argument order
    std::string exportCode;               // Python: the torch.export.export call with its dynamic_shapes
    std::vector<std::string> checked;     // what was looked at, one line each with counts
};

ExportReadiness exportReadiness(const Report& report);

// An item's detail or action as HTML: escaped, with the `constructs` it quotes set as <code>.
std::string exportTextHtml(const std::string& text);

}  // namespace ptl
