#include "docks/job_controls.h"

#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace ptl::ui {

JobControls::JobControls(QWidget* parent, const QString& name, IdleCancel idleCancel) : idleCancel_(idleCancel) {
    progress_ = new QProgressBar(parent);
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    cancel_ = new QPushButton(QObject::tr("Cancel"), parent);
    cancel_->setObjectName(name + QStringLiteral("Cancel"));
    status_ = new QLabel(parent);
    status_->setObjectName(name + QStringLiteral("Status"));
    status_->setWordWrap(true);
    // A long status wraps inside the dock instead of widening it.
    status_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    setRunning(false);
}

void JobControls::setRunning(bool running) {
    progress_->setVisible(running);
    if (running) progress_->setValue(0);
    if (idleCancel_ == IdleCancel::Hidden) cancel_->setVisible(running);
    else cancel_->setEnabled(running);
}

void JobControls::setProgress(double fraction) { progress_->setValue(int(fraction * 1000)); }

void JobControls::setStatus(const QString& text) { status_->setText(text); }

}  // namespace ptl::ui
