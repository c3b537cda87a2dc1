// Driving the real window in offscreen tests: fixtures, opening a model through the worker and
// waiting for its graph, answering the next modal dialog, finding menu actions and toolbar
// buttons, and measuring what is drawn (text contrast in a rendered cell).
#pragma once

#include "graph/graph_widget.h"
#include "main_window.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QImage>
#include <QMenu>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTimer>
#include <QToolBar>
#include <QtTest>

#include <cmath>
#include <functional>
#include <map>

namespace ptl::test {

inline QString fixture(const QString& name) { return QStringLiteral(PTL_FIXTURES_DIR "/") + name; }

// True once the graph has a laid-out scene and no layout is pending.
inline bool waitForGraph(ui::MainWindow& window) {
    return QTest::qWaitFor(
        [&] { return !window.graph()->layoutPending() && !window.graph()->view()->scene()->items().isEmpty(); }, 20000);
}

// Opens `model` and waits until its report is shown and its graph laid out.
inline bool openAndWait(ui::MainWindow& window, const QString& model) {
    QSignalSpy shown(&window, &ui::MainWindow::reportShown);
    window.openModel(model);
    return shown.wait(60000) && waitForGraph(window);
}

inline QAction* menuAction(ui::MainWindow& window, const QString& text) {
    for (QAction* menu : window.menuBar()->actions())
        for (QAction* action : menu->menu()->actions())
            if (action->text() == text) return action;
    return nullptr;
}

// Runs `handle` on the next modal dialog that opens (a file dialog, a message box); the watch
// ends with `owner`.
inline void onNextDialog(QObject* owner, std::function<void(QWidget*)> handle) {
    auto* timer = new QTimer(owner);
    timer->setInterval(50);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, handle] {
        QWidget* dialog = QApplication::activeModalWidget();
        if (!dialog) return;
        timer->deleteLater();
        timer->stop();
        handle(dialog);
    });
    timer->start();
}

// The toolbar entries a person cannot see: behind the extension button or outside their bar.
inline QStringList hiddenToolbarEntries(ui::MainWindow& window) {
    QStringList hidden;
    for (QToolBar* bar : window.findChildren<QToolBar*>()) {
        if (!bar->isVisible()) continue;
        for (QAction* action : bar->actions()) {
            if (action->isSeparator()) continue;
            QWidget* button = bar->widgetForAction(action);
            if (button && button->isVisible() && bar->rect().contains(button->geometry())) continue;
            hidden << (action->text().isEmpty() && button ? button->objectName() : action->text());
        }
    }
    return hidden;
}

// WCAG contrast ratio of two opaque colours.
inline double contrast(const QColor& a, const QColor& b) {
    auto luminance = [](const QColor& colour) {
        auto channel = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

// The contrast of the text drawn in a view's cell, as rendered: its commonest colour is the
// background, the pixel that differs most from it is the text's core.
inline double renderedTextContrast(QAbstractItemView* view, const QModelIndex& index) {
    const QImage image = view->viewport()->grab(view->visualRect(index)).toImage();
    std::map<QRgb, int> counts;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) ++counts[image.pixel(x, y)];
    QRgb background = 0;
    int most = -1;
    for (const auto& [colour, count] : counts)
        if (count > most) std::tie(background, most) = std::tie(colour, count);
    double best = 1;
    for (const auto& entry : counts) best = std::max(best, contrast(QColor(entry.first), QColor(background)));
    return best;
}

}  // namespace ptl::test
