// Comparing two models or two variants of one (traced against scripted, float against int8,
// before against after optimize): op counts, graph differences by module path, and outputs side by
// side over a shape sweep. Plain structs, no LibTorch and no Qt; report_json.h serializes them.
#pragma once

#include "ptl/job.h"
#include "ptl/report.h"
#include "ptl/sweep.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ptl {

// One op kind's count in forward's graph of each model (nested blocks included).
struct OpCountDiff {
    std::string op;                  // "aten::conv2d"
    int64_t a = 0, b = 0;
    int64_t delta() const { return b - a; }
};

// A module path present in one model only, or in both with different ops or parameter shapes.
struct ModuleDiff {
    std::string path;                // "" for the root, "features.0"
    std::string change;              // "added" (only in B), "removed" (only in A) or "changed"
    std::string typeA, typeB;        // TorchScript class names, "" where absent
    std::vector<OpCountDiff> ops;    // the op kinds whose counts in this module's own code differ
    // Parameter (and buffer, packed weight) shapes that differ: "weight: 16x3x3x3 float32 -> 16x3x3x3 qint8".
    std::vector<std::string> tensors;
};

// What the structural comparison needs of each model, kept in the result for the summary.
struct ComparedModel {
    std::string file;
    std::string format;              // "torchscript" or "lite"
    std::string origin;              // forward's: "scripted" or "traced"
    int64_t fileBytes = 0;
    int64_t parameters = 0;
    int64_t nodes = 0;               // forward's graph nodes, nested ones included
    std::vector<InputInfo> inputs;   // its sample inputs
    std::string inputProblem;        // why it has none, "" otherwise
};

// One shape of the sweep, fed to both models (the same tensors).
struct ComparedPoint {
    std::string label;               // as SweepPoint::label
    std::vector<std::string> inputs; // one spec per forward argument
    SweepPoint a, b;                 // each model's run (its node ids refer to that model's graph)
    bool compared = false;           // both ran and their outputs have the same structure and shapes
    double maxAbsDiff = 0;           // when compared
    double cosine = 0;               // cosine similarity of all output tensors, when compared
};

struct Comparison {
    std::string tool;
    ComparedModel a, b;
    std::vector<OpCountDiff> ops;          // every op kind either uses, by op name
    std::vector<ModuleDiff> modules;       // the paths that differ, in A's module order then B's
    std::string sweepSpec;                 // as given, "" when derived
    std::vector<ComparedPoint> points;     // the sample shape first
    std::string outputProblem;             // why outputs were not compared (no inputs, ...), "" otherwise
};

struct CompareOptions {
    std::vector<std::string> inputSpecs;   // one per forward argument; default: model A's sample inputs
    std::string sweep;                     // a sweep spec (ptl/sweep.h); "" derives one from the inputs
};

// The structural part from two reports alone: op counts and module differences. No LibTorch.
void diffStructure(const Report& a, const Report& b, Comparison& out);

// Inspects both models, diffs them and runs both over the sweep in this process. Throws
// ModelError when a file cannot be read as a model, std::invalid_argument for a bad spec,
// Cancelled when cancelled.
Comparison compareModels(const std::string& pathA, const std::string& pathB, const CompareOptions& options = {},
                         const JobControl& job = {});

// The number of points at which outputs differ by more than tolerance, or one model ran and the other failed.
int differingPoints(const Comparison& comparison, double tolerance);

}  // namespace ptl
