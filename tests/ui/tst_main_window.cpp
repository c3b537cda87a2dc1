// The GUI driven as a user would, offscreen: open a model through the worker, see findings,
// go from a finding to its node and source line, collapse, expand and search the graph, export
// it, and survive a worker that crashes.
#include "graph/graph_widget.h"
#include "main_window.h"
#include "models/report_models.h"
#include "ptl/finding_categories.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QGraphicsItem>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QToolBar>
#include <QTreeView>
#include <QtTest>

using ptl::ui::MainWindow;

namespace {

QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }

bool waitForGraph(MainWindow& window) {
    return QTest::qWaitFor([&] { return !window.graph()->layoutPending() && !window.graph()->view()->scene()->items().isEmpty(); },
                           20000);
}

// Opens `model` and waits until the report is shown and laid out.
bool open(MainWindow& window, const QString& model) {
    QSignalSpy shown(&window, &MainWindow::reportShown);
    window.openModel(model);
    return shown.wait(60000) && waitForGraph(window);
}

int findRow(QAbstractItemModel* model, const QString& category) {
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->index(row, ptl::ui::FindingsModel::CategoryColumn).data().toString() == category) return row;
    return -1;
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("PTL_STUDIO_WORKER", PTL_CLI_PATH);
    }

    void opensModelAndListsFindings() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("shape_branch.pt"))));
        QVERIFY(window.report());
        QAbstractItemModel* findings = window.findingsView()->model();
        QVERIFY(findings->rowCount() >= 2);
        QVERIFY(findRow(findings, QStringLiteral("control-flow.shape-dependent")) >= 0);
        QVERIFY(window.windowTitle().contains(QLatin1String("shape_branch.pt")));

        // The category filter keeps one family at a time; together the families list every finding.
        auto* category = window.findChild<QComboBox*>(QStringLiteral("categoryFilter"));
        QVERIFY(category);
        const int all = findings->rowCount();
        int listed = 0;
        for (int index = 1; index < category->count(); ++index) {
            category->setCurrentIndex(index);
            const QString family = category->itemData(index).toString();
            for (int row = 0; row < findings->rowCount(); ++row)
                QVERIFY(findings->index(row, ptl::ui::FindingsModel::CategoryColumn).data().toString().startsWith(
                    family + QLatin1Char('.')));
            listed += findings->rowCount();
        }
        QCOMPARE(listed, all);
        category->setCurrentIndex(0);
    }

    void legendAndFilterFollowTheRegistry() {
        MainWindow window;
        auto* legend = window.findChild<QToolBar*>(QStringLiteral("LegendToolBar"));
        QVERIFY(legend);
        QCOMPARE(legend->actions().size(), ptl::kHighlightGroupCount);
        for (int index = 0; index < ptl::kHighlightGroupCount; ++index) {
            const auto group = ptl::HighlightGroup(index);
            QCOMPARE(legend->actions()[index]->text(), ptl::ui::highlightName(group));
            QVERIFY2(ptl::ui::highlightColor(group).isValid(), "the palette lacks a colour role of the registry");
            QVERIFY(!legend->actions()[index]->toolTip().isEmpty());
        }
        auto* category = window.findChild<QComboBox*>(QStringLiteral("categoryFilter"));
        QVERIFY(category);
        QStringList families;
        for (const std::string_view family : ptl::findingFamilies()) families << QString::fromUtf8(family);
        QStringList listed;
        for (int index = 1; index < category->count(); ++index) listed << category->itemData(index).toString();  // 0: all
        QCOMPARE(listed, families);
    }

    void findingLeadsToNodeAndSourceLine() {
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("value_branch.pt"))));
        QAbstractItemModel* findings = window.findingsView()->model();
        const int row = findRow(findings, QStringLiteral("control-flow.value-dependent"));
        QVERIFY(row >= 0);
        QSignalSpy selected(window.graph(), &ptl::ui::GraphWidget::nodeSelected);
        window.findingsView()->setCurrentIndex(findings->index(row, 0));
        QVERIFY(selected.count() > 0 || selected.wait(20000));
        const ptl::Finding* finding = window.findingsModel()->finding(
            static_cast<QSortFilterProxyModel*>(findings)->mapToSource(findings->index(row, 0)));
        QVERIFY(finding);
        QCOMPARE(window.graph()->selectedNode(), finding->nodes.front());
        QTRY_VERIFY(!window.graph()->view()->scene()->selectedItems().isEmpty());
        // The inspector shows the finding with its source line highlighted.
        const QString html = window.inspector()->toHtml();
        QVERIFY(html.contains(QLatin1String("bool(y.mean() &gt; 0)")));
        QVERIFY(html.contains(QString::number(finding->source.line)));
    }

    void collapseExpandAndSearch() {
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("static_guard.pt"))));
        ptl::ui::GraphWidget* graph = window.graph();
        const int initial = graph->view()->scene()->items().size();
        QSignalSpy laidOut(graph, &ptl::ui::GraphWidget::layoutFinished);
        graph->collapseAll();
        QVERIFY(laidOut.wait(20000));
        const int collapsed = graph->view()->scene()->items().size();
        QVERIFY2(collapsed < initial, qPrintable(QStringLiteral("%1 -> %2 units %3").arg(initial).arg(collapsed).arg(graph->lastLayout().units)));
        graph->expandAll();
        QVERIFY(laidOut.wait(20000));
        const int expanded = graph->view()->scene()->items().size();
        QVERIFY(expanded > collapsed);

        graph->collapseAll();
        QVERIFY(laidOut.wait(20000));
        window.searchField()->setText(QStringLiteral("conv2d"));
        QSignalSpy selected(graph, &ptl::ui::GraphWidget::nodeSelected);
        QTest::keyClick(window.searchField(), Qt::Key_Return);
        QVERIFY(selected.count() > 0 || selected.wait(20000));
        const int node = graph->selectedNode();
        QVERIFY(node >= 0);
        QCOMPARE(graph->method()->graph.nodes[node].kind, std::string("aten::conv2d"));
        QVERIFY(window.inspector()->toPlainText().contains(QLatin1String("aten::conv2d")));

        QTemporaryDir directory;
        QVERIFY(graph->exportImage(directory.filePath(QStringLiteral("graph.png"))));
        QVERIFY(graph->exportImage(directory.filePath(QStringLiteral("graph.svg"))));
        QVERIFY(QFileInfo(directory.filePath(QStringLiteral("graph.svg"))).size() > 1000);
    }

    void itemModelsAreConsistent() {
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("quant_x86.pt"))));
        QAbstractItemModelTester findings(window.findingsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester filtered(window.findingsView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester modules(window.modulesModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester tensors(window.tensorsModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(window.modulesModel()->rowCount() == 1);
        QVERIFY(window.tensorsModel()->rowCount() > 0);
        // Reloading resets every model under the testers' watch.
        QVERIFY(open(window, fixture(QStringLiteral("shape_branch.pt"))));
        QVERIFY(window.modulesModel()->rowCount() == 1);
    }

    void modulesDockRevealsGroup() {
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("static_guard.pt"))));
        QTreeView* modules = window.modulesView();
        const QModelIndex root = modules->model()->index(0, 0);
        QVERIFY(modules->model()->rowCount(root) > 0);
        modules->setCurrentIndex(modules->model()->index(0, 0, root));
        QVERIFY(waitForGraph(window));
        QVERIFY(window.inspector()->toPlainText().contains(QLatin1String("Parameters")));
    }

    void survivesWorkerCrash() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        window.setWorkerFaultForTests(QStringLiteral("abort"));
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        window.openModel(fixture(QStringLiteral("clean_conv.pt")));
        QVERIFY(failed.wait(60000));
        QVERIFY(window.lastError().contains(QLatin1String("crash"), Qt::CaseInsensitive));
        // Still usable: the next model opens.
        window.setWorkerFaultForTests(QString());
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
    }

    void survivesWorkerHang() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        window.setWorkerFaultForTests(QStringLiteral("hang"));
        window.setWorkerWatchdogForTests(3);
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        window.openModel(fixture(QStringLiteral("clean_conv.pt")));
        QVERIFY(failed.wait(60000));
        window.setWorkerFaultForTests(QString());
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
    }

    void unreadableFileShowsError() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        window.openModel(fixture(QStringLiteral("bad/zip_bomb.pt")));
        QVERIFY(failed.wait(60000));
        QVERIFY(window.lastError().contains(QLatin1String("zip bomb")));
    }
};

QTEST_MAIN(MainWindowTest)
#include "tst_main_window.moc"
