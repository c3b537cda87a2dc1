// The window's Export Readiness dock: what blocks moving the open model to torch.export /
// ExecuTorch (ptl/export_readiness.h), one row per construct with its line and finding; picking a
// row shows what to do and asks the window to reveal its node and finding. Below, the export call
// with the dynamic shapes to declare, with a Copy button.
#pragma once

#include "ptl/export_readiness.h"
#include "ptl/report.h"

#include <QAbstractTableModel>
#include <QObject>

#include <memory>

class QDockWidget;
class QLabel;
class QMainWindow;
class QPlainTextEdit;
class QTabWidget;
class QTableView;
class QTextBrowser;

namespace ptl::ui {

class ExportReadinessModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ImpactColumn, ConstructColumn, SourceColumn, FindingColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setReadiness(std::shared_ptr<const ExportReadiness> readiness);
    const ExportItem* item(const QModelIndex& index) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const ExportReadiness> readiness_;
};

class ExportReadinessView : public QObject {
    Q_OBJECT
public:
    explicit ExportReadinessView(QMainWindow* window);

    void setReport(std::shared_ptr<const Report> report);  // nullptr: no model open
    void setPending(const QString& text);  // a model is loading, or its load ended without a report
    QDockWidget* dock() const { return dock_; }
    QTableView* table() const { return table_; }
    QLabel* summary() const { return summary_; }
    QTextBrowser* details() const { return details_; }
    QPlainTextEdit* exportCode() const { return code_; }
    ExportReadinessModel* model() const { return model_; }
    std::shared_ptr<const ExportReadiness> readiness() const { return readiness_; }

Q_SIGNALS:
    // A row was picked: show its node in the graph and its finding ("" for graph-only items).
    void revealRequested(const QString& method, int node, const QString& findingId);

private:
    QDockWidget* dock_ = nullptr;
    QLabel* summary_ = nullptr;
    QTableView* table_ = nullptr;
    QTabWidget* tabs_ = nullptr;  // the details and the export call
    QTextBrowser* details_ = nullptr;
    QPlainTextEdit* code_ = nullptr;
    ExportReadinessModel* model_ = nullptr;
    std::shared_ptr<const ExportReadiness> readiness_;

    void showItem(const QModelIndex& index);
    void showChecked();
};

}  // namespace ptl::ui
