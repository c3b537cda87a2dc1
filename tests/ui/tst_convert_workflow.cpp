// The window's convert workflow driven as a user would, offscreen, with the real worker and
// LibTorch: open a model, quantize it statically from a folder of images through the Convert
// dock, read the variants table and the plots, export through the save-dialog path, keep a layer
// in float, cancel mid-calibration, and meet each kind of bad input with a message.
#include "convert/convert_controller.h"
#include "convert/convert_panel.h"
#include "convert/convert_workflow.h"
#include "convert/variants_model.h"
#include "convert/variants_panel.h"
#include "dialogs/inputs_editor.h"
#include "main_window.h"
#include "plots/qcustomplot.h"
#include "plots/variant_plots.h"
#include "worker/worker_client.h"
#include "support/window_driver.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QTableWidget>
#include <QProcess>
#include <QPushButton>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

using ptl::ui::ConvertController;
using ptl::ui::ConvertWorkflow;
using ptl::ui::MainWindow;
using ptl::ui::Variant;

namespace {

using ptl::test::fixture;

// A window whose errors and questions go to its log and status bar, not to dialogs.
struct QuietWindow {
    MainWindow window;
    ConvertWorkflow* workflow = window.convertWorkflow();
    QuietWindow() {
        window.setProperty("quietErrors", true);
        workflow->setQuiet(true);
        window.show();
    }
};

bool open(MainWindow& window, const QString& model) { return ptl::test::openAndWait(window, model); }

// Runs the Convert dock as it is set and waits for the new variant to end (and its latency).
const Variant* runAndWait(ConvertWorkflow& workflow, bool waitForLatency = true) {
    ConvertController* controller = workflow.controller();
    QSignalSpy finished(controller, &ConvertController::variantFinished);
    QSignalSpy measured(controller, &ConvertController::latencyMeasured);
    const int before = controller->variants()->rowCount();
    workflow.panel()->runButton()->click();
    if (controller->variants()->rowCount() == before) return nullptr;  // refused before it started
    if (!finished.wait(120000)) return nullptr;
    const int id = finished.front().front().toInt();
    const Variant* variant = controller->variants()->variant(id);
    if (waitForLatency && variant && variant->state == Variant::State::Ready && !measured.wait(60000)) return nullptr;
    return controller->variants()->variant(id);
}

void chooseImageFolder(ptl::ui::ConvertPanel* panel, const QString& folder, int normalization) {
    panel->quantizationBox()->setCurrentIndex(panel->quantizationBox()->findData(QStringLiteral("static")));
    panel->calibrationKindBox()->setCurrentIndex(1);
    panel->imageFolderField()->setText(folder);
    panel->normalizationBox()->setCurrentIndex(normalization);
}

nlohmann::json inspectJson(const QString& path) {
    QProcess cli;
    cli.start(QStringLiteral(PTL_CLI_PATH), {QStringLiteral("inspect"), path, QStringLiteral("--json")});
    cli.waitForFinished(120000);
    return nlohmann::json::parse(cli.readAllStandardOutput().toStdString(), nullptr, false);
}

int64_t quantizedConvs(const ptl::ConvertResult& result) {
    int64_t count = 0;
    for (const ptl::OpCountChange& change : result.opChanges)
        if (change.op.rfind("quantized::conv2d", 0) == 0) count += change.after;
    return count;
}

}  // namespace

class ConvertWorkflowTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("PTL_STUDIO_WORKER", PTL_CLI_PATH);
    }

    // Opening a model starts no conversion worker (LibTorch, ~160 MB, loading beside the open);
    // turning to the Convert dock does, so the first conversion still skips LibTorch's start.
    void convertWorkerStartsWithTheConvertDock() {
        QuietWindow quiet;
        MainWindow& window = quiet.window;
        ConvertWorkflow* workflow = quiet.workflow;
        auto workers = [&] { return workflow->controller()->worker()->findChildren<QProcess*>().size(); };
        window.findChild<QDockWidget*>(QStringLiteral("InspectorDock"))->raise();  // in front of Convert
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
        QTest::qWait(200);
        QCOMPARE(workers(), 0);
        workflow->convertDock()->raise();
        QVERIFY(QTest::qWaitFor([&] { return workers() == 1; }, 5000));
    }

    void staticFromImagesToExport() {
        QuietWindow quiet;
        MainWindow& window = quiet.window;
        ConvertWorkflow* workflow = quiet.workflow;
        QAbstractItemModelTester tester(workflow->controller()->variants(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(open(window, fixture(QStringLiteral("digits_cnn.pt"))));
        chooseImageFolder(workflow->panel(), fixture(QStringLiteral("digits_images")), 1);  // [0, 1]
        // The strip shows the first images as the model sees them (8x8 gray).
        QVERIFY(workflow->panel()->imageStrip()->pixmap().width() > 0);
        const std::vector<QImage> preview = ptl::ui::calibrationPreview(fixture(QStringLiteral("digits_images")), 8, 8, 1, 4);
        QCOMPARE(int(preview.size()), 4);
        QCOMPARE(preview.front().size(), QSize(8, 8));

        const Variant* variant = runAndWait(*workflow);
        QVERIFY(variant);
        QVERIFY2(variant->state == Variant::State::Ready, qPrintable(variant->error));
        QVERIFY(variant->verified());
        const ptl::ConvertResult result = *variant->result;
        QCOMPARE(result.quantization, std::string("static"));
        QCOMPARE(result.calibrationBatches, 16);
        QCOMPARE(result.verification.opErrors.size(), size_t(3));
        QVERIFY(result.verification.top1Agreement > 0.9);
        QVERIFY(variant->latency && variant->latency->p50 > 0);
        QCOMPARE(variant->latency->environment.engine, std::string("Lite Interpreter"));
        QCOMPARE(QFileInfo(variant->filePath()).size(), qint64(result.outputBytes));

        // The table holds the measured values.
        ptl::ui::VariantsModel* model = workflow->controller()->variants();
        const int row = model->rowOf(variant->id);
        QCOMPARE(model->index(row, ptl::ui::VariantsModel::VerifiedColumn).data().toString(), QStringLiteral("yes"));
        QCOMPARE(model->index(row, ptl::ui::VariantsModel::CosineColumn).data().toString(),
                 QString::number(result.verification.quantizationCosine, 'f', 5));
        QVERIFY(model->index(row, ptl::ui::VariantsModel::LatencyColumn).data().toString().endsWith(QLatin1String(" ms")));

        // The plots hold them too: the SQNR chart one bar per quantized layer, lowest first.
        QCustomPlot* sqnr = workflow->plots()->plot(2);
        QVERIFY(sqnr);
        std::vector<double> plotted;
        for (int i = 0; i < sqnr->plottableCount(); ++i)
            if (auto* bars = qobject_cast<QCPBars*>(sqnr->plottable(i)))
                for (auto point = bars->data()->constBegin(); point != bars->data()->constEnd(); ++point) plotted.push_back(point->value);
        std::vector<double> expected;
        for (const ptl::OpError& error : result.verification.opErrors) expected.push_back(error.sqnrDb);
        std::sort(plotted.begin(), plotted.end());
        std::sort(expected.begin(), expected.end());
        QCOMPARE(plotted.size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) QVERIFY(std::abs(plotted[i] - expected[i]) < 1e-6);

        // Export through the dialog path: a name without suffix gets ".ptl"; the file is the
        // variant's, and the Lite Interpreter loads it.
        QTemporaryDir out;
        QString suggested;
        workflow->setSaveFileChooser([&](const QString& path) {
            suggested = path;
            return out.filePath(QStringLiteral("app-model"));
        });
        workflow->setWriteOpsYaml(true);
        workflow->exportMobileModel();
        QVERIFY(suggested.endsWith(QLatin1String("digits_cnn-static-qnnpack.ptl")));
        const QString exported = out.filePath(QStringLiteral("app-model.ptl"));
        QVERIFY2(QFileInfo::exists(exported), qPrintable(workflow->lastMessage()));
        QFile written(exported), original(variant->filePath());
        QVERIFY(written.open(QIODevice::ReadOnly) && original.open(QIODevice::ReadOnly));
        QCOMPARE(written.readAll(), original.readAll());
        QVERIFY(QFileInfo::exists(out.filePath(QStringLiteral("app-model.yaml"))));
        const nlohmann::json report = inspectJson(exported);
        QCOMPARE(report["format"], "lite");
        QCOMPARE(report["roundTrip"]["reloaded"], true);
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 2);  // no temporary file left

        // Never over the input model; a folder that cannot be written: a message, nothing written.
        const ptl::ui::ExportOutcome overInput = workflow->exportVariantTo(variant->id, fixture(QStringLiteral("digits_cnn.pt")));
        QVERIFY(!overInput.ok);
        QVERIFY(overInput.message.contains(QLatin1String("input model")));
        const ptl::ui::ExportOutcome unwritable = workflow->exportVariantTo(variant->id, QStringLiteral("/proc/app.ptl"));
        QVERIFY(!unwritable.ok);
        QVERIFY(unwritable.message.startsWith(QLatin1String("/proc/app.ptl: cannot write it")));
        const ptl::ui::ExportOutcome device = workflow->exportVariantTo(variant->id, QStringLiteral("/dev/full"));
        QVERIFY(!device.ok);

        // Keep in float: conv2 stays float, one quantized convolution fewer, a new variant.
        const int before = model->rowCount();
        QSignalSpy finished(workflow->controller(), &ConvertController::variantFinished);
        workflow->keepInFloat(QStringLiteral("conv2"));
        QVERIFY(finished.wait(120000));
        QCOMPARE(model->rowCount(), before + 1);
        const Variant* kept = model->variant(finished.front().front().toInt());
        QVERIFY(kept && kept->result);
        QCOMPARE(quantizedConvs(result), int64_t(2));
        QCOMPARE(quantizedConvs(*kept->result), int64_t(1));
        QCOMPARE(kept->result->keptFloat, std::vector<std::string>{"conv2"});
        QCOMPARE(kept->name, QStringLiteral("static · qnnpack (2)"));  // runs told apart in the table and plots
        QCOMPARE(workflow->controller()->unexportedVariants(), 1);      // the first one was exported

        // Closing the model (opening another) removes the private files.
        const QString folder = workflow->controller()->privateFolder();
        QVERIFY(QFileInfo::exists(folder));
        QVERIFY(QTest::qWaitFor([&] { return !workflow->controller()->busy(); }, 60000));
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
        QVERIFY(!QFileInfo::exists(folder));
        QCOMPARE(model->rowCount(), 0);
    }

    void cancelDuringCalibrationLeavesNothing() {
        QuietWindow quiet;
        MainWindow& window = quiet.window;
        ConvertWorkflow* workflow = quiet.workflow;
        QVERIFY(open(window, fixture(QStringLiteral("digits_cnn.pt"))));
        ptl::ui::ConvertPanel* panel = workflow->panel();
        panel->quantizationBox()->setCurrentIndex(panel->quantizationBox()->findData(QStringLiteral("static")));
        panel->calibrationKindBox()->setCurrentIndex(0);
        panel->randomBatchesBox()->setValue(20000);
        QSignalSpy finished(workflow->controller(), &ConvertController::variantFinished);
        bool calibrating = false;
        connect(workflow->controller(), &ConvertController::progress, this, [&](const QString& stage) {
            if (stage.startsWith(QLatin1String("Calibrating")) && !calibrating) {
                calibrating = true;
                panel->cancelButton()->click();
            }
        });
        panel->runButton()->click();
        QVERIFY(finished.wait(120000));
        QVERIFY(calibrating);
        const Variant* variant = workflow->controller()->variants()->variant(finished.front().front().toInt());
        QVERIFY(variant && variant->state == Variant::State::Cancelled);
        QVERIFY(!variant->result);
        QCOMPARE(QDir(workflow->controller()->privateFolder()).entryList(QDir::Files | QDir::Hidden).size(), 0);
        // The window stays usable: the next conversion runs.
        panel->randomBatchesBox()->setValue(2);
        const Variant* next = runAndWait(*workflow, false);
        QVERIFY(next && next->state == Variant::State::Ready);
    }

    void badInputsSayWhatIsWrong_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("quantize");
        QTest::addColumn<QString>("calibration");  // "folder:NAME", "file:NAME", "empty-folder" or ""
        QTest::addColumn<QString>("message");
        QTest::newRow("folder without images") << "digits_cnn.pt" << "static" << "empty-folder" << "has no PNG or JPEG images";
        QTest::newRow("unreadable image") << "digits_cnn.pt" << "static" << "folder:bad/broken_images" << "not_really.png";
        QTest::newRow("tensor file of the wrong shape") << "clean_conv.pt" << "static" << "file:digits_calibration.pt"
                                                    << "holds tensors of shape 1x1x8x8, but forward's input x is 1x3x16x16";
        QTest::newRow("cannot be quantized") << "value_branch.pt" << "static" << "" << "static quantization failed";
    }

    void badInputsSayWhatIsWrong() {
        QFETCH(QString, model);
        QFETCH(QString, quantize);
        QFETCH(QString, calibration);
        QFETCH(QString, message);
        QuietWindow quiet;
        MainWindow& window = quiet.window;
        ConvertWorkflow* workflow = quiet.workflow;
        QVERIFY(open(window, fixture(model)));
        ptl::ui::ConvertPanel* panel = workflow->panel();
        panel->quantizationBox()->setCurrentIndex(panel->quantizationBox()->findData(quantize));
        QTemporaryDir empty;
        if (calibration == QLatin1String("empty-folder")) {
            panel->calibrationKindBox()->setCurrentIndex(1);
            panel->imageFolderField()->setText(empty.path());
        } else if (calibration.startsWith(QLatin1String("folder:"))) {
            panel->calibrationKindBox()->setCurrentIndex(1);
            panel->imageFolderField()->setText(fixture(calibration.mid(7)));
        } else if (calibration.startsWith(QLatin1String("file:"))) {
            panel->calibrationKindBox()->setCurrentIndex(2);
            panel->tensorFileField()->setText(fixture(calibration.mid(5)));
        }
        const Variant* variant = runAndWait(*workflow, false);
        QVERIFY(variant);
        QVERIFY(variant->state == Variant::State::Failed);
        QVERIFY2(variant->error.contains(message), qPrintable(variant->error));
        // The message is told once the job's bookkeeping is done.
        QVERIFY(QTest::qWaitFor([&] { return workflow->lastMessage() == variant->error; }, 5000));
        // ... and logged once.
        const QString log = window.findChild<QPlainTextEdit*>(QStringLiteral("log"))->toPlainText();
        QVERIFY2(log.count(variant->error) == 1, qPrintable(log));
        QCOMPARE(QDir(workflow->controller()->privateFolder()).entryList(QDir::Files | QDir::Hidden).size(), 0);
        // Export of a failed variant is refused with its reason.
        workflow->variantsPanel()->selectVariant(variant->id);
        const ptl::ui::ExportOutcome refused = workflow->exportVariantTo(variant->id, empty.filePath(QStringLiteral("x.ptl")));
        QVERIFY(!refused.ok);
        QVERIFY(refused.message.contains(message));
    }

    void inputsEditorTakesTensorShapesOnly() {
        std::vector<ptl::InputInfo> arguments(2);
        arguments[0] = {"x", "Tensor", {1, 3, 16, 16}, "float32", "inferred"};
        arguments[1] = {"extra", "Dict[str, Tensor]", {}, "", "unknown"};
        ptl::ui::InputsEditor editor(arguments, {});
        QCOMPARE(editor.table()->rowCount(), 2);
        QCOMPARE(editor.specs().front(), QStringLiteral("1x3x16x16:float32"));
        editor.table()->item(1, 2)->setText(QStringLiteral("1x4"));
        QCOMPARE(editor.table()->item(1, 4)->text(), QStringLiteral("set by you"));
        editor.accept();
        QCOMPARE(editor.result(), int(QDialog::Rejected));  // not accepted: the Dict cannot take a shape
        QVERIFY(editor.findChild<QLabel*>(QStringLiteral("inputsProblem"))->text().contains(QLatin1String("Dict[str, Tensor]")));
        // "Use Automatic Inputs" forgets the shapes.
        for (QPushButton* button : editor.findChildren<QPushButton*>())
            if (button->text() == QLatin1String("Use Automatic Inputs")) button->click();
        QCOMPARE(editor.result(), int(QDialog::Accepted));
        QVERIFY(editor.specs().isEmpty());
    }

    void unverifiedVariantIsNotExported() {
        // No sample inputs can be made for a Dict argument: the export reloads but is not compared.
        QuietWindow quiet;
        MainWindow& window = quiet.window;
        ConvertWorkflow* workflow = quiet.workflow;
        QVERIFY(open(window, fixture(QStringLiteral("dict_input.pt"))));
        const Variant* variant = runAndWait(*workflow, false);
        QVERIFY(variant && variant->state == Variant::State::Ready);
        QVERIFY(!variant->verified());
        QTemporaryDir out;
        const ptl::ui::ExportOutcome refused = workflow->exportVariantTo(variant->id, out.filePath(QStringLiteral("d.ptl")));
        QVERIFY(!refused.ok);
        QVERIFY(refused.message.contains(QLatin1String("not verified")));
        QVERIFY(!QFileInfo::exists(out.filePath(QStringLiteral("d.ptl"))));
        // Through the menu: refused with the reason before a file name is asked for.
        bool asked = false;
        workflow->setSaveFileChooser([&](const QString&) {
            asked = true;
            return out.filePath(QStringLiteral("d.ptl"));
        });
        workflow->variantsPanel()->selectVariant(variant->id);
        workflow->exportMobileModel();
        QVERIFY(!asked);
        QVERIFY(workflow->lastMessage().contains(QLatin1String("not verified")));
    }
};

QTEST_MAIN(ConvertWorkflowTest)
#include "tst_convert_workflow.moc"
