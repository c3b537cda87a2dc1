// The window's frame as a person sees it, offscreen, on real models through the worker: docks
// that show their names and numbers, the weights splitter remembered, the legend whole at
// 1400 px, files dropped on the graph, Open Recent, Export Graph Image with any name, a window
// that fits a small (or scaled) screen, one timestamp per log line, Ctrl+= zoom, About, and a
// graph and inspector that stay readable on a dark palette.
#include "dark_palette.h"
#include "graph/graph_widget.h"
#include "main_window.h"
#include "models/report_models.h"
#include "plots/qcustomplot.h"
#include "ptl/version.h"
#include "support/window_driver.h"

#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QLineEdit>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QTabBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QToolBar>
#include <QTreeView>
#include <QtTest>

#include <functional>

using ptl::ui::MainWindow;

using ptl::test::contrast;
using ptl::test::fixture;
using ptl::test::menuAction;
using ptl::test::onNextDialog;
using ptl::ui::darkPalette;

namespace {

bool open(MainWindow& window, const QString& model) { return ptl::test::openAndWait(window, model); }

}  // namespace

class WindowDocksTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        Q_INIT_RESOURCE(resources);  // the demo model
        QStandardPaths::setTestModeEnabled(true);
        qputenv("PTL_STUDIO_WORKER", PTL_CLI_PATH);
    }

    void init() { QSettings().clear(); }

    // Names are what a module tree is for: the Name column shows them whole at the default size.
    void modulesShowTheirNames() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.resize(1400, 900);
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("text_classifier.pt"))));
        QTreeView* view = window.modulesView();
        const QModelIndex root = view->model()->index(0, 0);
        QVERIFY(view->model()->rowCount(root) > 0);
        for (int row = -1; row < view->model()->rowCount(root); ++row) {
            const QModelIndex index = row < 0 ? root : view->model()->index(row, 0, root);
            const QString name = index.data().toString();
            const int needed = view->fontMetrics().horizontalAdvance(name);
            const QRect cell = view->visualRect(index);
            QVERIFY2(cell.width() >= needed + 4,
                     qPrintable(QStringLiteral("%1: %2 px shown, %3 needed").arg(name).arg(cell.width()).arg(needed)));
        }
    }

    // The weights table: one line per tensor, its full name, several rows visible, and the
    // histogram shows the first tensor without anything picked.
    void weightsTableAndHistogramReadable() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.resize(1400, 900);
        window.show();
        window.findChild<QDockWidget*>(QStringLiteral("WeightsDock"))->raise();
        QVERIFY(open(window, fixture(QStringLiteral("text_classifier.pt"))));
        auto* table = window.findChild<QTableView*>(QStringLiteral("tensorsView"));
        QVERIFY(table);
        QVERIFY(!table->wordWrap());
        QVERIFY(table->model()->rowCount() >= 3);
        QTRY_VERIFY(table->isVisible());
        const int rows = table->viewport()->height() / table->verticalHeader()->defaultSectionSize();
        QVERIFY2(rows >= 5, qPrintable(QStringLiteral("%1 rows visible").arg(rows)));
        for (int row = 0; row < table->model()->rowCount(); ++row) {
            const QModelIndex index = table->model()->index(row, ptl::ui::TensorsModel::NameColumn);
            const int needed = table->fontMetrics().horizontalAdvance(index.data().toString());
            QVERIFY2(table->columnWidth(ptl::ui::TensorsModel::NameColumn) >= needed,
                     qPrintable(index.data().toString()));
        }
        auto* histogram = window.findChild<QCustomPlot*>(QStringLiteral("histogram"));
        QVERIFY(histogram);
        QCOMPARE(histogram->plottableCount(), 1);
        QVERIFY(histogram->xAxis->label().size() > 0);
    }

    // At its narrowest the histogram still reads: its value labels do not run into each other
    // and the tensor's name under it is elided to fit rather than cut off at the edge.
    // (The demo's batch-norm weights are all 1: a range of 0.5 to 1.5 that readable steps fill
    // with five labels.)
    void narrowHistogramLabelsReadable_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("text classifier") << fixture(QStringLiteral("text_classifier.pt"));
        QTest::newRow("demo") << QString();
    }

    void narrowHistogramLabelsReadable() {
        QFETCH(QString, model);
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.resize(1400, 900);
        window.show();
        window.findChild<QDockWidget*>(QStringLiteral("WeightsDock"))->raise();
        if (model.isEmpty()) {
            QSignalSpy shown(&window, &MainWindow::reportShown);
            window.openDemo();
            QVERIFY(shown.wait(60000));
        } else {
            QVERIFY(open(window, model));
        }
        auto* splitter = window.findChild<QSplitter*>(QStringLiteral("weightsSplitter"));
        auto* histogram = window.findChild<QCustomPlot*>(QStringLiteral("histogram"));
        auto* table = window.findChild<QTableView*>(QStringLiteral("tensorsView"));
        QTRY_VERIFY(splitter->isVisible());
        // Room below the axis for its values and, under them, the tensor's name (also for the
        // first tensor, shown while the axis had no name).
        auto roomForName = [histogram] {
            const int needed = QFontMetrics(histogram->xAxis->tickLabelFont()).height() +
                               QFontMetrics(histogram->xAxis->labelFont()).height();
            return histogram->axisRect()->margins().bottom() >= needed;
        };
        QVERIFY(histogram->plottableCount() == 1 && roomForName());
        const int total = splitter->sizes().value(0) + splitter->sizes().value(1);
        splitter->setSizes({total - histogram->minimumWidth(), histogram->minimumWidth()});
        QTRY_COMPARE(histogram->width(), histogram->minimumWidth());
        int checked = 0;
        for (int row = 0; row < table->model()->rowCount(); ++row) {
            table->setCurrentIndex(table->model()->index(row, 0));
            if (histogram->plottableCount() == 0) continue;  // no values recorded
            QVERIFY(roomForName());
            const QString name = table->model()->index(row, ptl::ui::TensorsModel::NameColumn).data().toString();
            QCPAxis* axis = histogram->xAxis;
            const QFontMetrics ticks(axis->tickLabelFont());
            const QVector<double> at = axis->tickVector();
            const QVector<QString> labels = axis->tickVectorLabels();
            int previousRight = -1000;
            for (int i = 0; i < at.size(); ++i) {
                if (!axis->range().contains(at[i])) continue;
                const double centre = axis->coordToPixel(at[i]);
                const int half = ticks.horizontalAdvance(labels[i]) / 2;
                QVERIFY2(centre - half >= previousRight + 2,
                         qPrintable(QStringLiteral("%1: tick label %2 runs into the one before").arg(name, labels[i])));
                previousRight = int(centre + half);
            }
            // Centred under the axis: room is twice the distance from its centre to the plot's right edge.
            const int room = 2 * (histogram->width() - histogram->axisRect()->center().x());
            const int needed = QFontMetrics(axis->labelFont()).horizontalAdvance(axis->label());
            QVERIFY2(needed <= room, qPrintable(QStringLiteral("%1: label %2 px in %3 px").arg(axis->label()).arg(needed).arg(room)));
            QCOMPARE(histogram->toolTip(), name);
            ++checked;
        }
        QVERIFY(checked >= 3);
    }

    void weightsSplitterIsRemembered() {
        QList<int> chosen;
        {
            MainWindow window;
            window.setProperty("quietErrors", true);
            window.resize(1400, 900);
            window.show();
            auto* splitter = window.findChild<QSplitter*>(QStringLiteral("weightsSplitter"));
            QVERIFY(splitter);
            window.findChild<QDockWidget*>(QStringLiteral("WeightsDock"))->raise();
            QTRY_VERIFY(splitter->isVisible());
            const int total = splitter->sizes().value(0) + splitter->sizes().value(1);
            splitter->setSizes({total / 4, total - total / 4});
            chosen = splitter->sizes();
            QVERIFY(window.close());
        }
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.resize(1400, 900);
        window.show();
        window.findChild<QDockWidget*>(QStringLiteral("WeightsDock"))->raise();
        auto* splitter = window.findChild<QSplitter*>(QStringLiteral("weightsSplitter"));
        QTRY_VERIFY(splitter->isVisible());
        QVERIFY2(std::abs(splitter->sizes().value(0) - chosen.value(0)) <= 2,
                 qPrintable(QStringLiteral("%1 restored, %2 saved").arg(splitter->sizes().value(0)).arg(chosen.value(0))));
    }

    void legendWholeAt1400() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.findChild<QToolBar*>(QStringLiteral("LegendToolBar")));
        const QStringList hidden = ptl::test::hiddenToolbarEntries(window);
        QVERIFY2(hidden.isEmpty(), qPrintable(hidden.join(QStringLiteral(", ")) + QStringLiteral(" behind the extension button")));
    }

    // Qt hands a drop to the deepest widget under the cursor that accepts drops; the graph's
    // viewport must not swallow it.
    void dropOnGraphOpensTheModel() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QPoint centre = window.graph()->mapTo(&window, window.graph()->rect().center());
        QWidget* target = window.childAt(centre);
        while (target && !target->acceptDrops()) target = target->parentWidget();
        QVERIFY(target);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(fixture(QStringLiteral("clean_conv.pt")))});
        const QPoint local = target->mapFrom(&window, centre);
        QDragEnterEvent enter(local, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(target, &enter);
        QVERIFY2(enter.isAccepted(), target->metaObject()->className());
        QSignalSpy shown(&window, &MainWindow::reportShown);
        QDropEvent drop(QPointF(local), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(target, &drop);
        QVERIFY(shown.wait(60000));
        QVERIFY(window.windowTitle().contains(QLatin1String("clean_conv.pt")));
    }

    void openRecentListsFilesUnderTmp() {
        QTemporaryDir directory;  // under /tmp
        const QString copy = directory.filePath(QStringLiteral("copy.pt"));
        QVERIFY(QFile::copy(fixture(QStringLiteral("clean_conv.pt")), copy));
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QVERIFY(open(window, copy));
        auto* recent = window.findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(recent);
        QStringList entries;
        for (QAction* action : recent->actions()) entries << action->text();
        QVERIFY2(entries.join(QLatin1Char('\n')).contains(copy), qPrintable(entries.join(QLatin1Char('\n'))));
    }

    void openRecentLeavesOutTheDemo() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QSignalSpy shown(&window, &MainWindow::reportShown);
        window.openDemo();
        QVERIFY2(shown.wait(60000), qPrintable(window.lastError()));
        auto* recent = window.findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(recent);
        QVERIFY(recent->actions().isEmpty());
    }

    void exportGraphImageAddsTheSuffix_data() {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("written");
        QTest::newRow("no suffix") << QStringLiteral("graph") << QStringLiteral("graph.png");
        QTest::newRow(".ptl") << QStringLiteral("model.ptl") << QStringLiteral("model.ptl.png");
        QTest::newRow(".svg") << QStringLiteral("drawing.svg") << QStringLiteral("drawing.svg");
    }

    void exportGraphImageAddsTheSuffix() {
        QFETCH(QString, typed);
        QFETCH(QString, written);
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
        QTemporaryDir directory;
        QAction* exportImage = menuAction(window, QStringLiteral("&Export Graph Image..."));
        QVERIFY(exportImage);
        QString failure;
        onNextDialog(&window, [&](QWidget* dialog) {
            auto* files = qobject_cast<QFileDialog*>(dialog);
            if (!files) {
                failure = QStringLiteral("expected the save dialog, got %1").arg(dialog->metaObject()->className());
                dialog->close();
                return;
            }
            files->setDirectory(directory.path());
            auto* name = files->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"));
            if (name) name->setText(typed);
            else files->selectFile(directory.filePath(typed));
            static_cast<QDialog*>(files)->accept();  // QFileDialog hides it
            // A failure would show a message box: record it and close it.
            onNextDialog(&window, [&](QWidget* box) {
                if (auto* message = qobject_cast<QMessageBox*>(box)) failure = message->text();
                box->close();
            });
        });
        exportImage->trigger();
        QTRY_VERIFY2(QFileInfo::exists(directory.filePath(written)) || !failure.isEmpty(), qPrintable(written));
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        if (written.endsWith(QLatin1String(".png"))) QVERIFY(!QImage(directory.filePath(written)).isNull());
        else QVERIFY(QFileInfo(directory.filePath(written)).size() > 1000);
    }

    // A scaled screen (QT_SCALE_FACTOR=2 makes 1600x1000 pixels 800x500 logical; CTest runs this
    // case so as tst_window_docks_scaled) or a small one: the window fits, also when the saved
    // geometry is larger; the graph keeps a usable share.
    void windowFitsTheScreen() {
        const QRect available = QGuiApplication::primaryScreen()->availableGeometry();
        {
            MainWindow window;
            window.setProperty("quietErrors", true);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QVERIFY2(available.contains(window.frameGeometry()),
                     qPrintable(QStringLiteral("%1x%2 on %3x%4").arg(window.width()).arg(window.height())
                                    .arg(available.width()).arg(available.height())));
            QString docks;
            for (QDockWidget* dock : window.findChildren<QDockWidget*>())
                if (dock->isVisible()) docks += QStringLiteral(" %1:%2(min %3)").arg(dock->objectName()).arg(dock->width()).arg(dock->minimumSizeHint().width());
            QVERIFY2(window.graph()->width() >= window.width() / 3,
                     qPrintable(QStringLiteral("graph %1 px of %2;%3").arg(window.graph()->width()).arg(window.width()).arg(docks)));
            // Every toolbar button and the whole legend in view, none behind an extension button.
            const QStringList hidden = ptl::test::hiddenToolbarEntries(window);
            QVERIFY2(hidden.isEmpty(), qPrintable(hidden.join(QStringLiteral(", ")) + QStringLiteral(" hidden")));
            QVERIFY2(window.graph()->height() >= window.height() / 3,
                     qPrintable(QStringLiteral("graph %1 px of %2").arg(window.graph()->height()).arg(window.height())));
            for (QDockWidget* dock : window.findChildren<QDockWidget*>()) {
                if (dock->widget()->visibleRegion().isEmpty()) continue;  // a tab behind another
                QVERIFY2(dock->widget()->width() >= 120 && dock->widget()->height() >= 60,
                         qPrintable(QStringLiteral("%1: %2x%3").arg(dock->objectName()).arg(dock->widget()->width())
                                        .arg(dock->widget()->height())));
            }
            // Docks stacked as tabs show their titles whole (the rest behind scroll arrows), not "C…".
            for (QTabBar* bar : window.findChildren<QTabBar*>(Qt::FindDirectChildrenOnly)) {
                if (!bar->isVisible()) continue;
                for (int tab = 0; tab < bar->count(); ++tab)
                    QVERIFY2(bar->tabRect(tab).width() >= bar->fontMetrics().horizontalAdvance(bar->tabText(tab)),
                             qPrintable(QStringLiteral("tab %1: %2 px").arg(bar->tabText(tab)).arg(bar->tabRect(tab).width())));
            }
            window.resize(available.width() * 2, available.height() * 2);  // as saved on a larger screen
            QVERIFY(window.close());
        }
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY2(available.contains(window.frameGeometry()),
                 qPrintable(QStringLiteral("restored %1x%2 on %3x%4").arg(window.width()).arg(window.height())
                                .arg(available.width()).arg(available.height())));
        QVERIFY(window.graph()->width() >= window.width() / 3);
    }

    // The worker's lines arrive without its own clock: the Log stamps each line once.
    void logLinesCarryOneTimestamp() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        window.setWorkerFaultForTests(QStringLiteral("no-such-fault"));  // the worker warns about it
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
        const QStringList lines = window.findChild<QPlainTextEdit*>(QStringLiteral("log"))->toPlainText().split(QLatin1Char('\n'));
        const QRegularExpression clock(QStringLiteral("\\d\\d:\\d\\d:\\d\\d"));
        bool sawWorker = false;
        for (const QString& line : lines) {
            sawWorker |= line.contains(QLatin1String("PTL_WORKER_FAULT"));
            int stamps = 0;
            for (auto it = clock.globalMatch(line); it.hasNext(); it.next()) ++stamps;
            QVERIFY2(stamps == 1, qPrintable(line));
        }
        QVERIFY(sawWorker);
    }

    void ctrlEqualsZoomsIn() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        window.show();
        QVERIFY(open(window, fixture(QStringLiteral("clean_conv.pt"))));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        const double before = window.graph()->view()->transform().m11();
        QTest::keyClick(window.graph()->view(), Qt::Key_Equal, Qt::ControlModifier);
        QVERIFY2(window.graph()->view()->transform().m11() > before * 1.1,
                 qPrintable(QString::number(window.graph()->view()->transform().m11())));
        QTest::keyClick(window.graph()->view(), Qt::Key_Minus, Qt::ControlModifier);
        QVERIFY(std::abs(window.graph()->view()->transform().m11() - before) < before * 0.01);
    }

    void aboutNamesVersionAndWhereFiguresAre() {
        MainWindow window;
        window.setProperty("quietErrors", true);
        QAction* action = menuAction(window, QStringLiteral("&About PTL Studio"));
        QVERIFY(action);
        QString about;
        onNextDialog(&window, [&](QWidget* dialog) {
            if (auto* box = qobject_cast<QMessageBox*>(dialog)) about = box->text();
            dialog->close();
        });
        action->trigger();
        QVERIFY(about.contains(QStringLiteral(PTL_VERSION)));
        QVERIFY(about.contains(QStringLiteral(QT_VERSION_STR)));
        // The measured figures it mentions are the Variants dock's.
        QVERIFY(about.contains(QLatin1String("Variants")));
        auto* variants = window.findChild<QDockWidget*>(QStringLiteral("VariantsDock"));
        QVERIFY(variants);
        QVERIFY(variants->windowTitle().contains(QLatin1String("Variants")));
    }

    // Following the system palette: on a dark one the graph is dark, its text readable, and the
    // inspector's source listing keeps its contrast.
    void darkPaletteKeepsGraphReadable() {
        const QPalette light = QApplication::palette();
        QApplication::setPalette(darkPalette());
        {
            MainWindow window;
            window.setProperty("quietErrors", true);
            window.resize(1400, 900);
            window.show();
            QVERIFY(open(window, fixture(QStringLiteral("value_branch.pt"))));
            const QColor background = window.graph()->view()->backgroundBrush().color();
            QVERIFY2(background.lightness() < 80, qPrintable(background.name()));
            const ptl::ui::GraphColours colours = ptl::ui::graphColours(window.graph()->palette());
            QVERIFY(contrast(colours.opText, colours.opFill) >= 7);
            QVERIFY(contrast(colours.opDetail, colours.opFill) >= 4.5);
            QVERIFY(contrast(colours.groupText, colours.moduleFill) >= 7 && contrast(colours.groupText, colours.blockFill) >= 7);
            QVERIFY(contrast(colours.edge, background) >= 3);
            // What is drawn: mostly dark.
            const QImage image = window.graph()->view()->viewport()->grab().toImage();
            qint64 sum = 0;
            for (int y = 0; y < image.height(); y += 4)
                for (int x = 0; x < image.width(); x += 4) sum += QColor(image.pixel(x, y)).lightness();
            const double mean = double(sum) / ((image.height() / 4 + 1) * (image.width() / 4 + 1));
            QVERIFY2(mean < 90, qPrintable(QString::number(mean)));
            // The finding's source listing: the highlighted line on its amber keeps dark text.
            QAbstractItemModel* findings = window.findingsView()->model();
            QVERIFY(findings->rowCount() > 0);
            window.findingsView()->setCurrentIndex(findings->index(0, 0));
            const QString html = window.inspector()->toHtml();
            QVERIFY(!html.contains(QLatin1String("#f8fafc")));
        }
        QApplication::setPalette(light);
        const ptl::ui::GraphColours colours = ptl::ui::graphColours(light);
        QVERIFY(contrast(colours.opText, colours.opFill) >= 7);
        QVERIFY(contrast(colours.groupText, colours.moduleFill) >= 7 && contrast(colours.groupText, colours.blockFill) >= 7);
    }

    // The severity column's colours read on the palette's base, and on the selection's blue
    // once their row is picked (the selected row's text turns to the highlighted-text colour).
    void severityReadableWhenSelected_data() {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    void severityReadableWhenSelected() {
        QFETCH(bool, dark);
        const QPalette light = QApplication::palette();
        if (dark) QApplication::setPalette(darkPalette());
        {
            MainWindow window;
            window.setProperty("quietErrors", true);
            window.resize(1400, 900);
            window.show();
            QSignalSpy shown(&window, &MainWindow::reportShown);
            window.openDemo();  // errors, warnings and info
            QVERIFY(shown.wait(60000));
            QTableView* view = window.findingsView();
            QAbstractItemModel* findings = view->model();
            // A selected row reads at least as well as the palette's own selection text (Qt's
            // default blue gives white 3.6:1).
            const QPalette palette = view->palette();
            const double selectionText =
                std::min(4.5, 0.95 * contrast(palette.color(QPalette::HighlightedText), palette.color(QPalette::Highlight)));
            QStringList seen;
            for (int row = 0; row < findings->rowCount(); ++row) {
                const QModelIndex severity = findings->index(row, ptl::ui::FindingsModel::SeverityColumn);
                if (seen.contains(severity.data().toString())) continue;
                seen << severity.data().toString();
                view->scrollTo(severity);
                view->clearSelection();
                const double plain = ptl::test::renderedTextContrast(view, severity);
                view->selectionModel()->select(severity, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                const double selected = ptl::test::renderedTextContrast(view, severity);
                QVERIFY2(plain >= 4.5 && selected >= selectionText,
                         qPrintable(QStringLiteral("%1: contrast %2, selected %3").arg(severity.data().toString()).arg(plain).arg(selected)));
            }
            QCOMPARE(seen.size(), 3);
        }
        QApplication::setPalette(light);
    }
};

QTEST_MAIN(WindowDocksTest)
#include "tst_window_docks.moc"
