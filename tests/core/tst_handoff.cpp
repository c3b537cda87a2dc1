// The handoff room on real fixtures: Android code against golden files, the C++ core of the iOS
// wrapper compiled with the project's compiler and run against LibTorch on the fixture it was
// generated for, the SHA-256 digests, and the review report's sections from real conversions.
#include "ptl/bench.h"
#include "ptl/convert.h"
#include "ptl/handoff.h"
#include "ptl/inspect.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QtTest>

namespace {

std::string fixture(const char* name) { return std::string(PTL_FIXTURES_DIR "/") + name; }

QString readText(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

const ptl::CodeSnippet& snippet(const std::vector<ptl::CodeSnippet>& snippets, const std::string& id) {
    for (const ptl::CodeSnippet& candidate : snippets)
        if (candidate.id == id) return candidate;
    throw std::runtime_error("no snippet " + id);
}

// The Android snippets of one fixture as the golden file holds them (Gradle, then Kotlin).
QString androidCode(const char* fixtureName) {
    const ptl::Report report = ptl::inspectModel(fixture(fixtureName));
    ptl::IntegrationSettings settings;
    settings.assetName = QFileInfo(QString::fromLatin1(fixtureName)).completeBaseName().toStdString() + ".ptl";
    const auto snippets = ptl::integrationSnippets(report, settings);
    return QString::fromStdString(snippet(snippets, "android-gradle").code + "\n" + snippet(snippets, "android-kotlin").code);
}

// Arguments for compiling against LibTorch, one per line, written by CMake.
QStringList torchCompileArguments() {
    QStringList arguments = readText(QStringLiteral(PTL_TORCH_FLAGS_FILE)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return arguments;
}

}  // namespace

class HandoffTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void kotlinMatchesGoldenFiles_data() {
        QTest::addColumn<QString>("fixtureName");
        QTest::newRow("image") << QStringLiteral("clean_conv.pt");
        QTest::newRow("token ids") << QStringLiteral("text_classifier.pt");
        QTest::newRow("plain floats") << QStringLiteral("digits_cnn.pt");
    }

    void kotlinMatchesGoldenFiles() {
        QFETCH(QString, fixtureName);
        const QString code = androidCode(fixtureName.toUtf8().constData());
        const QString golden = QStringLiteral(PTL_GOLDEN_DIR "/integration/%1.kt").arg(fixtureName.section('.', 0, 0));
        if (qEnvironmentVariableIsSet("PTL_UPDATE_GOLDEN")) {
            QFile file(golden);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(code.toUtf8());
        }
        QCOMPARE(code, readText(golden));
    }

    void androidCodeFitsTheModel() {
        const QString image = androidCode("clean_conv.pt");
        QVERIFY(image.contains("org.pytorch:pytorch_android_lite:1.13.1"));
        QVERIFY(image.contains("org.pytorch:pytorch_android_torchvision_lite:1.13.1"));
        QVERIFY(image.contains("LiteModuleLoader.load(assetFilePath(context, \"clean_conv.ptl\"))"));
        QVERIFY(image.contains("TensorImageUtils.bitmapToFloat32Tensor("));
        QVERIFY(image.contains("floatArrayOf(0.485f, 0.456f, 0.406f)"));
        QVERIFY(image.contains("withContext(Dispatchers.Default)"));
        const QString tokens = androidCode("text_classifier.pt");
        QVERIFY(tokens.contains("Tensor.fromBlob("));
        QVERIFY(tokens.contains("longArrayOf(1, 128)"));  // inferred from the embedding
        QVERIFY(!tokens.contains("TensorImageUtils.bitmapToFloat32Tensor"));
    }

    void bytecodeVersionPicksTheRuntime() {
        QCOMPARE(ptl::mobileRuntimeFor(8).firstRelease, std::string("1.11.0"));
        QCOMPARE(ptl::mobileRuntimeFor(7).firstRelease, std::string("1.10.0"));
        QCOMPARE(ptl::mobileRuntimeFor(5).firstRelease, std::string("1.9.0"));
        QCOMPARE(ptl::mobileRuntimeFor(8).recommended, std::string("1.13.1"));
    }

    // The iOS wrapper's C++ core, with a main() standing in for the pixel-buffer glue, built by
    // the project's compiler against LibTorch and run on the .ptl it was generated for.
    void iosCoreCompilesAndRuns() {
        const std::string model = fixture("clean_conv.ptl");
        ptl::InspectOptions options;
        options.inputSpecs = {"1x3x16x16:float"};  // the size the app feeds
        const ptl::Report report = ptl::inspectModel(model, options);
        QVERIFY2(!report.inputs.empty() && report.inputs.front().shape == std::vector<int64_t>({1, 3, 16, 16}),
                 "the fixture's input is 1x3x16x16");
        const std::string core = ptl::iosCppCore(report, {});
        const auto snippets = ptl::integrationSnippets(report, {});
        QVERIFY(snippet(snippets, "ios-wrapper").code.find(core) != std::string::npos);  // embedded verbatim
        QVERIFY(snippet(snippets, "ios-podfile").code.find("pod 'LibTorch-Lite', '~> 1.13.0'") != std::string::npos);
        QVERIFY(snippet(snippets, "ios-swift").code.find("DispatchQueue.global(") != std::string::npos);

        QTemporaryDir directory;
        const QString source = directory.filePath("runner.cpp"), binary = directory.filePath("runner");
        QFile file(source);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray::fromStdString(core));
        file.write(R"cpp(
#include <cstdio>
int main(int argc, char** argv) {
    if (argc != 2) return 2;
    std::vector<uint8_t> bgra(size_t(16) * 16 * 4);
    for (size_t i = 0; i < bgra.size(); ++i) bgra[i] = uint8_t(i * 37 % 251);
    ptl_generated::CleanConvRunner runner(argv[1]);
    std::vector<float> pixels = ptl_generated::CleanConvRunner::normalizedPixels(bgra.data(), 16 * 4, 16, 16);
    const std::vector<float> output = runner.forward(pixels);
    std::printf("%zu", output.size());
    return 0;
}
)cpp");
        file.close();

        QProcess compiler;
        QStringList arguments{"-std=c++17", "-O0", "-w", source, "-o", binary};
        arguments += torchCompileArguments();
        compiler.start(QStringLiteral(PTL_CXX_COMPILER), arguments);
        QVERIFY(compiler.waitForFinished(240000));
        QVERIFY2(compiler.exitCode() == 0, compiler.readAllStandardError().left(4000).constData());

        QProcess run;
        run.start(binary, {QString::fromStdString(model)});
        QVERIFY(run.waitForFinished(60000));
        QVERIFY2(run.exitCode() == 0, run.readAllStandardError().constData());
        // clean_conv ends in a Linear layer with 10 outputs: one row of 10 scores.
        QCOMPARE(run.readAllStandardOutput(), QByteArray("10"));
    }

