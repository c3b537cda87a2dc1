// The variant charts on hand-made variants (no worker, no LibTorch): a 14 MB MobileNetV2-like
// source, an fp32 variant, two static int8 variants (one measured, one not) and a failed one. The
// tests read back what each chart plots (bar keys and values, whiskers, run dots, point
// coordinates, labels and titles), click an SQNR bar, and save every chart in every format.
// Set PTL_PLOT_SNAPSHOTS=/some/dir to also write each chart (light, dark, crowded; PNG, SVG, PDF) for a look.
#include "dark_palette.h"
#include "plots/qcustomplot.h"
#include "plots/variant_plots.h"

#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

using namespace ptl;
using namespace ptl::ui;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr int64_t kSourceBytes = 14'200'000;
constexpr int64_t kFp32Bytes = 14'050'000;
constexpr int64_t kInt8Bytes = 3'720'000;
constexpr int64_t kX86Bytes = 3'900'000;

// Weight bytes by module, as the core reports them for a MobileNetV2-like float model.
std::map<std::string, int64_t> floatWeights() {
    std::map<std::string, int64_t> weights{
        {"classifier.1", 5'124'000},         {"features.18.0", 1'638'400},       {"features.17.conv.2", 1'228'800},
        {"features.17.conv.0.0", 614'400},   {"features.16.conv.0.0", 520'000},  {"features.15.conv.0.0", 500'000},
        {"features.14.conv.0.0", 480'000},   {"features.14.conv.2", 368'640},    {"", 4'096},
        {"features.0.0", 3'456},             {"features.1.conv.0.0", 1'152},
    };
    for (int block = 2; block <= 12; ++block) weights["features." + std::to_string(block) + ".conv.1.0"] = 200'000;
    return weights;
}
int64_t sum(const std::map<std::string, int64_t>& weights) {
    int64_t total = 0;
    for (const auto& [module, bytes] : weights) total += bytes;
    return total;
}
std::map<std::string, int64_t> int8Weights() {
    std::map<std::string, int64_t> weights;
    for (const auto& [module, bytes] : floatWeights()) weights[module] = bytes / 4;
    weights["(other)"] = 12'000;  // weights matched to no layer
    return weights;
}

// 50 runs whose sorted values are base + 0.02 k, in a scrambled run order.
BenchResult latency(double base, double p50, double p90) {
    BenchResult bench;
    bench.environment = {"Intel(R) Xeon(R) CPU @ 2.20GHz", "Lite Interpreter", "qnnpack", 1, "1.13.0"};
    bench.warmup = 10;
    for (int run = 0; run < 50; ++run) bench.samplesMs.push_back(base + 0.02 * ((run * 37) % 50));
    bench.p50 = p50;
    bench.p90 = p90;
    bench.min = base;
    bench.max = base + 0.98;
    bench.mean = base + 0.49;
    return bench;
}

OpError op(int index, const char* name, const char* floatName, const char* module, double sqnr) {
    return OpError{index, name, floatName, module, sqnr};
}

Variant converted(int id, const char* name, int64_t bytes, std::map<std::string, int64_t> weights) {
    Variant variant;
    variant.id = id;
    variant.name = QString::fromUtf8(name);
    variant.state = Variant::State::Ready;
    ConvertResult result;
    result.sizes = {{"source", kSourceBytes, floatWeights()}, {"exported", bytes, std::move(weights)}};
    result.verification.compared = true;
    variant.result = result;
    return variant;
}

std::vector<Variant> sampleVariants() {
    Variant fp32 = converted(1, "fp32 optimized", kFp32Bytes, floatWeights());
    fp32.latency = latency(13.20, 13.69, 13.882);
    Variant qnnpack = converted(2, "static qnnpack", kInt8Bytes, int8Weights());
    qnnpack.latency = latency(20.60, 21.09, 21.482);
    qnnpack.result->verification.errorSamples = 8;
    qnnpack.result->verification.opErrors = {
        op(0, "quantized::conv2d_relu", "aten::conv2d", "features.0.0", 31.2),
        op(1, "quantized::conv2d", "aten::conv2d", "features.1.conv.0.0", 18.4),
        op(2, "quantized::conv2d", "aten::conv2d", "features.2.conv.1.0", 9.8),
        op(3, "quantized::add", "aten::add", "", 24.9),
        op(4, "quantized::linear", "aten::linear", "classifier.1", 14.6),
    };
    Variant x86 = converted(3, "static x86", kX86Bytes, {});  // sizes not broken down, latency not measured
    x86.result->verification.opErrors = {op(0, "quantized::conv2d", "aten::conv2d", "features.0.0", 27.0)};
    Variant failed;
    failed.id = 4;
    failed.name = QStringLiteral("dynamic");
    failed.state = Variant::State::Failed;
    failed.error = QStringLiteral("no Linear layer to quantize");
    return {fp32, qnnpack, x86, failed};
}

// Every text a chart shows: title, subtitle and note elements, then text items in order.
QStringList texts(QCustomPlot* plot) {
    QStringList result;
    for (QCPLayoutElement* element : plot->plotLayout()->elements(false))
        if (auto* text = qobject_cast<QCPTextElement*>(element)) result << text->text();
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot->item(i))) result << text->text();
    return result;
}

