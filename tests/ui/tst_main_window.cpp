// The GUI driven as a user would, offscreen: open a model through the worker, see findings,
// go from a finding to its node and source line, collapse, expand and search the graph, export
// it, and survive a worker that crashes.
#include "graph/graph_widget.h"
#include "main_window.h"
#include "models/report_models.h"
#include "plots/qcustomplot.h"
#include "ptl/finding_categories.h"
#include "ptl/report_json.h"
#include "support/window_driver.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QGraphicsItem>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QToolButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QToolBar>
#include <QTreeView>
#include <QtTest>

using ptl::ui::MainWindow;

namespace {

using ptl::test::fixture;
using ptl::test::waitForGraph;

bool open(MainWindow& window, const QString& model) { return ptl::test::openAndWait(window, model); }

QToolButton* cancelButton(MainWindow& window) {
    for (auto* button : window.findChildren<QToolButton*>())
        if (button->text() == QLatin1String("Cancel")) return button;
    return nullptr;
}

QString summary(MainWindow& window) { return window.findChild<QLabel*>(QStringLiteral("summary"))->text(); }

// Opens `model` with a worker that stops once the early graph is out, and waits for that graph.
bool openHalfway(MainWindow& window, const QString& model) {
    window.setWorkerFaultForTests(QStringLiteral("hang-after-graph"));
    window.openModel(model);
    const bool shown = QTest::qWaitFor([&] { return window.windowTitle().contains(QFileInfo(model).fileName()); }, 60000);
    window.setWorkerFaultForTests(QString());
    return shown;
}

// Where the Inspector's highlighted source line is, in its viewport; empty when it has none.
QRect sourceLineRect(QTextBrowser* inspector) {
    for (QTextBlock block = inspector->document()->begin(); block.isValid(); block = block.next())
        for (auto fragment = block.begin(); !fragment.atEnd(); ++fragment)
            if (fragment.fragment().charFormat().anchorNames().contains(QLatin1String("source-line")))
                return inspector->cursorRect(QTextCursor(block));
    return {};
}

// The lines of the real worker's output on `model`, by event name.
QHash<QString, QByteArray> workerEvents(const QString& model) {
    QProcess worker;
    worker.start(QStringLiteral(PTL_CLI_PATH), {QStringLiteral("worker")});
    worker.write("{\"job\":\"inspect\",\"model\":\"" + model.toUtf8() + "\"}\n");
    QHash<QString, QByteArray> events;
    while (!events.contains(QStringLiteral("result")) && worker.waitForReadyRead(120000))
        while (worker.canReadLine()) {
            const QByteArray line = worker.readLine().trimmed();
            events.insert(QString::fromStdString(nlohmann::json::parse(line.toStdString()).at("event")), line);
        }
    worker.closeWriteChannel();
    worker.waitForFinished();
    return events;
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

    // The early graph comes without schemas and source lines; once they follow, the Inspector of
    // the node selected meanwhile shows them, while the analyses still run.
    void earlyGraphNodeGetsSchemaAndSourceLine() {
        const QString model = fixture(QStringLiteral("value_branch.pt"));
        const QHash<QString, QByteArray> events = workerEvents(model);
        QVERIFY(events.contains(QStringLiteral("graph")) && events.contains(QStringLiteral("graphDetails")));
        const ptl::Report early = ptl::earlyGraphFromJson(nlohmann::json::parse(events[QStringLiteral("graph")].toStdString()).at("report"));
        const ptl::Report detailed = ptl::withNodeDetails(
            early, nlohmann::json::parse(events[QStringLiteral("graphDetails")].toStdString()).at("details"));
        const ptl::Node* conv = nullptr;
        for (const ptl::Node& node : detailed.methods.front().graph.nodes)
            if (!conv && node.kind.rfind("aten::", 0) == 0 && !node.schema.empty() && node.source.line > 0) conv = &node;
        QVERIFY(conv);

        // A worker that answers with those events, the details once told to, and never ends.
        QTemporaryDir dir;
        auto write = [&](const QString& name, const QByteArray& bytes) {
            QFile file(dir.filePath(name));
            return file.open(QIODevice::WriteOnly) && file.write(bytes + '\n') == bytes.size() + 1;
        };
        QVERIFY(write(QStringLiteral("graph"), events[QStringLiteral("graph")]));
        QVERIFY(write(QStringLiteral("details"), events[QStringLiteral("graphDetails")]));
        const QString go = dir.filePath(QStringLiteral("go"));
        const QString script = QStringLiteral("#!/bin/sh\nread request\ncat '%1'\nwhile [ ! -e '%2' ]; do sleep 0.05; done\n"
                                              "cat '%3'\nexec sleep 600\n")
                                   .arg(dir.filePath(QStringLiteral("graph")), go, dir.filePath(QStringLiteral("details")));
        QVERIFY(write(QStringLiteral("worker"), script.toUtf8()));
        QFile(dir.filePath(QStringLiteral("worker"))).setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        qputenv("PTL_STUDIO_WORKER", dir.filePath(QStringLiteral("worker")).toUtf8());
        MainWindow window;
        qputenv("PTL_STUDIO_WORKER", PTL_CLI_PATH);
        window.setProperty("quietErrors", true);
        window.show();
        window.openModel(model);
        QVERIFY(waitForGraph(window));
        window.graph()->revealNode(conv->id);
        QTRY_COMPARE(window.graph()->selectedNode(), conv->id);
        const QString schema = QString::fromStdString(conv->schema), line = QString::fromStdString(conv->source.text);
        QVERIFY(!window.inspector()->toPlainText().contains(schema));
        QVERIFY(window.inspector()->toPlainText().contains(QLatin1String("not recorded")));

        QVERIFY(write(QStringLiteral("go"), {}));
        QTRY_VERIFY_WITH_TIMEOUT(window.inspector()->toPlainText().contains(schema), 20000);
        QVERIFY2(window.inspector()->toPlainText().contains(line), qPrintable(window.inspector()->toPlainText()));
        QVERIFY(!sourceLineRect(window.inspector()).isNull());
        QCOMPARE(window.graph()->selectedNode(), conv->id);
        QVERIFY(window.verdict()->text().contains(QLatin1String("Analysing")));  // the result is still to come
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

    // The most severe finding, its node deep in a collapsed box: once the graph has opened and
    // selected the node, the Inspector still shows the finding, its source line in view.
    void mostSevereFindingKeepsItsViewAndSourceLine() {
        MainWindow window;
        window.resize(1100, 480);
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("value_branch.pt"))));
        ptl::ui::GraphWidget* graph = window.graph();
        QSignalSpy laidOut(graph, &ptl::ui::GraphWidget::layoutFinished);
        graph->collapseAll();
        QVERIFY(laidOut.wait(20000));
        QAbstractItemModel* findings = window.findingsView()->model();
        QVERIFY(findings->rowCount() > 0);
        window.findingsView()->setCurrentIndex(findings->index(0, 0));
        if (graph->layoutPending()) QVERIFY(laidOut.wait(20000));  // the boxes holding its node open
        QTRY_VERIFY(graph->selectedNode() >= 0 && !graph->layoutPending());
        QTest::qWait(100);
        const QString text = window.inspector()->toPlainText();
        QVERIFY2(text.contains(QLatin1String("What to do")), qPrintable(text.left(300)));
        const QRect line = sourceLineRect(window.inspector());
        QVERIFY(line.isValid());
        QVERIFY2(window.inspector()->viewport()->rect().contains(line),
                 qPrintable(QStringLiteral("line at y %1, viewport height %2").arg(line.y()).arg(window.inspector()->viewport()->height())));
    }

    // Cancelling a load once its early graph is drawn puts the previous model back whole; while it
    // ran, nothing of the previous model sat under the new title.
    void cancelledLoadPutsThePreviousModelBack() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("value_branch.pt"))));
        QAbstractItemModel* findings = window.findingsView()->model();
        const int rows = findings->rowCount();
        QVERIFY(rows > 0);
        window.findingsView()->setCurrentIndex(findings->index(0, 0));
        QTRY_VERIFY(window.graph()->selectedNode() >= 0 && !window.graph()->layoutPending());
        const QString title = window.windowTitle(), counts = summary(window), inspector = window.inspector()->toPlainText();
        const int selected = window.graph()->selectedNode();
        const int tensors = window.tensorsModel()->rowCount();
        QVERIFY(tensors > 0);

        QVERIFY(openHalfway(window, fixture(QStringLiteral("static_guard.pt"))));
        QVERIFY2(!summary(window).contains(QLatin1String("errors")), qPrintable(summary(window)));
        QVERIFY(window.inspector()->toPlainText().isEmpty());
        QCOMPARE(window.graph()->selectedNode(), -1);
        QVERIFY(window.verdict()->isVisible());
        QVERIFY(window.verdict()->text().contains(QLatin1String("Analysing")));

        QToolButton* cancel = cancelButton(window);
        QVERIFY(cancel && cancel->isVisible());
        cancel->click();
        QCOMPARE(window.windowTitle(), title);
        QCOMPARE(summary(window), counts);
        QCOMPARE(findings->rowCount(), rows);
        QVERIFY(window.findingsView()->isVisible());
        QCOMPARE(window.inspector()->toPlainText(), inspector);
        QVERIFY(waitForGraph(window));
        QCOMPARE(window.graph()->selectedNode(), selected);
        QVERIFY(QString::fromStdString(window.report()->file).endsWith(QLatin1String("value_branch.pt")));
        QVERIFY(window.findChild<QPlainTextEdit*>(QStringLiteral("log"))->toPlainText().contains(QLatin1String("cancelled")));
        // The status bar says so too, after the graph put back has reported its layout.
        const QString status = window.statusBar()->currentMessage();
        QVERIFY2(status.contains(QLatin1String("static_guard.pt cancelled")) && status.contains(QLatin1String("value_branch.pt")),
                 qPrintable(status));
        // The Weights dock is whole again: its table, and the histogram of its first tensor.
        QCOMPARE(window.tensorsModel()->rowCount(), tensors);
        QCOMPARE(window.findChild<QCustomPlot*>(QStringLiteral("histogram"))->plottableCount(), 1);
    }

    // With no model to go back to, a cancelled load says so: never an empty, clean-looking table.
    void cancelledFirstLoadSaysNotAnalysed() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QVERIFY(openHalfway(window, fixture(QStringLiteral("static_guard.pt"))));
        cancelButton(window)->click();
        QVERIFY(window.windowTitle().contains(QLatin1String("not analysed")));
        QVERIFY(window.verdict()->isVisible());
        QVERIFY(window.verdict()->text().contains(QLatin1String("Not analysed")));
        QVERIFY(window.verdict()->text().contains(QLatin1String("cancelled")));
        QVERIFY(!window.findingsView()->isVisible());
        QCOMPARE(summary(window), QStringLiteral("Not analysed"));
    }

    // A model with no findings gets a verdict: what was checked and passed.
    void cleanModelShowsWhatPassed() {
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
        QCOMPARE(window.findingsModel()->rowCount(), 0);
        QVERIFY(window.verdict()->isVisible());
        QVERIFY(!window.findingsView()->isVisible());
        const QString verdict = window.verdict()->text();
        QVERIFY2(verdict.contains(QLatin1String("No findings")), qPrintable(verdict));
        QVERIFY(verdict.contains(QLatin1String("round trip ok")));
        QVERIFY(verdict.contains(QLatin1String("Shape-dependent control flow")));
        // A model with findings lists them in the table instead.
        QVERIFY(open(window, fixture(QStringLiteral("value_branch.pt"))));
        QVERIFY(window.findingsView()->isVisible());
        QVERIFY(!window.verdict()->isVisible());
    }

    // A double-click on a closed module box opens it (its first click selects it and must not).
    void doubleClickOpensModuleBox() {
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("static_guard.pt"))));
        ptl::ui::GraphWidget* graph = window.graph();
        QSignalSpy laidOut(graph, &ptl::ui::GraphWidget::layoutFinished);
        graph->collapseAll();
        QVERIFY(laidOut.wait(20000));
        const ptl::ui::GraphStructure* structure = graph->structure();
        int group = -1;
        for (const int child : structure->root().groups)
            if (structure->groups()[child].kind == ptl::ui::GroupKind::Module) group = child;
        QVERIFY(group > 0);
        QVERIFY(!graph->isExpanded(group));
        QGraphicsItem* box = nullptr;
        for (QGraphicsItem* item : graph->view()->scene()->items())
            if (item->toolTip().startsWith(QString::fromStdString(structure->groups()[group].title) + QLatin1Char('\n'))) box = item;
        QVERIFY(box);
        const QPoint header = graph->view()->mapFromScene(box->sceneBoundingRect().topLeft() + QPointF(24, 12));
        // As a window system delivers it: the first click, time for its effects, then the second.
        QTest::mouseClick(graph->view()->viewport(), Qt::LeftButton, {}, header);
        QTest::qWait(150);
        QVERIFY(!graph->layoutPending());
        QVERIFY(!graph->isExpanded(group));  // a click selects
        QTest::mouseDClick(graph->view()->viewport(), Qt::LeftButton, {}, header);
        QTest::mouseRelease(graph->view()->viewport(), Qt::LeftButton, {}, header);
        QTRY_VERIFY(!graph->layoutPending());
        QTest::qWait(100);
        QVERIFY(!graph->layoutPending());
        QVERIFY(graph->isExpanded(group));
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
        const QString text = window.inspector()->toPlainText();
        QVERIFY(text.contains(QLatin1String("Parameters")));
        // The class as the dock names it, without the compiler's prefix and mangling.
        QVERIFY2(!text.contains(QLatin1String("__torch__")) && !text.contains(QLatin1String("torch_mangle")), qPrintable(text));
    }

    // A model opened after another starts clean: nothing picked, an empty Inspector, its own
    // counts, its graph at its start rather than at the previous model's selection.
    void nextModelStartsWithNothingOfThePrevious() {
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("value_branch.pt"))));
        QAbstractItemModel* findings = window.findingsView()->model();
        QVERIFY(findings->rowCount() > 0);
        window.findingsView()->setCurrentIndex(findings->index(0, 0));
        QTRY_VERIFY(window.graph()->selectedNode() >= 0 && !window.graph()->layoutPending());
        QVERIFY(!window.inspector()->toPlainText().isEmpty());
        window.searchField()->setText(QStringLiteral("value_branch_only_op"));

        QVERIFY(open(window, fixture(QStringLiteral("static_guard.pt"))));
        QTest::qWait(100);
        QVERIFY2(window.searchField()->text().isEmpty(), qPrintable(window.searchField()->text()));
        QCOMPARE(window.graph()->selectedNode(), -1);
        QVERIFY(window.graph()->view()->scene()->selectedItems().isEmpty());
        QVERIFY(window.inspector()->toPlainText().isEmpty());
        QVERIFY(!window.findingsView()->currentIndex().isValid());
        QVERIFY(window.windowTitle().startsWith(QLatin1String("static_guard.pt")));
        QVERIFY(QString::fromStdString(window.report()->file).endsWith(QLatin1String("static_guard.pt")));
    }

    // Findings taking the keyboard focus (Tab, or the window activated again after a file dialog)
    // picks nothing: the table makes its first row current without selecting it, and the
    // Inspector and graph stay as they were until a row is picked.
    void keyboardFocusOnFindingsPicksNothing() {
        MainWindow window;
        window.show();
        QApplication::setActiveWindow(&window);
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(open(window, fixture(QStringLiteral("value_branch.pt"))));
        QTableView* view = window.findingsView();
        QVERIFY(view->model()->rowCount() > 1);
        view->setFocus(Qt::TabFocusReason);
        QTRY_VERIFY(view->hasFocus());
        QTest::qWait(100);
        QVERIFY2(window.inspector()->toPlainText().isEmpty(), qPrintable(window.inspector()->toPlainText()));
        QCOMPARE(window.graph()->selectedNode(), -1);

        // The keyboard still picks: the next row is selected and shown.
        QTest::keyClick(view, Qt::Key_Down);
        QTRY_VERIFY(view->selectionModel()->isSelected(view->currentIndex()));
        const QString category = view->model()->index(view->currentIndex().row(), ptl::ui::FindingsModel::CategoryColumn).data().toString();
        QTRY_VERIFY2(window.inspector()->toPlainText().contains(category), qPrintable(window.inspector()->toPlainText()));
    }

    // The shipping format shows what it holds: a flatbuffer or zip .ptl draws its ops from the
    // bytecode, lists the weights kept in its constants and counts its parameters.
    void liteFilesShowGraphAndWeights_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("flatbuffer") << QStringLiteral("clean_conv_flatbuffer.ptl");
        QTest::newRow("zip") << QStringLiteral("clean_conv.ptl");
    }

    void liteFilesShowGraphAndWeights() {
        QFETCH(QString, model);
        MainWindow window;
        window.show();
        QVERIFY(open(window, fixture(model)));
        QVERIFY(summary(window).startsWith(QLatin1String("Lite Interpreter")));
        QVERIFY(window.graph()->method());
        QStringList kinds;
        for (const ptl::Node& node : window.graph()->method()->graph.nodes) kinds << QString::fromStdString(node.kind);
        QVERIFY2(kinds.contains(QLatin1String("aten::max_pool2d")) && kinds.contains(QLatin1String("aten::flatten")),
                 qPrintable(kinds.join(QLatin1Char(' '))));
        int boxes = 0;
        for (QGraphicsItem* item : window.graph()->view()->scene()->items())
            if (item->flags() & QGraphicsItem::ItemIsSelectable) ++boxes;
        QVERIFY2(boxes >= 6, qPrintable(QString::number(boxes)));  // the ops, not a blank view
        QVERIFY(window.tensorsModel()->rowCount() >= 6);           // two convs and a linear: weight, bias
        const QModelIndex root = window.modulesModel()->index(0, ptl::ui::ModulesModel::ParametersColumn);
        QCOMPARE(root.data().toString(), QStringLiteral("2,098"));
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
        // With nothing to fall back to, the Findings dock says why it is empty and what to do.
        QVERIFY(window.verdict()->isVisible());
        QVERIFY2(window.verdict()->text().contains(QLatin1String("Nothing open")) &&
                     window.verdict()->text().contains(QLatin1String("zip_bomb.pt")) &&
                     window.verdict()->text().contains(QLatin1String("Open Demo Model")),
                 qPrintable(window.verdict()->text()));
        QVERIFY(!window.findingsView()->isVisible());
    }

    // A first load cancelled before its graph came leaves nothing open, and says so.
    void cancelledFirstLoadBeforeItsGraphSaysNothingOpen() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        window.openModel(fixture(QStringLiteral("static_guard.pt")));
        QVERIFY(cancelButton(window) && cancelButton(window)->isVisible());
        cancelButton(window)->click();
        QTRY_VERIFY(!cancelButton(window)->isVisible());
        QVERIFY(!window.report());
        QVERIFY(window.verdict()->isVisible());
        QVERIFY2(window.verdict()->text().contains(QLatin1String("Nothing open")) &&
                     window.verdict()->text().contains(QLatin1String("cancelled")),
                 qPrintable(window.verdict()->text()));
    }
};

QTEST_MAIN(MainWindowTest)
#include "tst_main_window.moc"
