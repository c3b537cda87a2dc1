// The window's handoff review with the real worker: the Integration dock follows the open model
// and its verified variant, Copy puts a snippet on the clipboard, and File > Save Review Report
// writes the same report the CLI writes, from the variants the window already has.
#include "convert/convert_controller.h"
#include "convert/convert_panel.h"
#include "convert/convert_workflow.h"
#include "convert/variants_model.h"
#include "handoff/handoff_review.h"
#include "main_window.h"
#include "support/headless_chromium.h"

#include <QClipboard>
#include <QComboBox>
#include <QDockWidget>
#include <QGuiApplication>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QtTest>

using ptl::ui::ConvertController;
using ptl::ui::HandoffReview;
using ptl::ui::MainWindow;

class HandoffReviewTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qputenv("PTL_STUDIO_WORKER", PTL_CLI_PATH); }

    void integrationDockAndSavedReport() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.convertWorkflow()->setQuiet(true);
        window.show();
        HandoffReview* handoff = window.handoffReview();
        QVERIFY(handoff->integrationDock()->objectName() == QStringLiteral("IntegrationDock"));

        QSignalSpy shown(&window, &MainWindow::reportShown);
        window.openModel(QStringLiteral(PTL_FIXTURES_DIR "/clean_conv.pt"));
        QVERIFY(shown.wait(60000));
        QTabWidget* tabs = handoff->snippetTabs();
        QCOMPARE(tabs->count(), 6);
        auto* kotlin = tabs->widget(1)->findChild<QPlainTextEdit*>();
        QVERIFY(kotlin->toPlainText().contains("LiteModuleLoader.load(assetFilePath(context, \"clean_conv.ptl\"))"));
        QVERIFY(kotlin->toPlainText().contains("TensorImageUtils.bitmapToFloat32Tensor("));

        // A static variant: the code is now for it (its bytecode version and normalization).
        ConvertController* controller = window.convertWorkflow()->controller();
        QSignalSpy finished(controller, &ConvertController::variantFinished);
        QSignalSpy measured(controller, &ConvertController::latencyMeasured);
        auto* panel = window.convertWorkflow()->panel();
        panel->quantizationBox()->setCurrentIndex(panel->quantizationBox()->findData(QStringLiteral("static")));
        window.convertWorkflow()->convert();
        QVERIFY(finished.wait(120000));
        QVERIFY(measured.wait(60000));
        const auto& variants = controller->variants()->variants();
        QVERIFY(!variants.empty() && variants.back().verified());
        kotlin = tabs->widget(1)->findChild<QPlainTextEdit*>();
        QVERIFY(kotlin->toPlainText().contains("floatArrayOf(0.485f, 0.456f, 0.406f)"));

        auto* copy = tabs->widget(1)->findChild<QPushButton*>(QStringLiteral("copy-android-kotlin"));
        QVERIFY(copy);
        copy->click();
        QCOMPARE(QGuiApplication::clipboard()->text(), kotlin->toPlainText());

        QTemporaryDir directory;
        const QString path = directory.filePath("review.html");
        handoff->setSaveFileChooser([path](const QString& suggested) {
            return suggested.endsWith(QStringLiteral("clean_conv-review.html")) ? path : QString();
        });
        QSignalSpy logged(handoff, &HandoffReview::logLine);
        window.findChild<QAction*>(QStringLiteral("saveReviewReport"))->trigger();
        QVERIFY(logged.wait(30000));
        QVERIFY2(logged.front().front().toString().startsWith("Review report saved"), qPrintable(logged.front().front().toString()));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString html = QString::fromUtf8(file.readAll());
        const QStringList missing = ptl::test::missingSections(html.toUtf8(), ptl::test::reviewReportSections());
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(", ")));
        QVERIFY(html.contains("Ships on the Lite Interpreter"));
        QVERIFY(html.contains("<svg class=\"sqnr\""));
        QVERIFY(html.contains("LibTorch 1.13"));

        // The window's report reads in a browser like the CLI's: no console errors, every section.
        if (ptl::test::chromiumExecutable().isEmpty()) QSKIP("chromium is not installed (./build.sh test installs it)");
        const ptl::test::Run dom = ptl::test::runChromium(path, {"--dump-dom"});
        QCOMPARE(dom.exitCode, 0);
        QVERIFY(ptl::test::missingSections(dom.out, ptl::test::reviewReportSections()).isEmpty());
        const QByteArrayList console = ptl::test::consoleMessages(dom);
        QVERIFY2(console.isEmpty(), console.join('\n').constData());
    }

    // The demo's copy lives in the cache folder (the embedded model is the application's, so a copy
    // of a fixture stands in for it): the dialog starts elsewhere, and a name typed without a
    // suffix is saved as .html.
    void demoReportIsSuggestedOutsideTheCache() {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().remove(QStringLiteral("review/lastDirectory"));
        const QString cache = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
        QVERIFY(QDir().mkpath(cache));
        const QString demo = QDir(cache).filePath(QStringLiteral("demo.pt"));
        QFile::remove(demo);
        QVERIFY(QFile::copy(QStringLiteral(PTL_FIXTURES_DIR "/clean_conv.pt"), demo));
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.convertWorkflow()->setQuiet(true);
        window.show();
        QSignalSpy shown(&window, &MainWindow::reportShown);
        window.openModel(demo);
        QVERIFY(shown.wait(60000));
        QTemporaryDir directory;
        QString suggestedFolder;
        window.handoffReview()->setSaveFileChooser([&](const QString& suggested) {
            suggestedFolder = QFileInfo(suggested).absolutePath();
            return directory.filePath(QStringLiteral("review"));
        });
        QSignalSpy logged(window.handoffReview(), &HandoffReview::logLine);
        window.findChild<QAction*>(QStringLiteral("saveReviewReport"))->trigger();
        QVERIFY(logged.wait(30000));
        QVERIFY2(!suggestedFolder.isEmpty() && QDir(suggestedFolder) != QDir(cache), qPrintable(suggestedFolder));
        QVERIFY(QFileInfo::exists(directory.filePath(QStringLiteral("review.html"))));
        QCOMPARE(QSettings().value(QStringLiteral("review/lastDirectory")).toString(), directory.path());
    }
};

QTEST_MAIN(HandoffReviewTest)
#include "tst_handoff_review.moc"