QStringList tickLabels(QCPAxis* axis) {
    auto ticker = axis->ticker().dynamicCast<QCPAxisTickerText>();
    return ticker ? QStringList(ticker->ticks().values()) : QStringList();
}

QCPBars* barsNamed(QCustomPlot* plot, const QString& name) {
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (plot->plottable(i)->name() == name) return qobject_cast<QCPBars*>(plot->plottable(i));
    return nullptr;
}

template <class T>
T* first(QCustomPlot* plot) {
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* found = qobject_cast<T*>(plot->plottable(i))) return found;
    return nullptr;
}

QByteArray head(const QString& path, int bytes) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.read(bytes) : QByteArray();
}

// Ten variants with long names and 52 quantized layers: the crowded case, for snapshots.
std::vector<Variant> busyVariants() {
    std::vector<Variant> variants = sampleVariants();
    variants.pop_back();
    for (int id = 5; id <= 11; ++id) {
        Variant variant = converted(id, "", kInt8Bytes + id * 90'000, int8Weights());
        variant.name = QStringLiteral("static qnnpack, histogram, keep features.%1").arg(id);
        variant.latency = latency(19.0 + id * 0.4, 19.5 + id * 0.4, 19.9 + id * 0.4);
        variant.latency->samplesMs[3] = 31.0;  // a slow run: the strip shows it, the percentiles do not
        for (int layer = 0; layer < 52; ++layer)
            variant.result->verification.opErrors.push_back(op(layer, "quantized::conv2d", "aten::conv2d",
                                                                ("features." + std::to_string(layer / 3) + ".conv." +
                                                                 std::to_string(layer % 3)).c_str(),
                                                                8.0 + (layer * 7919 % 311) / 10.0));
        variants.push_back(variant);
    }
    return variants;
}

}  // namespace

class TestPlots : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sizeBarsStackTheLargestModules();
    void sizeAxisUsesKiBForSmallModels();
    void latencyBarsWhiskersAndRuns();
    void latencyTitleSaysWhereItWasMeasured();
    void sqnrBarsLowestFirstWithReference();
    void sqnrVariantDefaultAndChoice();
    void sqnrOddFigures();
    void clickingAnSqnrBarEmitsItsModule();
    void sizeVsLatencyPoints();
    void sizeVsLatencyNamesDoNotOverlap();
    void tooltipsGiveExactFigures();
    void savesPngSvgAndPdf();
    void refusesUnsupportedFormats();
    void filterSuffixIsAppended();
    void followsADarkPalette();
    void noVariantsShowsMessages();
    void snapshots();
};

