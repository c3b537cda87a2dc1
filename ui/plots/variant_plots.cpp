// Four charts over the same variants. Each chart is drawn from scratch by its own function on
// every change (a few dozen marks; redrawing is cheaper than keeping marks in step), and each mark
// registers a tooltip function so hovering gives exact figures without cluttering the chart.
// Text and axes take their colours from the widget's palette; series colours are mid-luminance
// (after Okabe–Ito, colour-blind safe) so that they read on light and dark backgrounds alike.
#include "plots/variant_plots.h"

#include "plots/qcustomplot.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ptl::ui {

namespace {

const QColor kBlue(0x4C, 0x9B, 0xE8);
const QColor kOrange(0xE6, 0x9F, 0x00);
const QColor kGreen(0x2B, 0xAE, 0x8B);
const QColor kPurple(0xC0, 0x6F, 0xA8);
const QColor kVermillion(0xE0, 0x60, 0x10);
const QColor kGrey(0x8C, 0x8C, 0x8C);
const QColor kModuleColors[] = {kBlue, kOrange, kGreen, kPurple, QColor(0x9A, 0x8C, 0x2A)};
constexpr size_t kStackedModules = 5;
// Below about 20 dB SQNR a layer's quantization noise is a tenth of its signal's amplitude:
// enough to move a classifier's top-1 on hard inputs, so the chart marks it.
constexpr double kVisibleErrorDb = 20;
constexpr int kSqnrRowsShown = 30;  // more rows than this scroll rather than squeeze

using Tips = std::map<const QCPAbstractPlottable*, std::function<QString(int)>>;

QColor withAlpha(QColor color, int alpha) {
    color.setAlpha(alpha);
    return color;
}

struct ByteUnit {
    double divisor;
    QString name;
};
ByteUnit unitFor(int64_t largest) {
    return largest >= (int64_t(1) << 20) ? ByteUnit{1024.0 * 1024.0, QStringLiteral("MiB")}
                                         : ByteUnit{1024.0, QStringLiteral("KiB")};
}

QString humanBytes(int64_t bytes) {
    if (bytes < 1024) return QStringLiteral("%1 B").arg(bytes);
    const ByteUnit unit = unitFor(bytes);
    const double value = double(bytes) / unit.divisor;
    // Three significant digits or so: "3.55 MiB", "13.5 MiB", "293 KiB".
    return QStringLiteral("%1 %2").arg(QString::number(value, 'f', value < 10 ? 2 : value < 100 ? 1 : 0), unit.name);
}

QString exactBytes(int64_t bytes) {
    // Fixed grouping: tooltips are copied into reviews and bug reports, read the same everywhere.
    return QLocale(QLocale::English).toString(qlonglong(bytes)) + QStringLiteral(" bytes");
}

QString milliseconds(double value) { return QString::number(value, 'f', 2) + QStringLiteral(" ms"); }

QString ratioText(int64_t bytes, int64_t sourceBytes) {
    return sourceBytes > 0 ? QString::number(double(bytes) / double(sourceBytes), 'f', 2) + QStringLiteral("×")
                           : QString();
}

// Linear interpolation between closest ranks: the same definition core's bench uses for p50 and
// p90, so that p10 sits on the same scale.
double percentile(std::vector<double> samples, double fraction) {
    if (samples.empty()) return 0;
    std::sort(samples.begin(), samples.end());
    const double rank = fraction * double(samples.size() - 1);
    const size_t low = size_t(rank);
    const size_t high = std::min(low + 1, samples.size() - 1);
    return samples[low] + (samples[high] - samples[low]) * (rank - double(low));
}

double p10Of(const BenchResult& bench) {
    return bench.samplesMs.empty() ? bench.p50 : percentile(bench.samplesMs, 0.1);
}

// Each variant's column: p50 and its whisker on the left, the runs in a strip on the right, so
// that neither hides the other.
constexpr double kSummaryOffset = -0.12;
constexpr double kRunsFrom = 0.0, kRunsWidth = 0.3;

// Spreads a variant's runs across their strip without randomness (the golden-ratio sequence), so
// the chart is the same on every redraw and in every saved file.
double jitter(int run) { return kRunsFrom + std::fmod(0.5 + run * 0.6180339887498949, 1.0) * kRunsWidth; }

const VariantSize* findSize(const ConvertResult& result, const char* name) {
    for (const VariantSize& size : result.sizes)
        if (size.variant == name) return &size;
    return nullptr;
}

QString moduleLabel(const std::string& path) {
    return path.empty() ? QStringLiteral("(top module)") : QString::fromStdString(path);
}

QString describeWhere(const BenchEnvironment& environment) {
    QStringList parts;
    parts << (environment.cpu.empty() ? QStringLiteral("unknown CPU") : QString::fromStdString(environment.cpu));
    parts << (environment.engine.empty() ? QStringLiteral("unknown engine") : QString::fromStdString(environment.engine));
    if (!environment.quantizedEngine.empty()) parts << QString::fromStdString(environment.quantizedEngine);
    parts << (environment.threads == 1 ? QStringLiteral("1 thread") : QStringLiteral("%1 threads").arg(environment.threads));
    return parts.join(QStringLiteral(", "));
}

// A category axis: one tick per key, labelled; tilted when the labels would collide.
void setCategoryTicks(QCPAxis* axis, const QStringList& labels) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    int longest = 0;
    for (int i = 0; i < labels.size(); ++i) {
        // Elided in the middle: names made from settings differ at either end (tooltips have all).
        const QString label = labels[i].size() <= 28 ? labels[i] : labels[i].left(12) + QStringLiteral("…") + labels[i].right(15);
        ticker->addTick(i, label);
        longest = std::max(longest, int(label.size()));
    }
    axis->setTicker(ticker);
    axis->grid()->setVisible(false);
    if (axis->orientation() == Qt::Horizontal && (labels.size() > 5 || longest > 14)) axis->setTickLabelRotation(-25);
}

QCPItemText* addText(QCustomPlot* plot, const QString& text, const QColor& color, Qt::Alignment alignment) {
    auto* item = new QCPItemText(plot);
    item->setText(text);
    item->setColor(color);
    item->setPositionAlignment(alignment);
    item->setTextAlignment(Qt::AlignCenter);
    return item;
}

