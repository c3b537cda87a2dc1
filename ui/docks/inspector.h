// The Inspector's content: everything the report knows about one node, module group or finding,
// as HTML for a QTextBrowser, with the original Python source around the node's line.
#pragma once

#include "ptl/report.h"

#include <QPalette>
#include <QString>

namespace ptl::ui {

QString nodeHtml(const Report& report, const Method& method, int node);
QString moduleHtml(const Report& report, const std::string& path);
QString findingHtml(const Report& report, const Finding& finding);
// The source lines around `source.line`, the line itself highlighted and named by this anchor;
// empty when the debug info holds no text for it.
inline constexpr char kSourceLineAnchor[] = "source-line";
QString sourceHtml(const Report& report, const SourceLocation& source, int context = 6);
// The classes that HTML uses (muted, listing, current, traced), in colours for `palette`: the
// Inspector's default style sheet.
QString inspectorStyleSheet(const QPalette& palette);

}  // namespace ptl::ui