void TestPlots::sizeBarsStackTheLargestModules() {
    VariantPlots plots;
    plots.setVariants(sampleVariants());
    QCustomPlot* plot = plots.plot(VariantPlots::SizeChart);

    // Source first, then every converted variant; the failed one is named under the chart.
    QCOMPARE(tickLabels(plot->xAxis),
             (QStringList{"source model", "fp32 optimized", "static qnnpack", "static x86"}));
    QStringList layers;
    for (int i = 0; i < plot->plottableCount(); ++i) layers << plot->plottable(i)->name();
    QCOMPARE(layers, (QStringList{"classifier.1", "features.18.0", "features.17.conv.2", "features.17.conv.0.0",
                                  "features.16.conv.0.0", "other modules", "file overhead",
                                  "not broken down by module"}));
    QCOMPARE(plot->legend->itemCount(), layers.size());

    // Each bar's segments add up to the file's size, in MiB.
    const double expected[] = {kSourceBytes / kMiB, kFp32Bytes / kMiB, kInt8Bytes / kMiB, kX86Bytes / kMiB};
    for (int key = 0; key < 4; ++key) {
        double stacked = 0;
        for (int i = 0; i < plot->plottableCount(); ++i) {
            auto* bars = qobject_cast<QCPBars*>(plot->plottable(i));
            QVERIFY(bars);
            QCOMPARE(bars->data()->at(key)->key, double(key));
            stacked += bars->data()->at(key)->value;
        }
        QVERIFY2(std::abs(stacked - expected[key]) < 1e-9, qPrintable(QString::number(stacked)));
    }
    QCOMPARE(barsNamed(plot, "classifier.1")->data()->at(2)->value, 1'281'000 / kMiB);
    QCOMPARE(barsNamed(plot, "file overhead")->data()->at(0)->value, (kSourceBytes - sum(floatWeights())) / kMiB);
    // "other" holds the unranked modules and the unmatched "(other)" weights.
    const int64_t top5 = 5'124'000 + 1'638'400 + 1'228'800 + 614'400 + 520'000;
    QCOMPARE(barsNamed(plot, "other modules")->data()->at(2)->value, ((sum(floatWeights()) - top5) / 4 + 12'000) / kMiB);
    QCOMPARE(barsNamed(plot, "not broken down by module")->data()->at(3)->value, kX86Bytes / kMiB);
    QCOMPARE(barsNamed(plot, "not broken down by module")->data()->at(1)->value, 0.0);

    const QStringList shown = texts(plot);
    for (const char* label : {"13.5 MiB\n1.00×", "13.4 MiB\n0.99×", "3.55 MiB\n0.26×", "3.72 MiB\n0.27×"})
        QVERIFY2(shown.contains(QString::fromUtf8(label)), qPrintable(shown.join(" | ")));
    QVERIFY(shown.contains("Not converted (yet): dynamic"));
    QCOMPARE(plot->yAxis->label(), QString("file size (MiB)"));
}

void TestPlots::sizeAxisUsesKiBForSmallModels() {
    Variant tiny = converted(1, "tiny", 300'000, {{"fc", 200'000}});
    tiny.result->sizes[0] = {"source", 900'000, {{"fc", 800'000}}};
    VariantPlots plots;
    plots.setVariants({tiny});
    QCustomPlot* plot = plots.plot(VariantPlots::SizeChart);
    QCOMPARE(plot->yAxis->label(), QString("file size (KiB)"));
    QCOMPARE(barsNamed(plot, "fc")->data()->at(1)->value, 200'000 / 1024.0);
    QVERIFY(texts(plot).contains(QString::fromUtf8("293 KiB\n0.33×")));
}

