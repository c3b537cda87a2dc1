// The window's Compare view: the open model against a second one (another file, or a variant the
// Convert workflow made), compared in a worker of its own with progress and cancel
// (ptl/compare.h): op-count differences, module differences by path, and both models' outputs
// over a shape sweep with max abs difference and cosine per shape, in three tables.
#pragma once

#include "docks/job_controls.h"
#include "ptl/compare.h"

#include <QAbstractTableModel>
#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMainWindow;
class QPushButton;
class QTabWidget;
class QTableView;

namespace ptl::ui {

class VariantsModel;
class WorkerClient;

// One table of a comparison: the op counts, the modules or the outputs per shape.
class ComparisonModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Table { Operators, Modules, Outputs };
    ComparisonModel(Table table, QObject* parent = nullptr) : QAbstractTableModel(parent), table_(table) {}
    void setComparison(std::shared_ptr<const Comparison> comparison);
    Table table() const { return table_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Table table_;
    std::shared_ptr<const Comparison> comparison_;
    std::vector<const OpCountDiff*> ops_;  // the op kinds whose counts differ
    QVariant operatorData(const OpCountDiff& op, int column, int role) const;
    QVariant moduleData(const ModuleDiff& module, int column, int role) const;
    QVariant outputData(const ComparedPoint& point, int column, int role) const;
};

class CompareView : public QObject {
    Q_OBJECT
public:
    CompareView(QMainWindow* window, VariantsModel* variants);

    void setModel(const QString& path, const QStringList& inputSpecs);  // a new model cancels a comparison
    // File > Compare With...: a file dialog (or the test's chooser), then compare().
    void compareWithFile();
    void compare(const QString& other);  // the open model against `other`, over the sweep in the field
    void cancel();
    bool running() const { return job_ != 0; }

    using FileChooser = std::function<QString()>;
    void setFileChooser(FileChooser chooser) { chooseFile_ = std::move(chooser); }

    QDockWidget* dock() const { return dock_; }
    QLabel* status() const { return jobControls_->status(); }
    QLineEdit* sweepField() const { return sweep_; }
    QComboBox* variantBox() const { return variantBox_; }
    QTabWidget* tabs() const { return tabs_; }
    ComparisonModel* operators() const { return operators_; }
    ComparisonModel* modules() const { return modules_; }
    ComparisonModel* outputs() const { return outputs_; }
    std::shared_ptr<const Comparison> comparison() const { return comparison_; }
    WorkerClient* worker() const { return worker_; }

Q_SIGNALS:
    void logLine(const QString& line);
    void finished();  // a comparison ended: shown, failed or cancelled

private:
    QDockWidget* dock_ = nullptr;
    QLineEdit* sweep_ = nullptr;
    QComboBox* variantBox_ = nullptr;
    QPushButton* compareFile_ = nullptr;
    QPushButton* compareVariant_ = nullptr;
    std::unique_ptr<JobControls> jobControls_;
    QTabWidget* tabs_ = nullptr;
    ComparisonModel* operators_ = nullptr;
    ComparisonModel* modules_ = nullptr;
    ComparisonModel* outputs_ = nullptr;
    VariantsModel* variants_ = nullptr;
    WorkerClient* worker_ = nullptr;
    FileChooser chooseFile_;
    QString path_, other_;
    QStringList inputSpecs_;
    std::shared_ptr<const Comparison> comparison_;
    quint64 job_ = 0;

    void refreshVariants();
    void show(std::shared_ptr<const Comparison> comparison);
    void ended(const QString& status);  // cancelled or failed: empty tables
    void setRunning(bool running);
};

}  // namespace ptl::ui