// ------------------------------------------------------------------------------ size chart data

struct SizeBar {
    QString name;
    int64_t bytes = 0;
    std::map<std::string, int64_t> modules;  // empty: not broken down
};

struct SizeLayer {
    QString name;
    QColor fill;
    bool outlined = false;       // translucent layers need an edge; solid ones get a gap instead
    std::vector<int64_t> bytes;  // per bar
};

// The source model first (every variant records the same source; the first that has it
// counts), then each converted variant's exported file. Variants without a result are named in
// *unconverted.
std::vector<SizeBar> sizeBars(const std::vector<Variant>& variants, QStringList* unconverted, bool* hasSource) {
    std::vector<SizeBar> bars;
    for (const Variant& variant : variants) {
        if (!variant.result) continue;
        if (const VariantSize* source = findSize(*variant.result, "source"))
            bars.push_back({QObject::tr("source model"), source->bytes, source->moduleBytes});
        else if (variant.result->inputBytes > 0)
            bars.push_back({QObject::tr("source model"), variant.result->inputBytes, {}});
        if (!bars.empty()) break;
    }
    *hasSource = !bars.empty();
    for (const Variant& variant : variants) {
        if (!variant.result) {
            unconverted->append(variant.name);
            continue;
        }
        const VariantSize* exported = findSize(*variant.result, "exported");
        if (exported)
            bars.push_back({variant.name, exported->bytes, exported->moduleBytes});
        else
            bars.push_back({variant.name, variant.result->outputBytes, {}});
    }
    return bars;
}

// The modules with the most weight bytes over all bars: stacking by the same modules in every
// bar is what makes bars comparable. "(other)" is weights matched to no layer, never a module.
std::vector<std::string> largestModules(const std::vector<SizeBar>& bars) {
    std::map<std::string, int64_t> total;
    for (const SizeBar& bar : bars)
        for (const auto& [module, bytes] : bar.modules)
            if (module != "(other)") total[module] += bytes;
    std::vector<std::pair<std::string, int64_t>> ranked(total.begin(), total.end());
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::string> modules;
    for (size_t i = 0; i < ranked.size() && i < kStackedModules; ++i) modules.push_back(ranked[i].first);
    return modules;
}

std::vector<SizeLayer> sizeLayers(const std::vector<SizeBar>& bars) {
    const std::vector<std::string> top = largestModules(bars);
    std::vector<SizeLayer> layers;
    for (size_t m = 0; m < top.size(); ++m) layers.push_back({moduleLabel(top[m]), kModuleColors[m], false, {}});
    const size_t other = layers.size(), overhead = other + 1, whole = other + 2;
    // Translucent, not hatched: pattern fills come out blank in some SVG viewers (Qt's own among them).
    layers.push_back({QObject::tr("other modules"), kGrey, false, {}});
    layers.push_back({QObject::tr("file overhead"), withAlpha(kGrey, 60), true, {}});
    layers.push_back({QObject::tr("not broken down by module"), withAlpha(QColor(0x7F, 0x8C, 0xA8), 150), true, {}});
    for (SizeLayer& layer : layers) layer.bytes.assign(bars.size(), 0);
    for (size_t b = 0; b < bars.size(); ++b) {
        if (bars[b].modules.empty()) {
            layers[whole].bytes[b] = bars[b].bytes;
            continue;
        }
        int64_t inModules = 0;
        for (const auto& [module, bytes] : bars[b].modules) {
            inModules += bytes;
            const auto found = std::find(top.begin(), top.end(), module);
            layers[found == top.end() ? other : size_t(found - top.begin())].bytes[b] += bytes;
        }
        // Zip headers, bytecode, constants and pickled structure: what no module's weights explain.
        layers[overhead].bytes[b] = std::max<int64_t>(0, bars[b].bytes - inModules);
    }
    layers.erase(std::remove_if(layers.begin(), layers.end(),
                                [](const SizeLayer& layer) {
                                    return std::all_of(layer.bytes.begin(), layer.bytes.end(),
                                                       [](int64_t bytes) { return bytes == 0; });
                                }),
                 layers.end());
    return layers;
}

std::function<QString(int)> sizeTip(const std::vector<SizeBar>& bars, const SizeLayer& layer, int64_t sourceBytes) {
    return [bars, layer, sourceBytes](int i) {
        const SizeBar& bar = bars[size_t(i)];
        QString text = QStringLiteral("%1 · %2\n%3 (%4)\nwhole file: %5 (%6)")
                           .arg(bar.name, layer.name, humanBytes(layer.bytes[size_t(i)]),
                                exactBytes(layer.bytes[size_t(i)]), humanBytes(bar.bytes), exactBytes(bar.bytes));
        if (sourceBytes > 0) text += QStringLiteral(", %1 the source").arg(ratioText(bar.bytes, sourceBytes));
        return text;
    };
}

// One QCPBars per layer, stacked in layer order (the largest module at the bottom, overhead on
// top). Returns each bar's height in `unit`, where its label goes.
std::vector<double> addSizeStacks(QCustomPlot* plot, const std::vector<SizeBar>& bars, const ByteUnit& unit,
                                  int64_t sourceBytes, const QColor& base, Tips& tips) {
    QVector<double> keys;
    for (size_t i = 0; i < bars.size(); ++i) keys << double(i);
    std::vector<double> tops(bars.size(), 0);
    QCPBars* below = nullptr;
    for (const SizeLayer& layer : sizeLayers(bars)) {
        auto* segment = new QCPBars(plot->xAxis, plot->yAxis);
        segment->setName(layer.name);
        segment->setWidth(0.6);
        segment->setStackingGap(0);
        segment->setBrush(layer.fill);
        // A base-coloured outline separates solid segments; translucent ones need a visible edge.
        segment->setPen(QPen(layer.outlined ? kGrey : base, 1));
        QVector<double> values;
        for (size_t i = 0; i < bars.size(); ++i) {
            values << double(layer.bytes[i]) / unit.divisor;
            tops[i] += values.back();
        }
        segment->setData(keys, values, true);
        if (below) segment->moveAbove(below);
        below = segment;
        segment->addToLegend();
        tips[segment] = sizeTip(bars, layer, sourceBytes);
    }
    for (size_t i = 0; i < bars.size(); ++i) tops[i] = std::max(tops[i], double(bars[i].bytes) / unit.divisor);
    return tops;
}

