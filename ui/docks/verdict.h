// What the Findings dock says when its table has nothing to list: for a clean model, what was
// checked and passed, so that "clean" reads as a verdict; for a model not analysed, why not.
#pragma once

#include "ptl/report.h"

#include <QString>

namespace ptl::ui {

// HTML for a report with no findings: the Lite round trip, the inputs used and, for every
// finding family of the registry, the hazards looked for and not found.
QString cleanVerdictHtml(const Report& report);
// HTML for a model whose analyses did not run to the end (`reason`: "loading was cancelled", ...).
QString notAnalysedHtml(const QString& name, const QString& reason);
// HTML for a window with no model on screen after a load failed or was cancelled (`why`, one line).
QString nothingOpenHtml(const QString& why);

}  // namespace ptl::ui