void TestPlots::latencyBarsWhiskersAndRuns() {
    const std::vector<Variant> variants = sampleVariants();
    VariantPlots plots;
    plots.setVariants(variants);
    QCustomPlot* plot = plots.plot(VariantPlots::LatencyChart);
    QCOMPARE(tickLabels(plot->xAxis), (QStringList{"fp32 optimized", "static qnnpack"}));

    // p50 as a point left of each variant's tick, the runs in a strip right of it.
    auto* points = first<QCPGraph>(plot);
    QVERIFY(points);
    QCOMPARE(points->dataCount(), 2);
    QCOMPARE(points->data()->at(0)->key, -0.12);
    QCOMPARE(points->data()->at(0)->value, 13.69);
    QCOMPARE(points->data()->at(1)->key, 1 - 0.12);
    QCOMPARE(points->data()->at(1)->value, 21.09);
    // p10 of 50 runs spaced 0.02 ms: rank 4.9 between the 5th and 6th fastest.
    auto* whiskers = first<QCPErrorBars>(plot);
    QVERIFY(whiskers);
    QCOMPARE(whiskers->dataPlottable(), points);
    QCOMPARE(whiskers->data()->size(), 2);
    QVERIFY(std::abs(whiskers->data()->at(0).errorMinus - (13.69 - 13.298)) < 1e-9);
    QVERIFY(std::abs(whiskers->data()->at(0).errorPlus - (13.882 - 13.69)) < 1e-9);
    QVERIFY(std::abs(whiskers->data()->at(1).errorMinus - (21.09 - 20.698)) < 1e-9);
    QVERIFY(std::abs(whiskers->data()->at(1).errorPlus - (21.482 - 21.09)) < 1e-9);

    // One dot per run, in run order, spread over its strip.
    auto* dots = first<QCPCurve>(plot);
    QVERIFY(dots);
    QCOMPARE(dots->dataCount(), 100);
    for (int i = 0; i < 100; ++i) {
        const int row = i / 50;
        const auto dot = dots->data()->at(i);
        QCOMPARE(dot->value, variants[size_t(row)].latency->samplesMs[size_t(i % 50)]);
        QVERIFY(dot->key >= row && dot->key <= row + 0.3);
    }
    QVERIFY(texts(plot).contains("Not measured: static x86, dynamic"));
    QCOMPARE(plot->yAxis->label(), QString("latency per forward (ms)"));
    // Every run and whisker inside the axis, which does not start at zero (and says so).
    QVERIFY(plot->yAxis->range().lower > 12 && plot->yAxis->range().lower < 13.2);
    QVERIFY(plot->yAxis->range().upper > 21.58);
    QVERIFY(texts(plot).at(1).endsWith("the axis does not start at zero"));
}

void TestPlots::latencyTitleSaysWhereItWasMeasured() {
    std::vector<Variant> variants = sampleVariants();
    VariantPlots plots;
    plots.setVariants(variants);
    const QString title = texts(plots.plot(VariantPlots::LatencyChart)).first();
    QCOMPARE(title, QString("Host latency (not phone latency):\n"
                            "Intel(R) Xeon(R) CPU @ 2.20GHz, Lite Interpreter, qnnpack, 1 thread"));
    QVERIFY(texts(plots.plot(VariantPlots::SizeLatencyChart)).join('\n').contains(title));

    // Measured differently: each setting is named with its variants.
    variants[1].latency->environment.threads = 4;
    plots.setVariants(variants);
    const QString mixed = texts(plots.plot(VariantPlots::LatencyChart)).first();
    QVERIFY2(mixed.contains("measured in 2 settings"), qPrintable(mixed));
    QVERIFY(mixed.contains("fp32 optimized: Intel(R) Xeon(R) CPU @ 2.20GHz, Lite Interpreter, qnnpack, 1 thread"));
    QVERIFY(mixed.contains("static qnnpack: Intel(R) Xeon(R) CPU @ 2.20GHz, Lite Interpreter, qnnpack, 4 threads"));
}