// ------------------------------------------------------------------------------ latency data

struct LatencyRow {
    QString name;
    BenchResult bench;
    double p10 = 0;
};

std::vector<LatencyRow> latencyRows(const std::vector<Variant>& variants, QStringList* unmeasured) {
    std::vector<LatencyRow> rows;
    for (const Variant& variant : variants) {
        if (variant.latency)
            rows.push_back({variant.name, *variant.latency, p10Of(*variant.latency)});
        else
            unmeasured->append(variant.name);
    }
    return rows;
}

bool sameEnvironment(const BenchEnvironment& a, const BenchEnvironment& b) {
    return a.cpu == b.cpu && a.engine == b.engine && a.quantizedEngine == b.quantizedEngine && a.threads == b.threads;
}

// Host latency is not phone latency: the title always says where the figures come from. When
// variants were measured differently, each setting is named with its variants instead.
QString whereMeasured(const std::vector<LatencyRow>& rows) {
    const QString prefix = QObject::tr("Host latency (not phone latency)");
    if (rows.empty()) return prefix;
    std::vector<std::pair<BenchEnvironment, QStringList>> settings;
    for (const LatencyRow& row : rows) {
        auto found = std::find_if(settings.begin(), settings.end(),
                                  [&](const auto& s) { return sameEnvironment(s.first, row.bench.environment); });
        if (found == settings.end()) found = settings.insert(settings.end(), {row.bench.environment, {}});
        found->second << row.name;
    }
    if (settings.size() == 1) return prefix + QStringLiteral(":\n") + describeWhere(settings[0].first);
    QStringList lines{prefix + QObject::tr(", measured in %1 settings:").arg(settings.size())};
    for (const auto& [environment, names] : settings)
        lines << names.join(QStringLiteral(", ")) + QStringLiteral(": ") + describeWhere(environment);
    return lines.join(QLatin1Char('\n'));
}

QString latencyTip(const LatencyRow& row) {
    const BenchResult& b = row.bench;
    return QStringLiteral("%1\np50 %2 · p10 %3 · p90 %4\nmin %5 · max %6 · mean %7\n%8 timed runs after %9 warm-up\n%10")
        .arg(row.name, milliseconds(b.p50), milliseconds(row.p10), milliseconds(b.p90), milliseconds(b.min),
             milliseconds(b.max), milliseconds(b.mean))
        .arg(b.samplesMs.size())
        .arg(b.warmup)
        .arg(describeWhere(b.environment));
}

// p50 as a point with a p10–p90 whisker. Points rather than bars: run-to-run spread is a few
// percent of a latency, invisible on bars that must start at zero.
void addLatencySummary(QCustomPlot* plot, const std::vector<LatencyRow>& rows, const QColor& text, Tips& tips) {
    QVector<double> keys, p50, minus, plus;
    for (size_t i = 0; i < rows.size(); ++i) {
        keys << double(i) + kSummaryOffset;
        p50 << rows[i].bench.p50;
        minus << rows[i].bench.p50 - rows[i].p10;
        plus << rows[i].bench.p90 - rows[i].bench.p50;
    }
    auto* points = new QCPGraph(plot->xAxis, plot->yAxis);
    points->setName(QObject::tr("p50"));
    points->setLineStyle(QCPGraph::lsNone);
    points->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kBlue, 11));
    points->setData(keys, p50, true);
    auto* whiskers = new QCPErrorBars(plot->xAxis, plot->yAxis);
    whiskers->setName(QObject::tr("p10–p90"));
    whiskers->setDataPlottable(points);
    whiskers->setData(minus, plus);
    whiskers->setWhiskerWidth(14);
    whiskers->setPen(QPen(text, 1.6));
    auto tip = [rows](int i) { return latencyTip(rows[size_t(i)]); };
    tips[points] = tip;
    tips[whiskers] = tip;
}

// Fits every run and whisker with a margin; from zero only when the data comes close to it.
QCPRange latencyRange(const std::vector<LatencyRow>& rows) {
    double low = rows.front().p10, high = rows.front().bench.p90;
    for (const LatencyRow& row : rows) {
        low = std::min({low, row.p10, row.bench.p50});
        high = std::max({high, row.bench.p90, row.bench.p50});
        for (double sample : row.bench.samplesMs) {
            low = std::min(low, sample);
            high = std::max(high, sample);
        }
    }
    const double margin = std::max((high - low) * 0.12, high * 0.02);
    return {low - margin < high * 0.25 ? 0 : low - margin, high + margin};
}

// Every timed run as a faint dot in a strip beside its p50: warm-up effects, bimodal timings and
// outliers show here, not in percentiles. A QCPCurve keeps the runs in insertion order (a graph
// would sort them by their jittered key), so a dot's data index names its variant and run.
void addRunDots(QCustomPlot* plot, const std::vector<LatencyRow>& rows, Tips& tips) {
    auto* dots = new QCPCurve(plot->xAxis, plot->yAxis);
    dots->setName(QObject::tr("runs"));
    dots->setLineStyle(QCPCurve::lsNone);
    dots->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, withAlpha(kOrange, 120), 5));
    QVector<double> t, keys, values;
    std::vector<std::pair<size_t, int>> runs;  // per dot: row, run
    for (size_t r = 0; r < rows.size(); ++r) {
        const std::vector<double>& samples = rows[r].bench.samplesMs;
        for (size_t s = 0; s < samples.size(); ++s) {
            t << double(t.size());
            keys << double(r) + jitter(int(s));
            values << samples[s];
            runs.emplace_back(r, int(s));
        }
    }
    dots->setData(t, keys, values, true);
    tips[dots] = [rows, runs](int i) {
        const auto& [row, run] = runs[size_t(i)];
        return QObject::tr("%1, run %2 of %3: %4")
            .arg(rows[row].name)
            .arg(run + 1)
            .arg(rows[row].bench.samplesMs.size())
            .arg(milliseconds(rows[row].bench.samplesMs[size_t(run)]));
    };
}

// ------------------------------------------------------------------------------ SQNR data

struct SqnrRow {
    OpError op;
    QString label;
};

