// The window's Shape Sweep: forward run at other input shapes than the sample's (ptl/sweep.h),
// in a worker of its own, with progress and cancel. The result is a new inspection of the open
// model with its sweep; the window adopts it, so the sweep's findings join Findings, and this
// dock shows one row per shape: ran or failed, the If/Loop decisions that differ from the
// sample's, the output shapes and the error.
#pragma once

#include "docks/job_controls.h"
#include "ptl/report.h"

#include <QAbstractTableModel>
#include <QObject>
#include <QStringList>

#include <memory>

class QDockWidget;
class QLabel;
class QLineEdit;
class QMainWindow;
class QPushButton;
class QTableView;

namespace ptl::ui {

class WorkerClient;

class SweepModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // Details: the error of a shape that failed, else the ifs and loops that went another way.
    enum Column { ShapeColumn, InputsColumn, ResultColumn, OutputsColumn, DetailsColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setReport(std::shared_ptr<const Report> report);  // its sweep's points; none without one
    const SweepPoint* point(const QModelIndex& index) const;
    // The node a row leads to: the first If/Loop that took another path, else the op that failed.
    int nodeOf(const QModelIndex& index) const;
    // "line 68 if: else (sample: then)" for each decision that differs from the sample's.
    QStringList differences(const SweepPoint& point) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const Report> report_;
    const SweepPoint* sample() const;
};

class SweepView : public QObject {
    Q_OBJECT
public:
    explicit SweepView(QMainWindow* window);

    // The model on screen (a new one cancels a running sweep) and the report whose sweep to show.
    void setModel(const QString& path, std::shared_ptr<const Report> report, const QStringList& inputSpecs);
    void setReport(std::shared_ptr<const Report> report);
    void run();     // sweeps the open model with the spec in the field ("" derives the shapes)
    void cancel();
    bool running() const { return job_ != 0; }

    QDockWidget* dock() const { return dock_; }
    QLineEdit* specField() const { return spec_; }
    QTableView* table() const { return table_; }
    QLabel* status() const { return jobControls_->status(); }
    QPushButton* runButton() const { return run_; }
    QPushButton* cancelButton() const { return jobControls_->cancelButton(); }
    SweepModel* model() const { return model_; }
    WorkerClient* worker() const { return worker_; }

Q_SIGNALS:
    // A finished sweep: a new inspection of the open model, with its sweep and sweep findings.
    void swept(std::shared_ptr<const Report> report);
    void revealNode(int node);
    void logLine(const QString& line);
    void ended();  // after swept(), or a failed or cancelled sweep

private:
    QDockWidget* dock_ = nullptr;
    QLineEdit* spec_ = nullptr;
    QPushButton* run_ = nullptr;
    std::unique_ptr<JobControls> jobControls_;
    QTableView* table_ = nullptr;
    SweepModel* model_ = nullptr;
    WorkerClient* worker_ = nullptr;
    QString path_;
    QStringList inputSpecs_;
    std::shared_ptr<const Report> report_;
    quint64 job_ = 0;

    void setRunning(bool running);
    void showSummary();
    void endWithoutResult(const QString& status);  // cancelled or failed: no rows
};

}  // namespace ptl::ui
