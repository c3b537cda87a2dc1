#include "verdict.h"

#include "models/report_models.h"
#include "ptl/finding_categories.h"
#include "ptl/round_trip.h"

#include <QStringList>

#include <algorithm>

namespace ptl::ui {

namespace {

QString escaped(const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); }

QString item(const QString& title, const QString& text) {
    return QStringLiteral("<li><b>%1</b>: %2</li>").arg(title, text);
}

QString liteLine(const Report& report) {
    if (report.format == "lite")
        return report.bytecodeVersion >= 0 ? QObject::tr("loads in the Lite Interpreter (bytecode v%1)").arg(report.bytecodeVersion)
                                           : QObject::tr("loads in the Lite Interpreter");
    const std::string trip = describeRoundTrip(report.roundTrip);
    return trip.empty() ? QObject::tr("round trip not run") : QObject::tr("exports to Lite; %1").arg(escaped(trip));
}

QString inputsLine(const Report& report) {
    QStringList inputs;
    for (const InputInfo& input : report.inputs)
        inputs << QStringLiteral("%1: %2 %3 (%4)")
                      .arg(escaped(input.argument), formatShape(input.shape), escaped(input.dtype), escaped(input.source));
    return inputs.join(QStringLiteral("; "));
}

}  // namespace

QString cleanVerdictHtml(const Report& report) {
    QString html = QObject::tr("<p><b style='color:#15803d'>&#10004; No findings.</b> Checked and passed:</p><ul>");
    html += item(QObject::tr("Lite Interpreter"), liteLine(report));
    if (!report.inputs.empty()) html += item(QObject::tr("Sample inputs"), inputsLine(report));
    // Control flow and tracing are read from the TorchScript graph: without one they were not checked.
    const bool graph = std::any_of(report.methods.begin(), report.methods.end(),
                                   [](const Method& method) { return !method.graph.nodes.empty(); });
    if (!graph) html += item(QObject::tr("Graph"), QObject::tr("none in this file, so control flow and tracing were not checked"));
    // Every family the analyses report on, with the hazards they looked for: the registry's titles.
    for (const std::string_view family : findingFamilies()) {
        if (!graph && (family == "control-flow" || family == "trace")) continue;
        QStringList hazards;
        for (const FindingCategory& category : findingCategories())
            if (category.family == family && category.defaultSeverity != Severity::Info)
                hazards << QStringLiteral("<i>%1</i>").arg(QString::fromUtf8(category.title.data(), int(category.title.size())));
        if (!hazards.isEmpty())
            html += item(QString::fromUtf8(family.data(), int(family.size())),
                         QObject::tr("none of %1").arg(hazards.join(QStringLiteral(", "))));
    }
    return html + QStringLiteral("</ul>");
}

QString notAnalysedHtml(const QString& name, const QString& reason) {
    return QObject::tr("<p><b style='color:#b45309'>Not analysed.</b> %1: %2, so no findings were looked for. "
                       "Open it again to analyse it.</p>")
        .arg(name.toHtmlEscaped(), reason.toHtmlEscaped());
}

QString nothingOpenHtml(const QString& why) {
    return QObject::tr("<p><b>Nothing open.</b> %1</p><p>Open a model with File &gt; Open or by dropping it on the "
                       "window, or look around with File &gt; Open Demo Model.</p>")
        .arg(why.toHtmlEscaped());
}

}  // namespace ptl::ui