// Lowest SQNR first: the layers worth a look, or worth keeping in float. A module with several
// quantized ops gets the op's name too, so that rows stay distinct.
std::vector<SqnrRow> sqnrRows(const Verification& verification, QStringList* unmeasured) {
    std::map<std::string, int> perModule;
    for (const OpError& op : verification.opErrors) ++perModule[op.module];
    std::vector<SqnrRow> rows;
    for (const OpError& op : verification.opErrors) {
        QString label = moduleLabel(op.module);
        if (perModule[op.module] > 1)
            label += QStringLiteral(" · ") + QString::fromStdString(op.op).section(QStringLiteral("::"), -1);
        if (std::isnan(op.sqnrDb))
            unmeasured->append(label);  // NaN would break the sort's ordering
        else
            rows.push_back({op, label});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const SqnrRow& a, const SqnrRow& b) { return a.op.sqnrDb < b.op.sqnrDb; });
    return rows;
}

// An exact op (no noise) measures +inf dB: drawn at the right edge, named exact in its tooltip.
double drawnSqnr(double sqnrDb, double ceiling) { return std::isinf(sqnrDb) ? ceiling : sqnrDb; }

QString sqnrTip(const SqnrRow& row) {
    const QString value = std::isinf(row.op.sqnrDb) ? QObject::tr("exact (no quantization noise)")
                                                    : QString::number(row.op.sqnrDb, 'f', 2) + QStringLiteral(" dB");
    return QObject::tr("%1\n%2 (was %3)\nSQNR %4 · quantized op #%5 in execution order\nclick to show the layer")
        .arg(row.label, QString::fromStdString(row.op.op), QString::fromStdString(row.op.floatOp), value)
        .arg(row.op.index);
}

// Horizontal bars: module paths are long and read best as row labels. Bars below the reference
// are a separate, warm-coloured series so that the eye finds them without reading numbers.
void addSqnrBars(QCustomPlot* plot, const std::vector<SqnrRow>& rows, Tips& tips) {
    double finiteMax = kVisibleErrorDb;
    for (const SqnrRow& row : rows)
        if (std::isfinite(row.op.sqnrDb)) finiteMax = std::max(finiteMax, row.op.sqnrDb);
    const double ceiling = finiteMax * 1.1;
    QStringList labels;
    for (bool low : {true, false}) {
        auto* bars = new QCPBars(plot->yAxis, plot->xAxis);
        bars->setName(low ? QObject::tr("below %1 dB").arg(kVisibleErrorDb) : QObject::tr("%1 dB or more").arg(kVisibleErrorDb));
        const QColor color = low ? kVermillion : kBlue;
        bars->setBrush(withAlpha(color, 200));
        bars->setPen(QPen(color, 1));
        bars->setWidth(0.7);
        std::vector<size_t> shown;
        for (size_t i = 0; i < rows.size(); ++i) {
            if ((rows[i].op.sqnrDb < kVisibleErrorDb) != low) continue;
            bars->addData(double(i), drawnSqnr(rows[i].op.sqnrDb, ceiling));
            shown.push_back(i);
        }
        tips[bars] = [rows, shown](int i) { return sqnrTip(rows[shown[size_t(i)]]); };
    }
    for (const SqnrRow& row : rows) labels << row.label;
    setCategoryTicks(plot->yAxis, labels);
    plot->yAxis->setRangeReversed(true);  // lowest SQNR at the top
    plot->yAxis->setLabel(QObject::tr("quantized layer (module path)"));
    plot->xAxis->setLabel(QObject::tr("SQNR (dB), higher is better"));
    double lowest = 0;
    for (const SqnrRow& row : rows) lowest = std::min(lowest, row.op.sqnrDb);
    plot->xAxis->setRange(lowest < 0 ? lowest * 1.1 : 0, ceiling);
    // Row -1 is kept free for the reference line's label, above the lowest layer's bar.
    plot->yAxis->setRange(-1.2, double(std::min<size_t>(rows.size(), kSqnrRowsShown)) - 0.4);
    if (rows.size() > size_t(kSqnrRowsShown)) {
        plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
        plot->axisRect()->setRangeDrag(Qt::Vertical);
        plot->axisRect()->setRangeZoom(Qt::Vertical);
    }
}

void addSqnrReference(QCustomPlot* plot, const QColor& text) {
    auto* line = new QCPItemStraightLine(plot);
    line->setObjectName(QStringLiteral("visibleErrorLine"));
    line->point1->setCoords(kVisibleErrorDb, 0);
    line->point2->setCoords(kVisibleErrorDb, 1);
    line->setPen(QPen(withAlpha(text, 200), 1.5, Qt::DashLine));
    line->setSelectable(false);  // clicks go to the bars under it
    QCPItemText* label = addText(plot, QObject::tr("← below: visible error"), text, Qt::AlignLeft | Qt::AlignVCenter);
    label->setObjectName(QStringLiteral("visibleErrorLabel"));
    label->position->setCoords(kVisibleErrorDb, -0.7);
    label->setPadding(QMargins(6, 0, 0, 0));
    label->setSelectable(false);
}

const Variant* findVariant(const std::vector<Variant>& variants, int id) {
    for (const Variant& variant : variants)
        if (variant.id == id) return &variant;
    return nullptr;
}

bool hasOpErrors(const Variant* variant) {
    return variant && variant->state == Variant::State::Ready && variant->result &&
           !variant->result->verification.opErrors.empty();
}

// ------------------------------------------------------------------------------ size vs latency data

struct TradeoffPoint {
    QString name;
    int64_t bytes = 0;
    LatencyRow latency;
};

std::vector<TradeoffPoint> tradeoffPoints(const std::vector<Variant>& variants) {
    std::vector<TradeoffPoint> points;
    for (const Variant& variant : variants) {
        if (!variant.result || !variant.latency) continue;
        const VariantSize* exported = findSize(*variant.result, "exported");
        const int64_t bytes = exported ? exported->bytes : variant.result->outputBytes;
        if (bytes <= 0) continue;
        points.push_back({variant.name, bytes, {variant.name, *variant.latency, p10Of(*variant.latency)}});
    }
    return points;
}

