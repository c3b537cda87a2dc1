// The window's Export Readiness dock with the real worker on real fixtures: rows per construct
// with their line and finding (the model under QAbstractItemModelTester), picking a row selects
// its finding and node, the export call carries the dynamic shapes and copies, a clean model
// lists what was checked, and a load in progress shows nothing of the previous model.
#include "graph/graph_widget.h"
#include "handoff/export_readiness_view.h"
#include "main_window.h"
#include "models/report_models.h"

#include <QAbstractItemModelTester>
#include <QClipboard>
#include <QDockWidget>
#include <QGuiApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTextBrowser>
#include <QtTest>

using ptl::ui::ExportReadinessModel;
using ptl::ui::ExportReadinessView;
using ptl::ui::MainWindow;

namespace {

bool open(MainWindow& window, const char* fixture) {
    QSignalSpy shown(&window, &MainWindow::reportShown);
    window.openModel(QStringLiteral(PTL_FIXTURES_DIR "/") + QLatin1String(fixture));
    return shown.wait(60000);
}

QString cell(ExportReadinessModel* model, int row, int column) {
    return model->data(model->index(row, column)).toString();
}

}  // namespace

class ExportReadinessViewTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qputenv("PTL_STUDIO_WORKER", PTL_CLI_PATH); }

    void rowsLeadToFindingsAndNodes() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        ExportReadinessView* view = window.exportReadinessView();
        QCOMPARE(view->dock()->objectName(), QStringLiteral("ExportReadinessDock"));
        QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(view->summary()->text().startsWith("Open a model"));

        QVERIFY(open(window, "value_branch.pt"));
        ExportReadinessModel* model = view->model();
        QCOMPARE(model->rowCount(), 2);
        QVERIFY(view->summary()->text().contains("2 constructs block torch.export"));
        QCOMPARE(cell(model, 0, ExportReadinessModel::ImpactColumn), QStringLiteral("Blocks"));
        QCOMPARE(cell(model, 0, ExportReadinessModel::ConstructColumn), QStringLiteral("Data-dependent branch"));
        QCOMPARE(cell(model, 0, ExportReadinessModel::SourceColumn), QStringLiteral("make_fixtures.py:85"));
        QCOMPARE(cell(model, 1, ExportReadinessModel::SourceColumn), QStringLiteral("make_fixtures.py:89"));
        const QString findingId = cell(model, 0, ExportReadinessModel::FindingColumn);
        QVERIFY(!findingId.isEmpty());

        // Picking the row: what to do in the details, its finding current in Findings, its node selected.
        view->table()->setCurrentIndex(model->index(0, 0));
        QVERIFY(view->details()->toPlainText().contains("torch.cond"));
        const ptl::Finding* finding = window.findingsModel()->finding(
            qobject_cast<const QSortFilterProxyModel*>(window.findingsView()->model())
                ->mapToSource(window.findingsView()->currentIndex()));
        QVERIFY(finding);
        QCOMPARE(QString::fromStdString(finding->id), findingId);
        QCOMPARE(QString::fromStdString(finding->category), QStringLiteral("control-flow.value-dependent"));
        // The node is selected once the boxes holding it are laid out.
        QTRY_COMPARE_WITH_TIMEOUT(window.graph()->selectedNode(), view->readiness()->items[0].nodes.front(), 20000);
        QCOMPARE(QString::fromStdString(window.report()->methods.front().graph.nodes[size_t(window.graph()->selectedNode())].kind),
                 QStringLiteral("prim::If"));
        QVERIFY(window.inspector()->toPlainText().contains("if bool(y.mean() > 0):"));
    }

    void exportCallDeclaresTheDimensions() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        ExportReadinessView* view = window.exportReadinessView();
        QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(open(window, "shape_branch.pt"));
        QCOMPARE(view->model()->rowCount(), 2);
        QCOMPARE(cell(view->model(), 0, ExportReadinessModel::ImpactColumn), QStringLiteral("Declare"));
        QVERIFY(view->summary()->text().contains("Nothing blocks torch.export; 2 constructs fix sizes"));
        QVERIFY(view->details()->toPlainText().contains("x dim 0"));
        const QString code = view->exportCode()->toPlainText();
        QVERIFY2(code.contains("dynamic_shapes={\"x\": {0: batch, 1: x_dim1}}"), qPrintable(code));
        auto* copy = view->dock()->findChild<QPushButton*>(QStringLiteral("copy-export-call"));
        QVERIFY(copy);
        copy->click();
        QCOMPARE(QGuiApplication::clipboard()->text(), code);

        // A row whose finding the Findings filter hides still shows its node.
        auto* filter = qobject_cast<ptl::ui::FindingsFilter*>(window.findingsView()->model());
        QVERIFY(filter);
        filter->setText(QStringLiteral("no finding reads like this"));
        view->table()->setCurrentIndex(view->model()->index(1, 0));
        QTRY_COMPARE_WITH_TIMEOUT(window.graph()->selectedNode(), view->readiness()->items[1].nodes.front(), 20000);
    }

    void cleanModelListsWhatWasChecked() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        ExportReadinessView* view = window.exportReadinessView();
        QAbstractItemModelTester tester(view->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(open(window, "lite_unsupported.pt"));
        QCOMPARE(view->model()->rowCount(), 3);

        // The next model replaces every row; while it loads nothing of the previous one shows.
        QSignalSpy shown(&window, &MainWindow::reportShown);
        window.openModel(QStringLiteral(PTL_FIXTURES_DIR "/clean_conv.pt"));
        QTRY_VERIFY_WITH_TIMEOUT(view->summary()->text().startsWith("Analysing") || shown.count() > 0, 60000);
        QVERIFY(shown.count() > 0 || shown.wait(60000));
        QCOMPARE(view->model()->rowCount(), 0);
        QVERIFY(view->table()->isHidden());
        QVERIFY(view->summary()->text().contains("Nothing in forward blocks torch.export."));
        const QString details = view->details()->toPlainText();
        QVERIFY(details.contains("What was checked"));
        QVERIFY(details.contains("control flow: 0 branches and 0 loops"));
        QVERIFY(details.contains("eager-mode quantized ops: 0"));
    }
};

QTEST_MAIN(ExportReadinessViewTest)
#include "tst_export_readiness_view.moc"