    void digestsMatchAnIndependentSha256() {
        QCOMPARE(ptl::sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        const std::string path = fixture("clean_conv.pt");
        QFile file(QString::fromStdString(path));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray expected = QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
        const ptl::FileDigest digest = ptl::digestPath("model", path);
        QCOMPARE(QByteArray::fromStdString(digest.sha256), expected);
        QCOMPARE(digest.bytes, int64_t(file.size()));
        QVERIFY(!ptl::digestPath("model", fixture("no_such_file.pt")).problem.empty());
        const ptl::FileDigest folder = ptl::digestPath("calibration data", fixture("digits_images"));
        QVERIFY(folder.problem.empty() && folder.sha256.size() == 64 && folder.bytes > 0);
    }

    // A blocked model's report leads with why; a clean one's with the variant it rests on.
    void reportLeadsWithTheVerdict() {
        ptl::ReviewInput blocked;
        blocked.report = ptl::inspectModel(fixture("full_jit_only.pt"));
        const ptl::Verdict no = ptl::reviewVerdict(blocked);
        QVERIFY(!no.ships);
        QVERIFY(!no.blocking.empty());
        const QString blockedHtml = QString::fromStdString(ptl::reviewReportHtml(blocked));
        QVERIFY(blockedHtml.contains("Does not ship on the Lite Interpreter"));
        QVERIFY(blockedHtml.indexOf("id=\"verdict\"") < blockedHtml.indexOf("id=\"summary\""));

        QTemporaryDir directory;
        ptl::ReviewInput clean;
        clean.report = ptl::inspectModel(fixture("digits_cnn.pt"));
        ptl::ReviewVariant variant;
        variant.name = "static qnnpack";
        variant.options.output = directory.filePath("digits.ptl").toStdString();
        variant.options.quantize = ptl::Quantization::Static;
        variant.options.calibration.batches = 2;
        variant.result = ptl::convertModel(fixture("digits_cnn.pt"), variant.options);
        ptl::BenchOptions bench;
        bench.lite = true;
        bench.iterations = 3;
        bench.warmup = 1;
        variant.latency = ptl::benchModel(variant.options.output, bench);
        clean.variants.push_back(variant);
        clean.digests.push_back(ptl::digestPath("model", fixture("digits_cnn.pt")));
        const ptl::Verdict yes = ptl::reviewVerdict(clean);
        QVERIFY2(yes.ships, yes.summary.c_str());
        QCOMPARE(yes.verifiedVariant, 0);

        const QString html = QString::fromStdString(ptl::reviewReportHtml(clean));
        for (const char* section : {"verdict", "summary", "findings", "variants", "integration", "reproducibility"})
            QVERIFY2(html.contains(QStringLiteral("<section id=\"%1\">").arg(section)), section);
        QVERIFY(html.contains("Ships on the Lite Interpreter"));
        QVERIFY(html.contains("<svg class=\"sqnr\""));                       // the per-layer SQNR plot
        QVERIFY(html.contains("<li>quantized::conv2d"));                     // the op list
        QVERIFY(html.contains("LibTorch 1.13"));                             // where latency was measured
        QVERIFY(html.contains(QString::fromStdString(clean.digests.front().sha256)));
        QVERIFY(!html.contains("src=") && !html.contains("href=") && !html.contains("url("));  // nothing fetched
        QVERIFY(html.contains("Lowest SQNR: <code>"));                      // the worst layers by name, for print
    }

    // The shape sweep reads at a glance: a shape that fails names the line that raised; a small
    // forward lists its ifs, a big one counts them; a traced file's call stack leaves PyTorch out.
    void sweepAndSourcesStayReadable() {
        ptl::InspectOptions sweep;
        sweep.sweep = true;
        sweep.sweepSpec = "batch=1,2,4";
        ptl::ReviewInput traced;
        traced.report = ptl::inspectModel(fixture("batch_baked_traced.pt"), sweep);
        const QString tracedHtml = QString::fromStdString(ptl::reviewReportHtml(traced));
        const QString tracedSweep = tracedHtml.section("<section id=\"sweep\">", 1).section("</section>", 0, 0);
        QVERIFY2(tracedSweep.contains(QRegularExpression("failed at #\\d+ \\(make_fixtures\\.py:\\d+\\): RuntimeError")),
                 qPrintable(tracedSweep));
        QVERIFY(tracedHtml.contains("forward fails at batch 2, batch 4 (2 of 3 shapes"));  // the verdict's caution
        QVERIFY(tracedHtml.contains("traced: no Python source in the file"));
        QVERIFY(tracedHtml.contains("PyTorch frames left out"));
        QVERIFY(!tracedHtml.contains("dist-packages"));

        ptl::ReviewInput branched;
        branched.report = ptl::inspectModel(fixture("shape_branch.pt"), sweep);
        const QString branchedSweep = QString::fromStdString(ptl::reviewReportHtml(branched))
                                          .section("<section id=\"sweep\">", 1).section("</section>", 0, 0);
        QVERIFY2(branchedSweep.contains(QRegularExpression("<strong>if #\\d+ \\(make_fixtures\\.py:\\d+\\): (then|else)</strong>")),
                 qPrintable(branchedSweep));

        ptl::ReviewInput recurrent;
        recurrent.report = ptl::inspectModel(fixture("rnn_classifier.pt"), sweep);
        const QString recurrentSweep = QString::fromStdString(ptl::reviewReportHtml(recurrent))
                                           .section("<section id=\"sweep\">", 1).section("</section>", 0, 0);
        QVERIFY2(recurrentSweep.contains(QRegularExpression("\\d+ ifs, \\d+ loops: the reference path")), qPrintable(recurrentSweep));
        QVERIFY(recurrentSweep.contains("the same path as the sample"));
        QVERIFY(!recurrentSweep.contains("if #"));
    }
};

QTEST_GUILESS_MAIN(HandoffTest)
#include "tst_handoff.moc"