// One point per variant at (file size, p50) with its p10–p90 whisker. A QCPCurve keeps the
// points in variant order whatever their sizes, so a point's data index names its variant.
void addTradeoffPoints(QCustomPlot* plot, const std::vector<TradeoffPoint>& points, const ByteUnit& unit, Tips& tips) {
    auto* curve = new QCPCurve(plot->xAxis, plot->yAxis);
    curve->setName(QObject::tr("variants"));
    curve->setLineStyle(QCPCurve::lsNone);
    curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kBlue, 9));
    QVector<double> minus, plus;
    for (size_t i = 0; i < points.size(); ++i) {
        const LatencyRow& latency = points[i].latency;
        curve->addData(double(i), double(points[i].bytes) / unit.divisor, latency.bench.p50);
        minus << latency.bench.p50 - latency.p10;
        plus << latency.bench.p90 - latency.bench.p50;
    }
    auto* whiskers = new QCPErrorBars(plot->xAxis, plot->yAxis);
    whiskers->setDataPlottable(curve);
    whiskers->setData(minus, plus);
    whiskers->setWhiskerWidth(8);
    whiskers->setPen(QPen(withAlpha(kBlue, 200), 1.2));
    tips[curve] = [points](int i) {
        const TradeoffPoint& point = points[size_t(i)];
        return QObject::tr("%1\nfile size %2 (%3)\np50 %4 (p10 %5 – p90 %6)")
            .arg(point.name, humanBytes(point.bytes), exactBytes(point.bytes), milliseconds(point.latency.bench.p50),
                 milliseconds(point.latency.p10), milliseconds(point.latency.bench.p90));
    };
}

}  // namespace

// ------------------------------------------------------------------------------ widget and chart frame

VariantPlots::VariantPlots(QWidget* parent) : QWidget(parent) {
    tabs_ = new QTabWidget(this);
    tabs_->addTab(makePlot(SizeChart), tr("Size"));
    tabs_->addTab(makePlot(LatencyChart), tr("Latency"));
    makePlot(SqnrChart);
    tabs_->addTab(makeSqnrPage(), tr("Layer SQNR"));
    tabs_->addTab(makePlot(SizeLatencyChart), tr("Size vs latency"));

    // The size chart's legend goes under the chart: inside, it would hide the tallest bars. It sits
    // between two empty elements: alone in the column, its maximum width (its text's) would be the
    // whole chart's, and the chart would stop growing with the window.
    QCustomPlot* sizes = charts_[SizeChart].plot;
    sizes->axisRect()->insetLayout()->take(sizes->legend);
    auto* legendRow = new QCPLayoutGrid;
    sizes->plotLayout()->addElement(3, 0, legendRow);
    legendRow->addElement(0, 0, new QCPLayoutElement(sizes));
    legendRow->addElement(0, 1, sizes->legend);
    legendRow->addElement(0, 2, new QCPLayoutElement(sizes));
    legendRow->setColumnSpacing(0);
    sizes->plotLayout()->setRowStretchFactor(3, 0.001);
    sizes->legend->setFillOrder(QCPLegend::foColumnsFirst);
    sizes->legend->setWrap(4);
    sizes->legend->setVisible(true);

    auto* save = new QToolButton(tabs_);
    save->setText(tr("Save as…"));
    save->setToolTip(tr("Save the chart shown as PNG, SVG or PDF"));
    connect(save, &QToolButton::clicked, this, [this] { saveWithDialog(tabs_->currentIndex()); });
    tabs_->setCornerWidget(save, Qt::TopRightCorner);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tabs_);
    connect(charts_[SizeLatencyChart].plot, &QCustomPlot::afterLayout, this, &VariantPlots::placeTradeoffLabels);
    connect(charts_[SqnrChart].plot, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) { onSqnrClicked(plottable, dataIndex); });
    redrawAll();
}

VariantPlots::~VariantPlots() = default;

QCustomPlot* VariantPlots::makePlot(int index) {
    static const char* names[] = {"sizePlot", "latencyPlot", "sqnrPlot", "sizeLatencyPlot"};
    ChartParts& chart = charts_[size_t(index)];
    auto* plot = new QCustomPlot;
    plot->setObjectName(QLatin1String(names[index]));
    plot->setMinimumSize(260, 80);  // a small or scaled screen still keeps room for the graph
    plot->setAutoAddPlottableToLegend(false);
    QFont titleFont = font();
    titleFont.setBold(true);
    chart.title = new QCPTextElement(plot, QString(), titleFont);
    chart.subtitle = new QCPTextElement(plot, QString(), font());
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, chart.title);
    plot->plotLayout()->addElement(1, 0, chart.subtitle);
    plot->installEventFilter(this);  // tooltips
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(plot, &QWidget::customContextMenuRequested, this, [this, index, plot](const QPoint& pos) {
        QMenu menu;
        menu.addAction(tr("Save chart as…"), this, [this, index] { saveWithDialog(index); });
        menu.exec(plot->mapToGlobal(pos));
    });
    chart.plot = plot;
    return plot;
}

QWidget* VariantPlots::makeSqnrPage() {
    auto* page = new QWidget;
    auto* choice = new QHBoxLayout;
    sqnrChoice_ = new QComboBox(page);
    sqnrChoice_->setObjectName(QStringLiteral("sqnrVariant"));
    sqnrChoice_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto* label = new QLabel(tr("Variant:"), page);
    label->setBuddy(sqnrChoice_);
    choice->addWidget(label);
    choice->addWidget(sqnrChoice_);
    choice->addStretch();
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addLayout(choice);
    layout->addWidget(charts_[SqnrChart].plot);
    connect(sqnrChoice_, &QComboBox::activated, this,
            [this](int index) { setSqnrVariant(sqnrChoice_->itemData(index).toInt()); });
    return page;
}

