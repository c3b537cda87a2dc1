// The running-job part of a dock that starts work in a worker (Shape Sweep, Compare, Convert):
// a progress bar, a Cancel button and a status line. Idle, the bar is hidden and Cancel is hidden
// or disabled; the owner places the three widgets in its own layout.
#pragma once

#include <QString>

class QLabel;
class QProgressBar;
class QPushButton;
class QWidget;

namespace ptl::ui {

class JobControls {
public:
    enum class IdleCancel { Hidden, Disabled };
    // `name` prefixes the widgets' object names: "<name>Cancel", "<name>Status".
    JobControls(QWidget* parent, const QString& name, IdleCancel idleCancel);

    void setRunning(bool running);  // a new job's bar starts empty
    void setProgress(double fraction);
    void setStatus(const QString& text);

    QProgressBar* progressBar() const { return progress_; }
    QPushButton* cancelButton() const { return cancel_; }
    QLabel* status() const { return status_; }

private:
    QProgressBar* progress_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QLabel* status_ = nullptr;
    IdleCancel idleCancel_;
};

}  // namespace ptl::ui