void TestPlots::sqnrBarsLowestFirstWithReference() {
    VariantPlots plots;
    plots.setVariants(sampleVariants());
    plots.setSqnrVariant(2);
    QCustomPlot* plot = plots.plot(VariantPlots::SqnrChart);
    QCOMPARE(tickLabels(plot->yAxis), (QStringList{"features.2.conv.1.0", "classifier.1", "features.1.conv.0.0",
                                                   "(top module)", "features.0.0"}));
    QVERIFY(plot->yAxis->rangeReversed());  // lowest at the top
    QCOMPARE(plot->plottableCount(), 2);
    QCPBars* low = barsNamed(plot, "below 20 dB");
    QCPBars* high = barsNamed(plot, "20 dB or more");
    QVERIFY(low && high);
    QCOMPARE(low->keyAxis(), plot->yAxis);  // horizontal bars
    QCOMPARE(low->dataCount(), 3);
    QCOMPARE(high->dataCount(), 2);
    const double lowValues[] = {9.8, 14.6, 18.4}, highValues[] = {24.9, 31.2};
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(low->data()->at(i)->key, double(i));
        QCOMPARE(low->data()->at(i)->value, lowValues[i]);
    }
    for (int i = 0; i < 2; ++i) {
        QCOMPARE(high->data()->at(i)->key, double(i + 3));
        QCOMPARE(high->data()->at(i)->value, highValues[i]);
    }
    auto* line = plot->findChild<QCPItemStraightLine*>("visibleErrorLine");
    QVERIFY(line);
    QCOMPARE(line->point1->coords().x(), 20.0);
    QCOMPARE(line->point2->coords().x(), 20.0);
    QVERIFY(texts(plot).contains(QString::fromUtf8("← below: visible error")));
    QCOMPARE(plot->xAxis->label(), QString("SQNR (dB), higher is better"));
    QVERIFY(texts(plot).first().contains("static qnnpack"));
}

void TestPlots::sqnrVariantDefaultAndChoice() {
    std::vector<Variant> variants = sampleVariants();
    VariantPlots plots;
    plots.setVariants(variants);
    QCOMPARE(plots.sqnrVariant(), 3);  // the latest Ready variant with per-layer figures
    QCOMPARE(tickLabels(plots.plot(VariantPlots::SqnrChart)->yAxis), QStringList{"features.0.0"});

    plots.setSqnrVariant(2);
    plots.setVariants(variants);  // a chosen variant stays
    QCOMPARE(plots.sqnrVariant(), 2);
    QCOMPARE(tickLabels(plots.plot(VariantPlots::SqnrChart)->yAxis).size(), 5);

    plots.setSqnrVariant(1);  // fp32: nothing to plot, and the chart says why
    QCOMPARE(plots.plot(VariantPlots::SqnrChart)->plottableCount(), 0);
    QVERIFY(texts(plots.plot(VariantPlots::SqnrChart)).join('\n').contains("has no per-layer figures"));

    variants.erase(variants.begin());  // the chosen variant is gone: back to the default
    plots.setVariants(variants);
    QCOMPARE(plots.sqnrVariant(), 3);
}

void TestPlots::sqnrOddFigures() {
    // Two ops in one module get the op's name; an exact op (+inf dB) is drawn last, at the right
    // edge; an op without a figure (NaN) is named under the chart instead of breaking the sort.
    std::vector<Variant> variants = sampleVariants();
    variants[1].result->verification.opErrors = {
        op(0, "quantized::conv2d", "aten::conv2d", "layer1.0", 22.0),
        op(1, "quantized::add_relu", "aten::add", "layer1.0", 15.5),
        op(2, "quantized::linear", "aten::linear", "fc", std::numeric_limits<double>::infinity()),
        op(3, "quantized::conv2d", "aten::conv2d", "layer2.0", std::nan("")),
    };
    VariantPlots plots;
    plots.setVariants(variants);
    plots.setSqnrVariant(2);
    QCustomPlot* plot = plots.plot(VariantPlots::SqnrChart);
    QCOMPARE(tickLabels(plot->yAxis),
             (QStringList{QString::fromUtf8("layer1.0 · add_relu"), QString::fromUtf8("layer1.0 · conv2d"), "fc"}));
    QCPBars* high = barsNamed(plot, "20 dB or more");
    QCOMPARE(high->dataCount(), 2);
    QCOMPARE(high->data()->at(1)->value, plot->xAxis->range().upper);
    QVERIFY(texts(plot).contains("Not measured: layer2.0"));
    plot->resize(900, 560);
    plot->replot();
    const QString tip = plots.toolTipAt(VariantPlots::SqnrChart,
                                        {plot->xAxis->coordToPixel(10), plot->yAxis->coordToPixel(2)});
    QVERIFY2(tip.contains("SQNR exact (no quantization noise)"), qPrintable(tip));
}

