// convert and bench on real fixtures: every option path, exported files verified in the Lite
// Interpreter, bad destinations leave nothing behind, the input is never overwritten.
#include "ptl/convert.h"
#include "ptl/errors.h"
#include "ptl/inspect.h"

#include <QtTest>

#include <sys/stat.h>

#include <algorithm>

namespace {

std::string fixture(const char* name) { return std::string(PTL_FIXTURES_DIR "/") + name; }

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

class ConvertTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir directory_;
    std::string out(const char* name) const { return directory_.filePath(QString::fromLatin1(name)).toStdString(); }

private Q_SLOTS:
    void optimizesExportsAndVerifies() {
        ptl::ConvertOptions options;
        options.output = out("clean.ptl");
        options.opsYaml = out("clean.yaml");
        const ptl::ConvertResult result = ptl::convertModel(fixture("clean_conv.pt"), options);
        QVERIFY(result.verification.compared);
        QVERIFY(result.verification.maxAbsDiff <= result.verification.tolerance);
        QCOMPARE(result.optimizations.size(), ptl::optimizationNames().size());
        QVERIFY(contains(result.operators, "prepacked::conv2d_clamp_run"));
        QVERIFY(result.outputBytes > 0);
        QCOMPARE(int64_t(QFileInfo(QString::fromStdString(options.output)).size()), result.outputBytes);

        // The written file is a Lite model that runs and agrees with its source.
        const ptl::Report exported = ptl::inspectModel(options.output);
        QCOMPARE(exported.format, std::string("lite"));
        QVERIFY(exported.roundTrip.reloaded);
        QFile yaml(QString::fromStdString(options.opsYaml));
        QVERIFY(yaml.open(QIODevice::ReadOnly));
        QVERIFY(yaml.readAll().contains("- prepacked::conv2d_clamp_run"));
    }

