#include "inspector.h"

#include "models/report_models.h"

#include <QColor>
#include <QFileInfo>
#include <QLocale>
#include <QRegularExpression>
#include <QStringList>

namespace ptl::ui {

namespace {

QString escaped(const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); }

QString row(const QString& name, const QString& value) {
    return QStringLiteral("<tr><td class='muted' style='padding-right:10px'>%1</td><td>%2</td></tr>").arg(name, value);
}

QString valueText(const Graph& graph, int id) {
    const Value& value = graph.values[id];
    QString text = QStringLiteral("<code>%%1</code> : %2").arg(escaped(value.name), escaped(value.type));
    if (value.shapeKnown) text += QStringLiteral(" &nbsp;<b>%1</b> %2").arg(formatShape(value.shape), escaped(value.dtype));
    if (value.producer >= 0) {
        const Node& producer = graph.nodes[value.producer];
        if (producer.kind == "prim::Constant" && !producer.attributes.empty())
            text += QStringLiteral(" = <code>%1</code>").arg(escaped(producer.attributes.front().second));
        else if (producer.kind == "prim::GetAttr" && !producer.attributes.empty())
            text += QStringLiteral(" = self.%1%2")
                        .arg(escaped(producer.scope.empty() ? "" : producer.scope + "."), escaped(producer.attributes.front().second));
    }
    return text;
}

// Cost rows: MACs (with their share of the model's), weights read, activations written.
QString costRows(const Report& report, const OpCost& cost) {
    QString macs = formatMacs(cost.macs);
    if (report.compute.total.macs > 0 && cost.macs > 0)
        macs += QStringLiteral(" (%1% of the model)").arg(100.0 * double(cost.macs) / double(report.compute.total.macs), 0, 'f', 1);
    return row(QStringLiteral("MACs"), macs) + row(QStringLiteral("Weights read"), formatBytes(cost.weightBytes)) +
           row(QStringLiteral("Activations"), formatBytes(cost.activationBytes));
}

QString location(const SourceLocation& source) {
    if (!source.known()) return QStringLiteral("<i>not recorded</i>");
    return QStringLiteral("%1:%2").arg(escaped(source.file)).arg(source.line);
}

}  // namespace

QString inspectorStyleSheet(const QPalette& palette) {
    const QColor text = palette.color(QPalette::Text), base = palette.color(QPalette::Base);
    const bool dark = base.lightness() < 128;
    auto mix = [&](double share) {  // `share` of the text colour over the base colour
        return QColor::fromRgbF(float(text.redF() * share + base.redF() * (1 - share)),
                                float(text.greenF() * share + base.greenF() * (1 - share)),
                                float(text.blueF() * share + base.blueF() * (1 - share)))
            .name();
    };
    // The current source line keeps dark text on its amber in either palette.
    return QStringLiteral(".muted { color: %1; } .listing { background-color: %2; } .current { background-color: #fde68a; "
                          "color: #1e1b4b; } .traced { color: %3; }")
        .arg(mix(0.65), mix(0.05), dark ? QStringLiteral("#c4b5fd") : QStringLiteral("#6d28d9"));
}

QString sourceHtml(const Report& report, const SourceLocation& source, int context) {
    if (!source.known()) return {};
    if (source.traced)
        return QStringLiteral("<p class='traced'>Recorded by torch.jit.trace; the tracer kept the call stack:</p><pre>%1</pre>")
            .arg(escaped(source.text));
    for (const SourceSnippet& snippet : report.sources) {
        if (snippet.file != source.file) continue;
        const QStringList lines = QString::fromStdString(snippet.text).split(QLatin1Char('\n'));
        const int index = source.line - snippet.firstLine;
        if (index < 0 || index >= lines.size()) continue;
        QString html = QStringLiteral("<pre class='listing'>");
        for (int i = std::max(0, index - context); i <= std::min(int(lines.size()) - 1, index + context); ++i) {
            const QString number = QStringLiteral("%1").arg(snippet.firstLine + i, 5);
            const QString text = lines[i].toHtmlEscaped();
            if (i == index)
                html += QStringLiteral("<span class='current'><a name='%3'><b>%1  %2</b></a></span>\n")
                            .arg(number, text, QLatin1String(kSourceLineAnchor));
            else
                html += QStringLiteral("<span class='muted'>%1</span>  %2\n").arg(number, text);
        }
        return html + QStringLiteral("</pre>");
    }
    return QStringLiteral("<pre>%1</pre>").arg(escaped(source.text));
}

