// Qt item models over the report: findings, the module tree and weight tensors.
#pragma once

#include "ptl/report.h"

#include <QAbstractItemModel>
#include <QAbstractTableModel>
#include <QGuiApplication>
#include <QPalette>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>

#include <memory>

namespace ptl::ui {

enum ReportRole { IndexRole = Qt::UserRole + 1, SortRole };

// A severity's colour, readable on the palette's base (lighter shades on a dark one).
QColor severityColor(Severity severity, const QPalette& palette = QGuiApplication::palette());

// Item text coloured by the model (severities, failed variants) turns to the palette's
// highlighted text when its row is selected: red or blue on the selection's blue cannot be read.
class SelectionTextDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override;
};

class FindingsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SeverityColumn, CategoryColumn, MessageColumn, LocationColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setReport(std::shared_ptr<const Report> report);
    const Finding* finding(const QModelIndex& index) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const Report> report_;
};

// Filters findings by minimum severity, category family ("lite", ...) and free text.
class FindingsFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setMinimumSeverity(Severity severity);
    void setCategoryFamily(const QString& family);  // empty: every family
    void setText(const QString& text);

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

private:
    Severity minimum_ = Severity::Info;
    QString family_, text_;
};

// The module tree; each item's internal id is its index in Report::modules.
class ModulesModel : public QAbstractItemModel {
    Q_OBJECT
public:
    // MACs and their share of the model's are forward's on the sample inputs (blank without them).
    enum Column { NameColumn, TypeColumn, ParametersColumn, BytesColumn, MacsColumn, ShareColumn, ColumnCount };
    using QAbstractItemModel::QAbstractItemModel;
    void setReport(std::shared_ptr<const Report> report);
    const ModuleInfo* module(const QModelIndex& index) const;
    QModelIndex indexOfPath(const std::string& path) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const Report> report_;
    std::vector<int> parents_;                 // module index -> parent module index (-1 root)
    std::vector<std::vector<int>> children_;   // module index -> child module indexes
    std::vector<int> rows_;                    // module index -> row under its parent
};

class TensorsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, ShapeColumn, DtypeColumn, BytesColumn, MinColumn, MaxColumn, MeanColumn,
                  StdColumn, ZerosColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    void setReport(std::shared_ptr<const Report> report);
    const TensorInfo* tensor(const QModelIndex& index) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const Report> report_;
};

QString formatBytes(int64_t bytes);
QString formatMacs(int64_t macs);     // "300.8 M MACs", as the CLI prints
QString formatShape(const std::vector<int64_t>& shape);
std::vector<std::string> toStdStrings(const QStringList& items);

}  // namespace ptl::ui