void TestPlots::clickingAnSqnrBarEmitsItsModule() {
    VariantPlots plots;
    plots.resize(1000, 700);
    plots.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plots));
    plots.findChild<QTabWidget*>()->setCurrentIndex(VariantPlots::SqnrChart);
    plots.setVariants(sampleVariants());
    plots.setSqnrVariant(2);
    QCustomPlot* plot = plots.plot(VariantPlots::SqnrChart);
    plot->replot();
    QSignalSpy clicked(&plots, &VariantPlots::layerClicked);

    // Row 1 is classifier.1 (14.6 dB), row 3 the top module (24.9 dB): click inside each bar.
    const auto center = [plot](double row, double sqnr) {
        return QPoint(int(plot->xAxis->coordToPixel(sqnr / 2)), int(plot->yAxis->coordToPixel(row)));
    };
    QTest::mouseClick(plot, Qt::LeftButton, {}, center(1, 14.6));
    QTest::mouseClick(plot, Qt::LeftButton, {}, center(3, 24.9));
    QCOMPARE(clicked.size(), 2);
    QCOMPARE(clicked.at(0).at(0).toString(), QString("classifier.1"));
    QCOMPARE(clicked.at(1).at(0).toString(), QString(""));
    QVERIFY(plots.toolTipAt(VariantPlots::SqnrChart, center(0, 9.8)).contains("SQNR 9.80 dB"));
}

void TestPlots::sizeVsLatencyPoints() {
    VariantPlots plots;
    plots.setVariants(sampleVariants());
    QCustomPlot* plot = plots.plot(VariantPlots::SizeLatencyChart);
    auto* points = first<QCPCurve>(plot);
    QVERIFY(points);
    QCOMPARE(points->dataCount(), 2);  // the variants with both a size and a latency
    QCOMPARE(points->data()->at(0)->key, kFp32Bytes / kMiB);
    QCOMPARE(points->data()->at(0)->value, 13.69);
    QCOMPARE(points->data()->at(1)->key, kInt8Bytes / kMiB);
    QCOMPARE(points->data()->at(1)->value, 21.09);
    auto* whiskers = first<QCPErrorBars>(plot);
    QVERIFY(whiskers && whiskers->dataPlottable() == points);
    const QStringList shown = texts(plot);
    QVERIFY(shown.contains("fp32 optimized"));
    QVERIFY(shown.contains("static qnnpack"));
    QVERIFY(!shown.contains("static x86"));
    QCOMPARE(plot->xAxis->label(), QString("file size (MiB)"));
    QCOMPARE(plot->yAxis->label(), QString("p50 latency per forward (ms)"));
}

void TestPlots::sizeVsLatencyNamesDoNotOverlap() {
    VariantPlots plots;
    plots.setVariants(busyVariants());  // eight points within 1 MiB and 3 ms of each other
    QCustomPlot* plot = plots.plot(VariantPlots::SizeLatencyChart);
    plot->resize(900, 560);
    plot->replot();
    std::vector<QRectF> names;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)))
            names.emplace_back(text->topLeft->pixelPosition(), text->bottomRight->pixelPosition());
    QCOMPARE(names.size(), size_t(9));
    for (size_t a = 0; a < names.size(); ++a)
        for (size_t b = a + 1; b < names.size(); ++b)
            QVERIFY2(!names[a].intersects(names[b]), qPrintable(QStringLiteral("names %1 and %2 overlap").arg(a).arg(b)));
}

