// Docks that show a job's results (Shape Sweep, Compare) take enough of the window's height to
// show more than a few rows once the job starts; the user's larger size is kept.
#pragma once

#include <QDockWidget>
#include <QMainWindow>

namespace ptl::ui {

inline void makeRoomFor(QDockWidget* dock, double heightShare = 0.4) {
    auto* window = qobject_cast<QMainWindow*>(dock->parentWidget());
    if (!window) return;
    const int wanted = int(window->height() * heightShare);
    if (dock->height() < wanted) window->resizeDocks({dock}, {wanted}, Qt::Vertical);
}

}  // namespace ptl::ui
