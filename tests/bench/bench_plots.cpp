// Variant charts benchmark: the time to set 10 variants and replot all four charts, as the window
// does after each conversion or measurement. Each variant is MobileNetV2-sized: 60 modules with
// weights, 50 timed runs and 52 quantized layers with SQNR figures. Prints median and max (ms).
// Usage: QT_QPA_PLATFORM=offscreen bench_plots [ROUNDS]
#include "plots/qcustomplot.h"
#include "plots/variant_plots.h"

#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

using namespace ptl;
using namespace ptl::ui;

namespace {

std::map<std::string, int64_t> weights(int64_t scale) {
    std::map<std::string, int64_t> modules;
    for (int i = 0; i < 60; ++i) modules["features." + std::to_string(i) + ".conv.0"] = (40'000 + 7'919 * i) * 4 / scale;
    modules["classifier.1"] = 5'124'000 / scale;
    return modules;
}

Variant makeVariant(int id) {
    const bool quantized = id % 2 == 0;
    Variant variant;
    variant.id = id;
    variant.name = QStringLiteral("%1 variant %2").arg(quantized ? "static int8" : "fp32").arg(id);
    variant.state = Variant::State::Ready;
    ConvertResult result;
    result.sizes = {{"source", 14'200'000, weights(1)},
                    {"exported", quantized ? 3'720'000 + id * 1000 : 14'050'000, weights(quantized ? 4 : 1)}};
    for (int layer = 0; quantized && layer < 52; ++layer)
        result.verification.opErrors.push_back(
            {layer, "quantized::conv2d", "aten::conv2d", "features." + std::to_string(layer) + ".conv.0",
             12.0 + (layer * 7 % 29)});
    variant.result = result;
    BenchResult bench;
    bench.environment = {"Intel(R) Xeon(R) CPU @ 2.20GHz", "Lite Interpreter", "qnnpack", 1, "1.13.0"};
    for (int run = 0; run < 50; ++run) bench.samplesMs.push_back((quantized ? 21.0 : 13.9) + 0.02 * ((run * 37) % 50));
    bench.p50 = quantized ? 21.5 : 14.4;
    bench.p90 = bench.p50 + 0.4;
    variant.latency = bench;
    return variant;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 30;
    std::vector<Variant> variants;
    for (int id = 1; id <= 10; ++id) variants.push_back(makeVariant(id));

    VariantPlots plots;
    plots.resize(1200, 800);
    plots.show();
    QCoreApplication::processEvents();
    std::vector<double> times;
    double first = 0;
    for (int round = 0; round < rounds + 1; ++round) {
        QElapsedTimer timer;
        timer.start();
        plots.setVariants(variants);
        for (int chart = 0; chart < VariantPlots::chartCount; ++chart)
            plots.plot(chart)->replot(QCustomPlot::rpImmediateRefresh);
        const double ms = timer.nsecsElapsed() / 1e6;
        if (round > 0)
            times.push_back(ms);
        else
            first = ms;  // the first round pays for font and glyph caches: reported apart
        QCoreApplication::processEvents();
    }
    std::sort(times.begin(), times.end());
    std::printf("setVariants + replot of 4 charts, 10 variants, %d rounds: median %.1f ms, max %.1f ms (target <= 50 ms); "
                "first %.1f ms\n",
                rounds, times[times.size() / 2], times.back(), first);
    return 0;
}