void applyPalette(QCustomPlot* plot, const QPalette& palette) {
    const QColor text = palette.color(QPalette::Text);
    const QColor base = palette.color(QPalette::Base);
    plot->setBackground(base);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setBasePen(QPen(withAlpha(text, 170)));
        axis->setTickPen(QPen(withAlpha(text, 170)));
        axis->setSubTickPen(QPen(withAlpha(text, 170)));
        axis->setLabelColor(text);
        axis->setTickLabelColor(text);
        axis->grid()->setPen(QPen(withAlpha(text, 40), 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    plot->legend->setBrush(base);
    plot->legend->setBorderPen(QPen(withAlpha(text, 90)));
    plot->legend->setTextColor(text);
}

// Empties a chart and re-applies the palette, so that every draw starts from the same state.
QCustomPlot* VariantPlots::resetChart(int index, const QString& title, const QString& subtitle) {
    ChartParts& chart = charts_[size_t(index)];
    QCustomPlot* plot = chart.plot;
    chart.tips.clear();
    plot->clearPlottables();
    plot->clearItems();
    plot->setInteractions({});
    setNote(index, {});
    const QColor text = palette().color(QPalette::Text);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        axis->setTickLabelRotation(0);
        axis->setRangeReversed(false);
        axis->setVisible(true);
        axis->grid()->setVisible(true);
    }
    // Few ticks: a chart in a short dock keeps its labels apart (the bars carry exact figures).
    plot->yAxis->ticker()->setTickCount(3);
    applyPalette(plot, palette());
    chart.title->setText(title);
    chart.title->setTextColor(text);
    chart.subtitle->setText(subtitle);
    chart.subtitle->setTextColor(withAlpha(text, 190));
    return plot;
}

// The note row exists only while there is a note: an empty text element would still take a line.
void VariantPlots::setNote(int index, const QString& text) {
    ChartParts& chart = charts_[size_t(index)];
    QCPLayoutGrid* layout = chart.plot->plotLayout();
    if (chart.note) {
        layout->remove(chart.note);
        layout->simplify();
        chart.note = nullptr;
    }
    if (text.isEmpty()) return;
    QFont noteFont = font();
    noteFont.setItalic(true);
    chart.note = new QCPTextElement(chart.plot, text, noteFont);
    chart.note->setTextColor(withAlpha(palette().color(QPalette::Text), 190));
    layout->addElement(layout->rowCount(), 0, chart.note);
    layout->setRowStretchFactor(layout->rowCount() - 1, 0.001);
}

void VariantPlots::showEmpty(int index, const QString& message) {
    QCustomPlot* plot = charts_[size_t(index)].plot;
    QCPItemText* text = addText(plot, message, palette().color(QPalette::Text), Qt::AlignCenter);
    text->position->setType(QCPItemPosition::ptAxisRectRatio);
    text->position->setCoords(0.5, 0.5);
    // Only the message: axes from 0 to 1 over nothing look like a result.
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setRange(0, 1);
        axis->setVisible(false);
        axis->grid()->setVisible(false);
    }
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void VariantPlots::addTip(int index, const QCPAbstractPlottable* plottable, TipFunction tip) {
    charts_[size_t(index)].tips[plottable] = std::move(tip);
}

void VariantPlots::redrawAll() {
    updateSqnrChoices();
    drawSizes();
    drawLatency();
    drawSqnr();
    drawSizeLatency();
}

// ------------------------------------------------------------------------------ public API

void VariantPlots::setVariants(const std::vector<Variant>& variants) {
    variants_ = variants;
    // A variant the user picked stays; the default follows the newest variant with figures.
    if (!sqnrChosen_ || !findVariant(variants_, sqnrVariantId_)) {
        sqnrChosen_ = false;
        sqnrVariantId_ = -1;
        for (auto it = variants_.rbegin(); it != variants_.rend(); ++it)
            if (hasOpErrors(&*it)) {
                sqnrVariantId_ = it->id;
                break;
            }
    }
    redrawAll();
}

void VariantPlots::setSqnrVariant(int variantId) {
    sqnrVariantId_ = variantId;
    sqnrChosen_ = true;
    updateSqnrChoices();
    drawSqnr();
}

QCustomPlot* VariantPlots::plot(int index) const {
    return index >= 0 && index < chartCount ? charts_[size_t(index)].plot : nullptr;
}

QString VariantPlots::toolTipAt(int index, const QPointF& pixel) const {
    QCustomPlot* chart = plot(index);
    if (!chart) return {};
    int dataIndex = -1;
    QCPAbstractPlottable* hit = chart->plottableAt(pixel, false, &dataIndex);
    const auto& tips = charts_[size_t(index)].tips;
    const auto tip = tips.find(hit);
    if (!hit || tip == tips.end() || !hit->interface1D() || dataIndex < 0 || dataIndex >= hit->interface1D()->dataCount())
        return {};
    return tip->second(dataIndex);
}

void VariantPlots::changeEvent(QEvent* event) {
    // Text, axes and backgrounds follow the palette: redraw when it changes (dark mode switch).
    if (event->type() == QEvent::PaletteChange && charts_[0].plot) redrawAll();
    QWidget::changeEvent(event);
}

bool VariantPlots::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() != QEvent::ToolTip) return QWidget::eventFilter(watched, event);
    for (int i = 0; i < chartCount; ++i) {
        if (watched != charts_[size_t(i)].plot) continue;
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(i, help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, charts_[size_t(i)].plot);
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

// ------------------------------------------------------------------------------ 1. size

void VariantPlots::drawSizes() {
    QStringList unconverted;
    bool hasSource = false;
    const std::vector<SizeBar> bars = sizeBars(variants_, &unconverted, &hasSource);
    QCustomPlot* plot = resetChart(SizeChart, tr("File size per variant"),
                                   tr("stacked by the %1 modules with the most weight bytes · ratio to the source over each bar")
                                       .arg(kStackedModules));
    plot->legend->clearItems();
    plot->legend->setVisible(!bars.empty());
    if (!unconverted.isEmpty()) setNote(SizeChart, tr("Not converted (yet): %1").arg(unconverted.join(QStringLiteral(", "))));
    if (bars.empty()) return showEmpty(SizeChart, tr("No converted variant yet"));

    const int64_t sourceBytes = hasSource ? bars.front().bytes : 0;
    int64_t largest = 0;
    QStringList names;
    for (const SizeBar& bar : bars) {
        largest = std::max(largest, bar.bytes);
        names << bar.name;
    }
    const ByteUnit unit = unitFor(largest);
    const std::vector<double> tops =
        addSizeStacks(plot, bars, unit, sourceBytes, palette().color(QPalette::Base), charts_[SizeChart].tips);
    for (size_t i = 0; i < bars.size(); ++i) {
        QString label = humanBytes(bars[i].bytes);
        if (hasSource) label += QLatin1Char('\n') + ratioText(bars[i].bytes, sourceBytes);
        QCPItemText* text = addText(plot, label, palette().color(QPalette::Text), Qt::AlignHCenter | Qt::AlignBottom);
        text->position->setCoords(double(i), tops[i]);
        text->setPadding(QMargins(0, 0, 0, 3));
        text->setClipToAxisRect(false);  // a short chart has less headroom than two lines
    }
    setCategoryTicks(plot->xAxis, names);
    plot->xAxis->setLabel(tr("variant"));
    plot->yAxis->setLabel(tr("file size (%1)").arg(unit.name));
    plot->xAxis->setRange(-0.6, double(bars.size()) - 0.4);
    plot->yAxis->setRange(0, *std::max_element(tops.begin(), tops.end()) * 1.22);  // room for two label lines
    plot->replot(QCustomPlot::rpQueuedReplot);
}

// ------------------------------------------------------------------------------ 2. latency

void VariantPlots::drawLatency() {
    QStringList unmeasured;
    const std::vector<LatencyRow> rows = latencyRows(variants_, &unmeasured);
    QCustomPlot* plot = resetChart(LatencyChart, whereMeasured(rows),
                                   tr("point: p50 · whisker: p10–p90 · dots: every timed run"));
    if (!unmeasured.isEmpty()) setNote(LatencyChart, tr("Not measured: %1").arg(unmeasured.join(QStringLiteral(", "))));
    if (rows.empty()) return showEmpty(LatencyChart, tr("No variant's latency measured yet"));

    addLatencySummary(plot, rows, palette().color(QPalette::Text), charts_[LatencyChart].tips);
    addRunDots(plot, rows, charts_[LatencyChart].tips);
    QStringList names;
    for (const LatencyRow& row : rows) names << row.name;
    setCategoryTicks(plot->xAxis, names);
    plot->xAxis->setLabel(tr("variant"));
    plot->yAxis->setLabel(tr("latency per forward (ms)"));
    plot->xAxis->setRange(-0.6, double(rows.size()) - 0.4);
    const QCPRange range = latencyRange(rows);
    plot->yAxis->setRange(range);
    if (range.lower > 0)  // points, not bars, so a cut axis is fair; but say so
        charts_[LatencyChart].subtitle->setText(charts_[LatencyChart].subtitle->text() +
                                                 tr(" · the axis does not start at zero"));
    plot->replot(QCustomPlot::rpQueuedReplot);
}

// ------------------------------------------------------------------------------ 3. layer SQNR

void VariantPlots::drawSqnr() {
    const Variant* variant = findVariant(variants_, sqnrVariantId_);
    sqnrModules_.clear();
    QCustomPlot* plot = resetChart(SqnrChart,
                                   variant ? tr("Per-layer quantization error of “%1”").arg(variant->name)
                                           : tr("Per-layer quantization error"),
                                   tr("SQNR of each quantized op's output against the float op it replaced, lowest "
                                      "first · click a bar to show the layer"));
    if (!hasOpErrors(variant))
        return showEmpty(SqnrChart, variant ? tr("“%1” has no per-layer figures: only a converted, statically "
                                                 "quantized variant has them")
                                                  .arg(variant->name)
                                            : sqnrChoice_->count() > 0 ? tr("Choose a variant above")
                                                                       : tr("No statically quantized variant yet"));
    QStringList unmeasured;
    const std::vector<SqnrRow> rows = sqnrRows(variant->result->verification, &unmeasured);
    if (!unmeasured.isEmpty()) setNote(SqnrChart, tr("Not measured: %1").arg(unmeasured.join(QStringLiteral(", "))));
    if (rows.empty()) return showEmpty(SqnrChart, tr("No layer's SQNR could be measured"));
    if (variant->result->verification.errorSamples > 0)
        charts_[SqnrChart].subtitle->setText(charts_[SqnrChart].subtitle->text() +
                                              tr(" · over %1 batches").arg(variant->result->verification.errorSamples));
    addSqnrBars(plot, rows, charts_[SqnrChart].tips);
    addSqnrReference(plot, palette().color(QPalette::Text));
    for (const SqnrRow& row : rows) sqnrModules_.push_back(row.op.module);
    if (rows.size() > size_t(kSqnrRowsShown))
        setNote(SqnrChart, tr("The %1 lowest of %2 layers are shown: drag or scroll the chart for the rest.")
                               .arg(kSqnrRowsShown)
                               .arg(rows.size()));
    plot->replot(QCustomPlot::rpQueuedReplot);
}

void VariantPlots::updateSqnrChoices() {
    const QSignalBlocker blocker(sqnrChoice_);
    sqnrChoice_->clear();
    for (const Variant& variant : variants_)
        if (hasOpErrors(&variant)) sqnrChoice_->addItem(variant.name, variant.id);
    sqnrChoice_->setCurrentIndex(sqnrChoice_->findData(sqnrVariantId_));
    sqnrChoice_->setEnabled(sqnrChoice_->count() > 0);
}

void VariantPlots::onSqnrClicked(QCPAbstractPlottable* plottable, int dataIndex) {
    auto* bars = qobject_cast<QCPBars*>(plottable);
    if (!bars || dataIndex < 0 || dataIndex >= bars->data()->size()) return;
    // Keys are row positions in sorted order, whichever of the two series the bar is in.
    const int row = qRound(bars->data()->at(dataIndex)->key);
    if (row >= 0 && size_t(row) < sqnrModules_.size()) Q_EMIT layerClicked(QString::fromStdString(sqnrModules_[size_t(row)]));
}

// ------------------------------------------------------------------------------ 4. size vs latency

void VariantPlots::drawSizeLatency() {
    tradeoffLabels_.clear();  // resetChart deletes the items
    const std::vector<TradeoffPoint> points = tradeoffPoints(variants_);
    std::vector<LatencyRow> rows;
    for (const TradeoffPoint& point : points) rows.push_back(point.latency);
    QCustomPlot* plot = resetChart(SizeLatencyChart, tr("Size vs latency"),
                                   whereMeasured(rows) + tr("\npoint: p50 · whisker: p10–p90"));
    if (points.empty()) return showEmpty(SizeLatencyChart, tr("No variant has both a size and a measured latency yet"));

    int64_t largest = 0;
    double slowest = 0;
    for (const TradeoffPoint& point : points) {
        largest = std::max(largest, point.bytes);
        slowest = std::max(slowest, point.latency.bench.p90);
    }
    const ByteUnit unit = unitFor(largest);
    addTradeoffPoints(plot, points, unit, charts_[SizeLatencyChart].tips);
    const QColor text = palette().color(QPalette::Text);
    for (const TradeoffPoint& point : points) {
        TradeoffLabel label{addText(plot, point.name, text, Qt::AlignLeft | Qt::AlignVCenter), new QCPItemLine(plot),
                            double(point.bytes) / unit.divisor, point.latency.bench.p50};
        label.text->position->setType(QCPItemPosition::ptAbsolute);  // placed by placeTradeoffLabels
        label.leader->start->setType(QCPItemPosition::ptAbsolute);
        label.leader->end->setType(QCPItemPosition::ptAbsolute);
        label.leader->setPen(QPen(withAlpha(text, 120), 1));
        tradeoffLabels_.push_back(label);
    }
    plot->xAxis->setLabel(tr("file size (%1)").arg(unit.name));
    plot->yAxis->setLabel(tr("p50 latency per forward (ms)"));
    // From zero on both axes: the chart compares ratios. The right third is room for names.
    plot->xAxis->setRange(0, double(largest) / unit.divisor * 1.35);
    plot->yAxis->setRange(0, slowest * 1.15);
    plot->replot(QCustomPlot::rpQueuedReplot);
}

// Names go right of their points (left near the right edge), and move down until they clear the
// names already placed, top to bottom; a leader line then ties a moved name to its point.
// Runs after every layout, since only then are pixel positions known (exports included).
void VariantPlots::placeTradeoffLabels() {
    QCustomPlot* plot = charts_[SizeLatencyChart].plot;
    std::vector<size_t> order(tradeoffLabels_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto pixel = [plot](const TradeoffLabel& label) {
        return QPointF(plot->xAxis->coordToPixel(label.key), plot->yAxis->coordToPixel(label.value));
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return pixel(tradeoffLabels_[a]).y() < pixel(tradeoffLabels_[b]).y();
    });
    std::vector<QRectF> placed;
    for (size_t i : order) {
        const TradeoffLabel& label = tradeoffLabels_[i];
        const QPointF point = pixel(label);
        const QSizeF size = QFontMetricsF(label.text->font()).size(0, label.text->text()) + QSizeF(4, 2);
        QRectF rect(QPointF(point.x() + 10, point.y() - size.height() / 2), size);
        if (rect.right() > plot->axisRect()->right()) rect.moveRight(point.x() - 10);
        for (bool moved = true; moved;) {
            moved = false;
            for (const QRectF& other : placed)
                if (other.intersects(rect)) {
                    rect.moveTop(other.bottom() + 1);
                    moved = true;
                }
        }
        placed.push_back(rect);
        label.text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        label.text->position->setCoords(rect.left() + 2, rect.center().y());
        const bool displaced = std::abs(rect.center().y() - point.y()) > size.height() * 0.6;
        label.leader->setVisible(displaced);
        label.leader->start->setCoords(point);
        label.leader->end->setCoords(rect.left() < point.x() ? rect.right() : rect.left(), rect.center().y());
    }
}

// ------------------------------------------------------------------------------ saving

bool VariantPlots::savePlot(int index, const QString& path, QString* error) {
    auto fail = [error](const QString& message) {
        if (error) *error = message;
        return false;
    };
    QCustomPlot* chart = plot(index);
    if (!chart) return fail(tr("There is no chart %1: charts are numbered 0 to %2.").arg(index).arg(chartCount - 1));
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QLatin1String("png") && suffix != QLatin1String("svg") && suffix != QLatin1String("pdf"))
        return fail(suffix.isEmpty()
                        ? tr("Cannot save “%1”: the name has no suffix; use .png, .svg or .pdf.").arg(path)
                        : tr("Cannot save “%1”: .%2 is not a supported format; use .png, .svg or .pdf.").arg(path, suffix));
    // A chart in a tab never shown has no useful size yet: those are written at a slide's size.
    const QSize size = chart->isVisible() && chart->width() >= 480 && chart->height() >= 300 ? chart->size()
                                                                                              : QSize(960, 600);
    bool written = false;
    if (suffix == QLatin1String("png")) {
        written = chart->savePng(path, size.width(), size.height(), 2.0);  // 2x: crisp in documents
    } else if (suffix == QLatin1String("pdf")) {
        written = chart->savePdf(path, size.width(), size.height());
    } else {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setTitle(tabs_->tabText(index));
        QCPPainter painter;
        if (painter.begin(&generator)) {
            chart->toPainter(&painter, size.width(), size.height());
            written = painter.end();
        }
    }
    if (!written || QFileInfo(path).size() == 0)
        return fail(tr("Could not write “%1”: check that its folder exists and is writable.").arg(path));
    return true;
}

QString VariantPlots::withFilterSuffix(const QString& fileName, const QString& selectedFilter) {
    if (fileName.isEmpty() || !QFileInfo(fileName).suffix().isEmpty()) return fileName;
    static const QRegularExpression pattern(QStringLiteral("\\*\\.(\\w+)"));
    const QRegularExpressionMatch match = pattern.match(selectedFilter);
    return match.hasMatch() ? fileName + QLatin1Char('.') + match.captured(1) : fileName;
}

void VariantPlots::saveWithDialog(int index) {
    if (!plot(index)) return;
    static const char* stems[] = {"variant-sizes", "variant-latency", "layer-sqnr", "size-vs-latency"};
    QString filter = tr("PNG image (*.png)");
    QString name = QFileDialog::getSaveFileName(this, tr("Save chart"), QLatin1String(stems[index]),
                                                tr("PNG image (*.png);;SVG image (*.svg);;PDF document (*.pdf)"), &filter);
    if (name.isEmpty()) return;
    name = withFilterSuffix(name, filter);
    QString error;
    if (!savePlot(index, name, &error)) QMessageBox::warning(this, tr("Save chart"), error);
}

}  // namespace ptl::ui