void TestPlots::tooltipsGiveExactFigures() {
    VariantPlots plots;
    plots.resize(1000, 700);
    plots.setVariants(sampleVariants());
    for (int i = 0; i < VariantPlots::chartCount; ++i) {
        plots.plot(i)->resize(900, 560);
        plots.plot(i)->replot();
    }
    QCustomPlot* latency = plots.plot(VariantPlots::LatencyChart);
    const QPointF point(latency->xAxis->coordToPixel(1 - 0.12), latency->yAxis->coordToPixel(21.09));
    const QString barTip = plots.toolTipAt(VariantPlots::LatencyChart, point);
    QVERIFY2(barTip.contains("p50 21.09 ms · p10 20.70 ms · p90 21.48 ms"), qPrintable(barTip));
    QVERIFY(barTip.contains("50 timed runs after 10 warm-up"));
    const auto dot = first<QCPCurve>(latency)->data()->at(50);
    const QString dotTip = plots.toolTipAt(
        VariantPlots::LatencyChart, {latency->xAxis->coordToPixel(dot->key), latency->yAxis->coordToPixel(dot->value)});
    QCOMPARE(dotTip, QString("static qnnpack, run 1 of 50: 20.60 ms"));

    QCustomPlot* sizes = plots.plot(VariantPlots::SizeChart);
    const QString sizeTip = plots.toolTipAt(VariantPlots::SizeChart,
                                            {sizes->xAxis->coordToPixel(2), sizes->yAxis->coordToPixel(0.6)});
    QVERIFY2(sizeTip.startsWith("static qnnpack · classifier.1\n1.22 MiB (1,281,000 bytes)"), qPrintable(sizeTip));
    QVERIFY(sizeTip.contains("whole file: 3.55 MiB (3,720,000 bytes), 0.26× the source"));
    QCOMPARE(plots.toolTipAt(VariantPlots::SizeChart, {2, 2}), QString());  // outside the axis rect
}

void TestPlots::savesPngSvgAndPdf() {
    VariantPlots plots;
    plots.setVariants(sampleVariants());
    QTemporaryDir dir;
    for (int chart = 0; chart < VariantPlots::chartCount; ++chart) {
        for (const char* suffix : {"png", "svg", "pdf"}) {
            const QString path = dir.filePath(QStringLiteral("chart%1.%2").arg(chart).arg(suffix));
            QString error;
            QVERIFY2(plots.savePlot(chart, path, &error), qPrintable(error));
            QVERIFY(QFileInfo(path).size() > 1000);
        }
        QCOMPARE(head(dir.filePath(QStringLiteral("chart%1.png").arg(chart)), 8), QByteArray("\x89PNG\r\n\x1a\n"));
        QVERIFY(head(dir.filePath(QStringLiteral("chart%1.svg").arg(chart)), 400).contains("<svg"));
        QCOMPARE(head(dir.filePath(QStringLiteral("chart%1.pdf").arg(chart)), 5), QByteArray("%PDF-"));
    }
    QImage png(dir.filePath("chart0.png"));
    QCOMPARE(png.size(), QSize(1920, 1200));  // a never-shown chart at slide size, 2x
}

void TestPlots::refusesUnsupportedFormats() {
    VariantPlots plots;
    plots.setVariants(sampleVariants());
    QTemporaryDir dir;
    QString error;
    QVERIFY(!plots.savePlot(0, dir.filePath("sizes.bmp"), &error));
    QCOMPARE(error, QString::fromUtf8("Cannot save “%1”: .bmp is not a supported format; use .png, .svg or .pdf.")
                        .arg(dir.filePath("sizes.bmp")));
    QVERIFY(!QFile::exists(dir.filePath("sizes.bmp")));
    QVERIFY(!plots.savePlot(0, dir.filePath("sizes"), &error));
    QVERIFY(error.contains("has no suffix"));
    QVERIFY(!plots.savePlot(7, dir.filePath("sizes.png"), &error));
    QVERIFY(error.contains("no chart 7"));
    QVERIFY(!plots.savePlot(0, dir.filePath("missing/sizes.png"), &error));
    QVERIFY(error.startsWith(QString::fromUtf8("Could not write “")));
}