    void optionPaths() {
        ptl::ConvertOptions plain;
        plain.output = out("plain.ptl");
        plain.optimize = false;
        const ptl::ConvertResult unoptimized = ptl::convertModel(fixture("clean_conv.pt"), plain);
        QVERIFY(unoptimized.optimizations.empty());
        QVERIFY(unoptimized.opChanges.empty());
        QVERIFY(contains(unoptimized.operators, "aten::conv2d"));

        ptl::ConvertOptions skip;
        skip.output = out("skip.ptl");
        skip.skipOptimizations = {"insert-fold-prepack-ops"};
        const ptl::ConvertResult skipped = ptl::convertModel(fixture("clean_conv.pt"), skip);
        QVERIFY(!contains(skipped.optimizations, "insert-fold-prepack-ops"));
        QVERIFY(!contains(skipped.operators, "prepacked::conv2d_clamp_run"));

        ptl::ConvertOptions backport;
        backport.output = out("v7.ptl");
        backport.bytecodeVersion = 7;
        QCOMPARE(ptl::convertModel(fixture("clean_conv.pt"), backport).bytecodeVersion, int64_t(7));

        ptl::ConvertOptions text;
        text.output = out("text.ptl");
        const ptl::ConvertResult classifier = ptl::convertModel(fixture("text_classifier.pt"), text);
        QVERIFY(classifier.verification.compared);

        ptl::ConvertOptions unknown;
        unknown.output = out("unknown.ptl");
        unknown.skipOptimizations = {"make-it-fast"};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::convertModel(fixture("clean_conv.pt"), unknown));
    }

    void dynamicQuantization() {
        ptl::ConvertOptions options;
        options.output = out("text_int8.ptl");
        options.quantize = ptl::Quantization::Dynamic;
        const ptl::ConvertResult result = ptl::convertModel(fixture("text_classifier.pt"), options);
        QCOMPARE(result.quantization, std::string("dynamic"));
        QVERIFY(contains(result.operators, "quantized::linear_dynamic"));
        QVERIFY(contains(result.operators, "quantized::embedding_bag_byte_rowwise_offsets"));
        QVERIFY(!contains(result.operators, "aten::embedding"));
        QVERIFY(result.verification.compared);
        QVERIFY(result.verification.maxAbsDiff <= result.verification.tolerance);
        QVERIFY(result.outputBytes < result.inputBytes);
        // The quantized file is an ordinary Lite model: it loads, runs and reports its int8 layers.
        const ptl::Report exported = ptl::inspectModel(options.output);
        QVERIFY(exported.roundTrip.reloaded);

        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::parseQuantization("static-magic"));
    }

    void recurrentLayersQuantizeDynamically() {
        ptl::ConvertOptions options;
        options.output = out("rnn_int8.ptl");
        options.quantize = ptl::Quantization::Dynamic;
        const ptl::ConvertResult result = ptl::convertModel(fixture("rnn_classifier.pt"), options);
        QVERIFY(contains(result.operators, "aten::quantized_lstm.input"));
        QVERIFY(contains(result.operators, "aten::quantized_gru.input"));
        QVERIFY(!contains(result.operators, "aten::lstm.input"));
        QVERIFY(result.verification.compared);
        QVERIFY(result.verification.maxAbsDiff <= result.verification.tolerance);
        QVERIFY(result.verification.quantizationCosine > 0.999);
        // The LSTM, the GRU and the classifier, matched to their float ops in execution order.
        QCOMPARE(result.verification.opErrors.size(), size_t(3));
        QCOMPARE(result.verification.opErrors[0].module, std::string("lstm"));
        QCOMPARE(result.verification.opErrors[1].op, std::string("aten::quantized_gru"));
        for (const ptl::OpError& error : result.verification.opErrors) QVERIFY2(error.sqnrDb > 30, error.module.c_str());
        QVERIFY(result.outputBytes < result.inputBytes / 2);
        for (const ptl::VariantSize& size : result.sizes) QVERIFY2(!size.moduleBytes.empty(), size.variant.c_str());
        QVERIFY(result.sizes.front().moduleBytes.at("lstm") > 3 * result.sizes.back().moduleBytes.at("lstm"));
        // The int8 cell parameters survive the Lite format: the file reloads and runs on its own.
        ptl::InspectOptions inspect;
        inspect.inputSpecs = {"2x20:int64"};
        QVERIFY(ptl::inspectModel(options.output, inspect).roundTrip.reloaded);
    }

    void relu6NetworksKeepTheirAccuracy() {
        // Conv, batch norm, ReLU6: qnnpack's clamp misreads the convolutions' channels-last
        // outputs; PyTorch's quantize_jit output of this model is at chance level (expected.json).
        ptl::ConvertOptions options;
        options.output = out("relu6_int8.ptl");
        options.quantize = ptl::Quantization::Static;
        options.calibration = ptl::parseCalibrationSource(fixture("digits_calibration.pt"));
        const ptl::ConvertResult result = ptl::convertModel(fixture("digits_relu6.pt"), options);
        QVERIFY(result.verification.top1Agreement > 0.95);
        QCOMPARE(result.verification.opErrors.size(), size_t(3));
        for (const ptl::OpError& error : result.verification.opErrors) QVERIFY2(error.sqnrDb > 25, error.module.c_str());
        QCOMPARE(result.warnings.size(), size_t(1));
        QVERIFY(result.warnings.front().find("2 quantized ReLU6") == 0);
        QVERIFY(!contains(result.operators, "aten::hardtanh_"));
        QCOMPARE(result.verification.opErrors.front().module, std::string("blocks.0.0"));
        // Weights by module in every variant: the folded batch norms are gone, int8 is a quarter.
        QCOMPARE(result.sizes.front().variant, std::string("source"));
        QCOMPARE(result.sizes.back().variant, std::string("exported"));
        const auto& source = result.sizes.front().moduleBytes;
        const auto& exported = result.sizes.back().moduleBytes;
        QVERIFY(source.count("blocks.0.1") && !exported.count("blocks.0.1"));
        QCOMPARE(source.at("fc"), int64_t((512 * 10 + 10) * 4));
        QVERIFY(exported.at("fc") < source.at("fc") / 3);
    }

    void staticQuantization() {
        ptl::ConvertOptions qnnpack;
        qnnpack.output = out("conv_int8.ptl");
        qnnpack.quantize = ptl::Quantization::Static;
        qnnpack.calibration = ptl::parseCalibrationSource("random:4");
        const ptl::ConvertResult phone = ptl::convertModel(fixture("clean_conv.pt"), qnnpack);
        QCOMPARE(phone.quantization, std::string("static"));
        QCOMPARE(phone.calibrationBatches, 4);
        QVERIFY(phone.warnings.empty());
        QVERIFY(std::any_of(phone.operators.begin(), phone.operators.end(),
                            [](const std::string& op) { return op.rfind("quantized::conv2d", 0) == 0; }));
        QVERIFY(phone.verification.compared);
        QVERIFY(phone.verification.quantizationCosine > 0.99);
        QVERIFY(phone.outputBytes < phone.inputBytes);

        ptl::ConvertOptions x86 = qnnpack;
        x86.output = out("conv_x86.ptl");
        x86.backend = ptl::QuantizedBackend::X86;
        const ptl::ConvertResult laptop = ptl::convertModel(fixture("clean_conv.pt"), x86);
        QCOMPARE(laptop.backend, std::string("x86"));
        QCOMPARE(laptop.warnings.size(), size_t(1));

        // Inspecting the exported files (weights frozen into graph constants) tells the two apart.
        auto x86Findings = [](const std::string& path) {
            ptl::InspectOptions inspect;
            inspect.inputSpecs = {"1x3x16x16:float"};
            const ptl::Report report = ptl::inspectModel(path, inspect);
            return std::count_if(report.findings.begin(), report.findings.end(),
                                 [](const ptl::Finding& finding) { return finding.category == "quant.x86-settings"; });
        };
        QVERIFY(x86Findings(x86.output) >= 1);
        QCOMPARE(x86Findings(qnnpack.output), 0L);
        QCOMPARE(ptl::inspectModel(x86.output, {{"1x3x16x16:float"}, true}).quantizedLayers.size(), size_t(3));

        // Real calibration data: digits saved with torch.save by the fixture script.
        ptl::ConvertOptions saved;
        saved.output = out("digits_int8.ptl");
        saved.quantize = ptl::Quantization::Static;
        saved.calibration = ptl::parseCalibrationSource(fixture("digits_calibration.pt"));
        const ptl::ConvertResult digits = ptl::convertModel(fixture("digits_cnn.pt"), saved);
        QCOMPARE(digits.calibrationBatches, 128);
        QVERIFY(digits.verification.compared);
        QVERIFY(digits.verification.top1Agreement > 0.95);  // on the calibration images, against fp32
        QCOMPARE(digits.verification.opErrors.size(), size_t(3));  // conv1, conv2, fc
        for (const ptl::OpError& error : digits.verification.opErrors) QVERIFY2(error.sqnrDb > 20, error.module.c_str());
        QCOMPARE(digits.verification.opErrors.front().module, std::string("conv1"));

        // Keep in float: the named module stays a float convolution, the others are quantized and
        // still matched layer by layer.
        auto quantizedConvs = [](const ptl::ConvertResult& result) {
            int64_t count = 0;
            for (const ptl::OpCountChange& change : result.opChanges)
                if (change.op.rfind("quantized::conv2d", 0) == 0) count += change.after;
            return count;
        };
        ptl::ConvertOptions keep = saved;
        keep.output = out("digits_keep_conv2.ptl");
        keep.keepFloat = {"conv2"};
        const ptl::ConvertResult kept = ptl::convertModel(fixture("digits_cnn.pt"), keep);
        QCOMPARE(kept.keptFloat, std::vector<std::string>{"conv2"});
        QCOMPARE(quantizedConvs(digits), int64_t(2));
        QCOMPARE(quantizedConvs(kept), int64_t(1));
        QCOMPARE(kept.verification.opErrors.size(), size_t(2));  // conv1, fc
        QCOMPARE(kept.verification.opErrors.back().module, std::string("fc"));
        QVERIFY(kept.verification.top1Agreement > 0.95);
        keep.keepFloat = {"conv9"};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::convertModel(fixture("digits_cnn.pt"), keep));
        keep.quantize = ptl::Quantization::Dynamic;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::checkConvertOptions(fixture("digits_cnn.pt"), keep));

        ptl::ConvertOptions histogram = saved;
        histogram.output = out("digits_histogram.ptl");
        histogram.observer = ptl::ActivationObserver::Histogram;
        const ptl::ConvertResult searched = ptl::convertModel(fixture("digits_cnn.pt"), histogram);
        QCOMPARE(searched.observer, std::string("histogram"));
        QVERIFY(searched.verification.top1Agreement > 0.95);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::parseObserver("percentile"));

        // An image folder, prepared as the app would (here 8x8 grayscale, no normalization).
        ptl::ConvertOptions folder = saved;
        folder.output = out("digits_images.ptl");
        folder.calibration = ptl::parseCalibrationSource(fixture("digits_images"));
        folder.mean = {0, 0, 0};
        folder.std = {1, 1, 1};
        QCOMPARE(ptl::convertModel(fixture("digits_cnn.pt"), folder).calibrationBatches, 16);
        ptl::ConvertOptions broken = folder;
        broken.output = out("digits_broken.ptl");
        broken.calibration = ptl::parseCalibrationSource(fixture("bad/broken_images"));
        try {
            ptl::convertModel(fixture("digits_cnn.pt"), broken);
            QFAIL("calibrated on an image that does not decode");
        } catch (const std::invalid_argument& error) {
            QVERIFY(QString::fromUtf8(error.what()).contains(QLatin1String("not_really.png")));
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(broken.output)));
        QTemporaryDir empty;
        broken.calibration = ptl::parseCalibrationSource(empty.path().toStdString());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::convertModel(fixture("digits_cnn.pt"), broken));

        // A model the passes cannot quantize: the error names the construct and its source line.
        ptl::ConvertOptions branchy = qnnpack;
        branchy.output = out("branch_int8.ptl");
        branchy.calibration = ptl::parseCalibrationSource("random:2");
        try {
            ptl::convertModel(fixture("value_branch.pt"), branchy);
            QFAIL("quantized a model whose if-branches are observed inconsistently");
        } catch (const ptl::ConversionError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.contains(QLatin1String("value_branch.pt: static quantization failed")), error.what());
            QVERIFY2(message.contains(QLatin1String("prim::If")) && message.contains(QLatin1String("make_fixtures.py:")),
                     error.what());
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(branchy.output)));

        ptl::ConvertOptions notTensors = saved;
        notTensors.output = out("digits_bad.ptl");
        notTensors.calibration = ptl::parseCalibrationSource(fixture("bad/text.ptl"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::convertModel(fixture("digits_cnn.pt"), notTensors));

        ptl::ConvertOptions images = qnnpack;
        images.output = out("conv_images.ptl");
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, images.calibration = ptl::parseCalibrationSource("images/"));
        QVERIFY(!QFileInfo::exists(QString::fromStdString(images.output)));
    }

    void neverOverwritesTheInput() {
        const std::string copy = out("input.pt");
        QVERIFY(QFile::copy(QString::fromStdString(fixture("clean_conv.pt")), QString::fromStdString(copy)));
        const qint64 size = QFileInfo(QString::fromStdString(copy)).size();
        ptl::ConvertOptions options;
        options.output = copy;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::convertModel(copy, options));
        QCOMPARE(QFileInfo(QString::fromStdString(copy)).size(), size);
    }

    void badDestinationsLeaveNothing() {
        ptl::ConvertOptions missingFolder;
        missingFolder.output = out("no/such/folder/model.ptl");
        // Refused with the options, before minutes of converting, not when the file is written.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::checkConvertOptions(fixture("clean_conv.pt"), missingFolder));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::convertModel(fixture("clean_conv.pt"), missingFolder));

        // A device is never replaced, even by root.
        ptl::ConvertOptions device;
        device.output = "/dev/full";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::convertModel(fixture("clean_conv.pt"), device));
        struct stat info {};
        QVERIFY(stat("/dev/full", &info) == 0 && S_ISCHR(info.st_mode));

        // A model the Lite Interpreter rejects: an error naming the construct, no file written.
        ptl::ConvertOptions rejected;
        rejected.output = out("rejected.ptl");
        try {
            ptl::convertModel(fixture("lite_unsupported.pt"), rejected);
            QFAIL("converted a model the Lite Interpreter rejects");
        } catch (const ptl::ConversionError& error) {
            QVERIFY(QString::fromUtf8(error.what()).contains(QLatin1String("ENTER is not supported")));
        }
        QVERIFY(!QFileInfo::exists(QString::fromStdString(rejected.output)));
        const QStringList leftovers = QDir(directory_.path()).entryList({QStringLiteral(".*tmp*")}, QDir::Hidden | QDir::Files);
        QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(QLatin1Char(' '))));

        QVERIFY_THROWS_EXCEPTION(ptl::ModelError, ptl::convertModel(fixture("bad/empty.pt"), rejected));
    }

    void benchReportsWhereItMeasured() {
        ptl::ConvertOptions options;
        options.output = out("bench.ptl");
        ptl::convertModel(fixture("clean_conv.pt"), options);

        ptl::BenchOptions bench;
        bench.iterations = 12;
        bench.warmup = 2;
        const ptl::BenchResult lite = ptl::benchModel(options.output, bench);
        QCOMPARE(lite.samplesMs.size(), size_t(12));
        QCOMPARE(lite.environment.engine, std::string("Lite Interpreter"));
        QVERIFY(!lite.environment.cpu.empty());
        QVERIFY(lite.min <= lite.p50 && lite.p50 <= lite.p90 && lite.p90 <= lite.max);
        QVERIFY(lite.p50 > 0);

        const ptl::BenchResult full = ptl::benchModel(fixture("clean_conv.pt"), bench);
        QCOMPARE(full.environment.engine, std::string("full JIT"));
        QCOMPARE(full.inputs.front().shape, (std::vector<int64_t>{1, 3, 16, 16}));

        // A bytecode-only file needs --input; with it, it runs.
        bench.inputSpecs = {"1x3x16x16:float"};
        QCOMPARE(ptl::benchModel(fixture("clean_conv_flatbuffer.ptl"), bench).samplesMs.size(), size_t(12));
        bench.threads = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ptl::benchModel(fixture("clean_conv.pt"), bench));
    }
};

QTEST_GUILESS_MAIN(ConvertTest)
#include "tst_convert.moc"
