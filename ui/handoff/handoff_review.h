// The window's handoff review: the Integration dock (Android and iOS code for the open model,
// with Copy buttons) and File > Save Review Report, both from the inspection and the variants
// the window already has; the same generator as `ptl-studio-cli report`.
#pragma once

#include "ptl/handoff.h"
#include "ptl/report.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QDockWidget;
class QMainWindow;
class QTabWidget;

namespace ptl::ui {

class ConvertWorkflow;

class HandoffReview : public QObject {
    Q_OBJECT
public:
    HandoffReview(QMainWindow* window, ConvertWorkflow* workflow);

    void setModel(const QString& path, std::shared_ptr<const Report> report);
    QDockWidget* integrationDock() const { return dock_; }
    QTabWidget* snippetTabs() const { return tabs_; }

    // What the report would hold now: the inspection and the verified or failed variants.
    ReviewInput reviewInput() const;
    // File > Save Review Report: a save dialog, then the file written off the UI thread.
    void saveReviewReport();
    // Without the dialog; `done` gets "" or the error, on the UI thread.
    void saveReviewReportTo(const QString& path, std::function<void(const QString& error)> done = {});

    // Tests replace the save dialog.
    using SaveFileChooser = std::function<QString(const QString& suggestedPath)>;
    void setSaveFileChooser(SaveFileChooser chooser) { chooseSaveFile_ = std::move(chooser); }

Q_SIGNALS:
    void logLine(const QString& line);

private:
    QMainWindow* window_;
    ConvertWorkflow* workflow_;
    QDockWidget* dock_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QString path_;
    std::shared_ptr<const Report> report_;
    SaveFileChooser chooseSaveFile_;

    void refreshSnippets();
    IntegrationSettings integrationSettings() const;
};

}  // namespace ptl::ui
