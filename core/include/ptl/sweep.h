// Shape sweep: forward run at other input shapes than the sample's (batch sizes, image sizes,
// sequence lengths, or shapes given), with what each run did: ran or failed, the branches its
// ifs took and its loops' trip counts, the output shapes. Plain structs, no LibTorch and no Qt;
// report.h carries a ShapeSweep, compare.h one per model and shape.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptl {

// What one prim::If or prim::Loop of forward's inlined graph did during one run.
struct SweepDecision {
    int node = -1;                   // forward node id (Report::methods[0].graph)
    std::string kind;                // "prim::If" or "prim::Loop"
    // If: the branch of each time it ran, 0 = then, 1 = else. Loop: the trip count of each time
    // it ran. Nested ones run once per run of their enclosing block.
    std::vector<int64_t> taken;
};

// One input shape of the sweep and what forward did on it.
struct SweepPoint {
    std::string label;               // "batch 2", "image 112x112", "sequence 64", "given 1"
    std::vector<std::string> inputs; // one spec per forward argument, "2x3x28x28:float32"; "-" for non-tensors
    bool sample = false;             // the sample input's own shape (the reference for divergence)
    bool ran = false;
    std::string error;               // one line, when it failed
    int errorNode = -1;              // forward node whose op raised the error, -1 when unknown
    std::vector<SweepDecision> decisions;               // every If and Loop that ran, by node id
    std::vector<std::vector<int64_t>> outputShapes;     // forward's output tensors, flattened in order
    bool diverged = false;           // ran, with other decisions than the sample input's
    std::vector<int> divergedNodes;  // the If/Loop nodes whose decisions differ from the sample's
};

struct ShapeSweep {
    bool requested = false;          // false: no sweep asked for (the default; inspect stays fast)
    std::string spec;                // as given ("" when derived from the sample inputs)
    std::vector<SweepPoint> points;  // the sample's own shape first
    std::string problem;             // why nothing was swept (no sample inputs, ...), "" otherwise
};

// Sweep specification, as users type it (--sweep SPEC):
//   ""                          derived from the sample inputs: batch 1,2,4; image inputs (NCHW, 1 or 3
//                               channels) at 0.5x, 1x, 1.5x their height and width; token ids (int64,
//                               2-D) at sequence 16, 64, 128
//   batch=1,2,4                 dimension 0 of every tensor input with 2 or more dimensions
//   scale=0.5,1,1.5             height and width of the image inputs, relative to the sample's
//   hw=112x112,224x224          height and width of the image inputs
//   seq=16,64,128               dimension 1 of the token-id inputs
//   1x3x28x28:float+1x8:int64   one point given in full: one input spec per forward argument, '+' between them
// Several axes or points are separated by ';' ("batch=1,2;seq=32"); each axis varies alone from
// the sample input (no cross product).
struct SweepAxis {
    std::string name;                       // "batch", "scale", "hw", "seq" or "given"
    std::vector<double> values;             // batch, scale, seq
    std::vector<std::vector<int64_t>> sizes;// hw: {h, w}
    std::vector<std::string> given;         // given: one input spec per forward argument
};

// Throws std::invalid_argument with a message showing the expected form.
std::vector<SweepAxis> parseSweepSpec(const std::string& text);

// Sweep points that ran on different decisions than the sample, and those that failed.
int sweepFailures(const ShapeSweep& sweep);
int sweepDivergences(const ShapeSweep& sweep);

}  // namespace ptl
