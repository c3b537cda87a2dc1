// The window's Shape Sweep and Compare docks with the real worker on real fixtures: a sweep's
// rows per shape (ran, failed with its error, the branch that differs from the sample's), its
// findings in Findings leading to their node, a cancelled or failed sweep leaving no rows and the
// report as it was; a comparison's operator, module and output tables, from File > Compare With
// and from a converted variant, and a cancelled comparison leaving empty tables. Item models run
// under QAbstractItemModelTester.
#include "compare/compare_view.h"
#include "convert/convert_controller.h"
#include "convert/convert_panel.h"
#include "convert/convert_workflow.h"
#include "convert/variants_model.h"
#include "graph/graph_widget.h"
#include "main_window.h"
#include "models/report_models.h"
#include "sweep/sweep_view.h"
#include "support/window_driver.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

using ptl::ui::CompareView;
using ptl::ui::ComparisonModel;
using ptl::ui::MainWindow;
using ptl::ui::SweepModel;
using ptl::ui::SweepView;
using ptl::test::fixture;
using ptl::test::openAndWait;

namespace {

int rowLabelled(SweepModel* model, const QString& label) {
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->data(model->index(row, SweepModel::ShapeColumn)).toString().startsWith(label)) return row;
    return -1;
}

const ptl::Finding* findingOf(const ptl::Report& report, const char* category) {
    for (const ptl::Finding& finding : report.findings)
        if (finding.category == category) return &finding;
    return nullptr;
}

bool runSweep(MainWindow& window, const QString& spec) {
    SweepView* sweep = window.sweepView();
    QSignalSpy ended(sweep, &SweepView::ended);
    sweep->specField()->setText(spec);
    window.findChild<QAction*>(QStringLiteral("shapeSweep"))->trigger();
    return ended.count() > 0 || ended.wait(120000);
}

}  // namespace

class SweepCompareViewsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        Q_INIT_RESOURCE(resources);  // the demo model
        qputenv("PTL_STUDIO_WORKER", PTL_CLI_PATH);
    }

    void sweepShowsTheBranchThatDiffers() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QAbstractItemModelTester tester(window.sweepView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(openAndWait(window, fixture(QStringLiteral("shape_branch.pt"))));
        const auto before = window.report();
        QVERIFY(!before->sweep.requested);

        QVERIFY(runSweep(window, QStringLiteral("batch=1,2,4")));
        SweepModel* model = window.sweepView()->model();
        // The window adopted the swept report: same model, now with its sweep and findings.
        QVERIFY(window.report() != before);
        QVERIFY(window.report()->sweep.requested);
        QCOMPARE(model->rowCount(), int(window.report()->sweep.points.size()));
        QVERIFY(model->rowCount() >= 3);
        const int two = rowLabelled(model, QStringLiteral("batch 2"));
        QVERIFY(two >= 0);
        QCOMPARE(model->data(model->index(two, SweepModel::ResultColumn)).toString(), QStringLiteral("ran, another path"));
        // `if x.shape[0] > 1:` (line 68 of the fixture script): else on the batch-1 sample, then at batch 2.
        const QString path = model->data(model->index(two, SweepModel::DetailsColumn)).toString();
        QVERIFY2(path.contains("line 68 if: then (sample: else)"), qPrintable(path));
        QCOMPARE(model->data(model->index(two, SweepModel::OutputsColumn)).toString(), QStringLiteral("2"));
        QVERIFY(window.sweepView()->status()->text().contains("took another path"));

        // The divergence is a finding at the If, in Findings; the row leads to the same node.
        const ptl::Finding* divergence = findingOf(*window.report(), "shape.sweep-divergence");
        QVERIFY(divergence);
        QVERIFY(!divergence->nodes.empty());
        bool listed = false;
        for (int row = 0; row < window.findingsModel()->rowCount(); ++row)
            listed |= window.findingsModel()->finding(window.findingsModel()->index(row, 0))->category == "shape.sweep-divergence";
        QVERIFY(listed);
        QCOMPARE(model->nodeOf(model->index(two, 0)), divergence->nodes.front());
        window.sweepView()->table()->setCurrentIndex(model->index(two, 0));
        QTRY_COMPARE_WITH_TIMEOUT(window.graph()->selectedNode(), divergence->nodes.front(), 20000);
    }

    // Every column's title reads whole in the dock as wide as it is beside Plots in a 1400 px
    // window, with the demo's image inputs (long shapes) in their column.
    void sweepColumnTitlesReadWhole() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QSignalSpy shown(&window, &MainWindow::reportShown);
        window.openDemo();
        QVERIFY(shown.wait(60000));
        QDockWidget* dock = window.sweepView()->dock();
        dock->setFloating(true);
        dock->resize(750, 300);
        QTRY_COMPARE(dock->width(), 750);
        QVERIFY(runSweep(window, QStringLiteral("batch=1,2")));
        SweepModel* model = window.sweepView()->model();
        QVERIFY(model->rowCount() >= 2);
        QHeaderView* header = window.sweepView()->table()->horizontalHeader();
        for (int column = 0; column < model->columnCount(); ++column) {
            const QString title = model->headerData(column, Qt::Horizontal).toString();
            const int needed = header->fontMetrics().horizontalAdvance(title) + 8;
            QVERIFY2(header->sectionSize(column) >= needed,
                     qPrintable(QStringLiteral("%1: %2 px for %3").arg(title).arg(header->sectionSize(column)).arg(needed)));
        }
    }

    void failingShapeShowsItsError() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QAbstractItemModelTester tester(window.sweepView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(openAndWait(window, fixture(QStringLiteral("clean_conv.pt"))));
        // 20x20 images reach the linear layer with 8x5x5 features where it takes 8x4x4.
        QVERIFY(runSweep(window, QStringLiteral("hw=20x20")));
        SweepModel* model = window.sweepView()->model();
        int failed = -1;
        for (int row = 0; row < model->rowCount(); ++row)
            if (!model->point(model->index(row, 0))->ran) failed = row;
        QVERIFY(failed >= 0);
        QCOMPARE(model->data(model->index(failed, SweepModel::ResultColumn)).toString(), QStringLiteral("failed"));
        QVERIFY(!model->data(model->index(failed, SweepModel::DetailsColumn)).toString().isEmpty());
        QVERIFY(model->data(model->index(failed, SweepModel::InputsColumn)).toString().contains("20x20"));
        const ptl::Finding* failure = findingOf(*window.report(), "shape.sweep-failure");
        QVERIFY(failure);
        const int node = model->nodeOf(model->index(failed, 0));
        QVERIFY(node >= 0);
        QCOMPARE(QString::fromStdString(window.report()->methods.front().graph.nodes[size_t(node)].kind),
                 QStringLiteral("aten::linear"));
    }

    void cancelledOrFailedSweepLeavesNoRows() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QAbstractItemModelTester tester(window.sweepView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(openAndWait(window, fixture(QStringLiteral("shape_branch.pt"))));
        QVERIFY(runSweep(window, QString()));
        QVERIFY(window.sweepView()->model()->rowCount() > 0);
        const auto swept = window.report();

        // Cancelled at once: no rows, the report on screen is still the last finished one.
        SweepView* sweep = window.sweepView();
        QSignalSpy ended(sweep, &SweepView::ended);
        window.findChild<QAction*>(QStringLiteral("shapeSweep"))->trigger();
        QVERIFY(sweep->running());
        QCOMPARE(sweep->model()->rowCount(), 0);
        sweep->cancelButton()->click();
        QVERIFY(ended.count() == 1 || ended.wait(10000));
        QVERIFY(!sweep->running());
        QCOMPARE(sweep->model()->rowCount(), 0);
        QVERIFY(sweep->status()->text().contains("cancelled"));
        QCOMPARE(window.report(), swept);

        // A spec the worker refuses: the message, no rows.
        QVERIFY(runSweep(window, QStringLiteral("batch=two")));
        QCOMPARE(sweep->model()->rowCount(), 0);
        QVERIFY2(sweep->status()->text().startsWith("The sweep failed"), qPrintable(sweep->status()->text()));
        QCOMPARE(window.report(), swept);
    }

    void compareWithFile() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        CompareView* compare = window.compareView();
        QAbstractItemModelTester operators(compare->operators(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester modules(compare->modules(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester outputs(compare->outputs(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(openAndWait(window, fixture(QStringLiteral("clean_conv.pt"))));

        // Cancelled at once: empty tables, no figures.
        compare->setFileChooser([] { return fixture(QStringLiteral("clean_conv.ptl")); });
        QSignalSpy finished(compare, &CompareView::finished);
        window.findChild<QAction*>(QStringLiteral("compareWith"))->trigger();
        QVERIFY(compare->running());
        compare->cancel();
        QVERIFY(finished.count() == 1 || finished.wait(10000));
        QCOMPARE(compare->outputs()->rowCount(), 0);
        QVERIFY(!compare->comparison());
        QVERIFY(compare->status()->text().contains("cancelled"));

        // The scripted model against its optimized Lite file, over batch 1, 2, 4.
        compare->sweepField()->setText(QStringLiteral("batch=1,2,4"));
        finished.clear();
        window.findChild<QAction*>(QStringLiteral("compareWith"))->trigger();
        QVERIFY(finished.wait(180000));
        QVERIFY2(compare->comparison(), qPrintable(compare->status()->text()));
        // optimize_for_mobile folds the convolutions into prepacked ops.
        ComparisonModel* ops = compare->operators();
        QVERIFY(ops->rowCount() > 0);
        bool conv = false;
        for (int row = 0; row < ops->rowCount(); ++row)
            if (ops->data(ops->index(row, 0)).toString() == "aten::conv2d") {
                conv = true;
                QCOMPARE(ops->data(ops->index(row, 1)).toLongLong(), 2LL);
                QCOMPARE(ops->data(ops->index(row, 2)).toLongLong(), 0LL);
            }
        QVERIFY(conv);
        ComparisonModel* out = compare->outputs();
        QCOMPARE(out->rowCount(), int(compare->comparison()->points.size()));
        QVERIFY(out->rowCount() >= 3);
        for (int row = 0; row < out->rowCount(); ++row) {
            const ptl::ComparedPoint& point = compare->comparison()->points[size_t(row)];
            QVERIFY(point.compared);
            QVERIFY2(point.cosine > 0.9999, qPrintable(QString::number(point.cosine)));
            QCOMPARE(out->data(out->index(row, 5)).toString(), QString::number(point.cosine, 'f', 6));
            QVERIFY(out->data(out->index(row, 2)).toString().startsWith("ran: "));
        }
        QVERIFY(compare->status()->text().contains("clean_conv.ptl"));
    }

    void compareWithVariant() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.convertWorkflow()->setQuiet(true);
        window.show();
        CompareView* compare = window.compareView();
        QAbstractItemModelTester outputs(compare->outputs(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(openAndWait(window, fixture(QStringLiteral("clean_conv.pt"))));
        QVERIFY(compare->variantBox()->currentData().toString().isEmpty());  // none converted yet

        auto* controller = window.convertWorkflow()->controller();
        QSignalSpy converted(controller, &ptl::ui::ConvertController::variantFinished);
        auto* panel = window.convertWorkflow()->panel();
        panel->quantizationBox()->setCurrentIndex(panel->quantizationBox()->findData(QStringLiteral("dynamic")));
        window.convertWorkflow()->convert();
        QVERIFY(converted.wait(120000));
        QTRY_VERIFY(!compare->variantBox()->currentData().toString().isEmpty());

        QSignalSpy finished(compare, &CompareView::finished);
        compare->sweepField()->setText(QStringLiteral("batch=1,2"));
        compare->dock()->findChild<QPushButton*>(QStringLiteral("compareWithVariant"))->click();
        QVERIFY(finished.wait(180000));
        QVERIFY2(compare->comparison(), qPrintable(compare->status()->text()));
        QCOMPARE(compare->outputs()->rowCount(), 2);
        QVERIFY(compare->comparison()->points[0].compared);
    }
};

QTEST_MAIN(SweepCompareViewsTest)
#include "tst_sweep_compare_views.moc"
