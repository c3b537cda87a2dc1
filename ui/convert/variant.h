// One conversion of the open model, as the window keeps it: the settings it was made with, the
// verified .ptl in the window's private folder, and what was measured of it (sizes, error
// against the float model, latency on this computer).
#pragma once

#include "ptl/bench.h"
#include "ptl/convert.h"

#include <QString>

#include <optional>

namespace ptl::ui {

struct Variant {
    enum class State { Running, Ready, Failed, Cancelled };

    int id = 0;                                 // unique within the open model
    QString name;                               // "static qnnpack", renamed by the user
    ptl::ConvertOptions options;                // as run; options.output is its private file
    State state = State::Running;
    QString error;                              // why it failed
    std::optional<ptl::ConvertResult> result;   // when Ready: sizes, verification, error figures
    std::optional<ptl::BenchResult> latency;    // once measured

    // Exportable: converted, reloaded in the Lite Interpreter and matched against the converted model.
    bool verified() const { return state == State::Ready && result && result->verification.compared; }
    QString filePath() const { return QString::fromStdString(options.output); }
};

}  // namespace ptl::ui