QString nodeHtml(const Report& report, const Method& method, int id) {
    const Graph& graph = method.graph;
    if (id < 0 || id >= int(graph.nodes.size())) return {};
    const Node& node = graph.nodes[id];
    QString html = QStringLiteral("<h3>%1</h3><table>").arg(escaped(node.kind));
    html += row(QStringLiteral("Module"), node.scope.empty() ? QStringLiteral("<i>top module</i>") : escaped(node.scope));
    html += row(QStringLiteral("Method"), escaped(method.name) + QStringLiteral(" (%1)").arg(escaped(method.origin)));
    html += row(QStringLiteral("Source"), location(node.source));
    if (report.compute.measured && &method == &report.methods.front() &&
        (node.cost.macs > 0 || node.cost.weightBytes > 0 || node.cost.activationBytes > 0))
        html += costRows(report, node.cost);
    if (!node.schema.empty()) html += row(QStringLiteral("Schema"), QStringLiteral("<code>%1</code>").arg(escaped(node.schema)));
    for (const auto& [name, value] : node.attributes)
        html += row(escaped(name), QStringLiteral("<code>%1</code>").arg(escaped(value)));
    html += QStringLiteral("</table><h4>Inputs</h4><ol>");
    for (const int input : node.inputs) html += QStringLiteral("<li>%1</li>").arg(valueText(graph, input));
    html += QStringLiteral("</ol><h4>Outputs</h4><ol>");
    for (const int output : node.outputs) html += QStringLiteral("<li>%1</li>").arg(valueText(graph, output));
    html += QStringLiteral("</ol>");
    for (const Finding& finding : report.findings) {
        if (finding.method != method.name || std::find(finding.nodes.begin(), finding.nodes.end(), id) == finding.nodes.end()) continue;
        html += QStringLiteral("<p><b style='color:%1'>%2</b> %3: %4</p>")
                    .arg(severityColor(finding.severity).name(), QString::fromLatin1(severityName(finding.severity)),
                         escaped(finding.category), escaped(finding.message));
    }
    const QString source = sourceHtml(report, node.source);
    if (!source.isEmpty()) html += QStringLiteral("<h4>Python source</h4>") + source;
    return html;
}

QString moduleHtml(const Report& report, const std::string& path) {
    for (const ModuleInfo& module : report.modules) {
        if (module.path != path) continue;
        QString html = QStringLiteral("<h3>%1</h3><table>").arg(path.empty() ? QStringLiteral("(model)") : escaped(path));
        // The class's own name as the Modules dock shows it; its qualified name below, without
        // the compiler's __torch__ prefix and ___torch_mangle_N parts.
        const QString type = QString::fromStdString(module.type);
        QString qualified = type;
        qualified.remove(QRegularExpression(QStringLiteral("^__torch__\\.|___torch_mangle_\\d+\\.")));
        html += row(QStringLiteral("Type"), type.section(QLatin1Char('.'), -1).toHtmlEscaped());
        if (qualified.contains(QLatin1Char('.')))
            html += row(QStringLiteral("Class"), QStringLiteral("<span class='muted'>%1</span>").arg(qualified.toHtmlEscaped()));
        html += row(QStringLiteral("Parameters"), QLocale().toString(qlonglong(module.totalParameters)));
        html += row(QStringLiteral("Weights"), formatBytes(module.totalBytes));
        html += row(QStringLiteral("Own weights"), formatBytes(module.bytes));
        if (report.compute.measured) {
            html += costRows(report, module.totalCost);
            html += row(QStringLiteral("Own code's MACs"), formatMacs(module.cost.macs));
            if (path.empty())
                html += row(QStringLiteral("Peak activations"),
                            formatBytes(report.compute.peakActivationBytes) + QStringLiteral(" at ") +
                                (report.compute.peakScope.empty() ? QStringLiteral("<i>top module</i>") : escaped(report.compute.peakScope)));
        }
        html += QStringLiteral("</table>");
        for (const QuantizedLayer& layer : report.quantizedLayers) {
            if (layer.module != path) continue;
            html += QStringLiteral("<h4>Quantized %1</h4><table>").arg(escaped(layer.kind));
            html += row(QStringLiteral("Weights"), escaped(layer.weightDtype + ", " + layer.weightQScheme));
            html += row(QStringLiteral("Scales"), QStringLiteral("%1 .. %2 (%3 channels)")
                                                      .arg(layer.weightScaleMin, 0, 'g', 4)
                                                      .arg(layer.weightScaleMax, 0, 'g', 4)
                                                      .arg(layer.channels));
            if (layer.outputScale >= 0)
                html += row(QStringLiteral("Output"), QStringLiteral("scale %1, zero point %2")
                                                          .arg(layer.outputScale, 0, 'g', 4)
                                                          .arg(layer.outputZeroPoint));
            if (layer.activationP99 >= 0)
                html += row(QStringLiteral("Activations p99"), QString::number(layer.activationP99));
            html += QStringLiteral("</table>");
        }
        return html;
    }
    return {};
}

QString findingHtml(const Report& report, const Finding& finding) {
    QString html = QStringLiteral("<h3 style='color:%1'>%2 &middot; %3</h3><p>%4</p><p><b>What to do:</b> %5</p>")
                       .arg(severityColor(finding.severity).name(), QString::fromLatin1(severityName(finding.severity)),
                            escaped(finding.category), escaped(finding.message), escaped(finding.advice));
    html += QStringLiteral("<p>Source: %1</p>").arg(location(finding.source));
    const QString source = sourceHtml(report, finding.source);
    if (!source.isEmpty()) html += source;
    return html;
}

}  // namespace ptl::ui