void TestPlots::filterSuffixIsAppended() {
    QCOMPARE(VariantPlots::withFilterSuffix("/tmp/sizes", "SVG image (*.svg)"), QString("/tmp/sizes.svg"));
    QCOMPARE(VariantPlots::withFilterSuffix("/tmp/sizes", "PDF document (*.pdf)"), QString("/tmp/sizes.pdf"));
    QCOMPARE(VariantPlots::withFilterSuffix("/tmp/sizes.png", "SVG image (*.svg)"), QString("/tmp/sizes.png"));
    QCOMPARE(VariantPlots::withFilterSuffix("", "SVG image (*.svg)"), QString());
}

void TestPlots::followsADarkPalette() {
    VariantPlots plots;
    plots.setVariants(sampleVariants());
    plots.setPalette(darkPalette());
    const QColor text = darkPalette().color(QPalette::Text);
    for (int i = 0; i < VariantPlots::chartCount; ++i) {
        QCustomPlot* plot = plots.plot(i);
        QCOMPARE(plot->xAxis->labelColor(), text);
        QCOMPARE(plot->yAxis->tickLabelColor(), text);
        for (int item = 0; item < plot->itemCount(); ++item)
            if (auto* label = qobject_cast<QCPItemText*>(plot->item(item))) QCOMPARE(label->color(), text);
    }
    QCOMPARE(plots.plot(VariantPlots::SizeChart)->legend->textColor(), text);
}

void TestPlots::noVariantsShowsMessages() {
    VariantPlots plots;
    plots.setVariants({});
    for (int i = 0; i < VariantPlots::chartCount; ++i) {
        QCOMPARE(plots.plot(i)->plottableCount(), 0);
        QVERIFY(texts(plots.plot(i)).join('\n').contains("yet"));
        QVERIFY(!plots.plot(i)->xAxis->visible() && !plots.plot(i)->yAxis->visible());  // no empty 0-1 axes
    }
    QCOMPARE(plots.sqnrVariant(), -1);
    QVERIFY(!plots.plot(VariantPlots::SizeChart)->legend->visible());
    plots.setVariants(sampleVariants());
    QVERIFY(plots.plot(VariantPlots::SizeChart)->xAxis->visible() && plots.plot(VariantPlots::SizeChart)->yAxis->visible());
}

// Not a check: writes every chart in every format for a person to look at, when asked to.
void TestPlots::snapshots() {
    const QString directory = qEnvironmentVariable("PTL_PLOT_SNAPSHOTS");
    if (directory.isEmpty()) QSKIP("set PTL_PLOT_SNAPSHOTS to a folder to write the charts as files to look at");
    QDir().mkpath(directory);
    std::vector<Variant> variants = sampleVariants();
    VariantPlots plots;
    plots.resize(1000, 640);
    plots.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plots));
    plots.setVariants(variants);
    plots.setSqnrVariant(2);
    static const char* names[] = {"size", "latency", "sqnr", "size-latency"};
    const auto save = [&](const QString& suffix) {
        for (int i = 0; i < VariantPlots::chartCount; ++i) {
            plots.findChild<QTabWidget*>()->setCurrentIndex(i);
            QCoreApplication::processEvents();
            QString error;
            for (const char* format : {"png", "svg", "pdf"})
                QVERIFY2(plots.savePlot(i, QStringLiteral("%1/%2-%3.%4").arg(directory, names[i], suffix, format), &error),
                         qPrintable(error));
        }
    };
    save("light");
    plots.setPalette(darkPalette());
    save("dark");
    plots.setPalette(QPalette());
    plots.setVariants(busyVariants());
    plots.setSqnrVariant(11);
    save("busy");
    plots.findChild<QTabWidget*>()->setCurrentIndex(VariantPlots::SqnrChart);
    QVERIFY(plots.grab().save(directory + QStringLiteral("/widget-sqnr.png")));  // tabs, variant choice, Save as…
}

QTEST_MAIN(TestPlots)
#include "tst_plots.moc"
