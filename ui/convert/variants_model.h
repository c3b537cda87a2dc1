// The variants table: one row per conversion of the open model, with its settings, size (and
// ratio to the source), latency with where it was measured, error against the float model and
// whether it was verified. The name column is editable (rename).
#pragma once

#include "convert/variant.h"

#include <QAbstractTableModel>

#include <vector>

namespace ptl::ui {

// Short text for a variant's settings: "static · qnnpack · histogram · 16 images".
QString describeSettings(const ptl::ConvertOptions& options);

class VariantsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, SettingsColumn, SizeColumn, LatencyColumn, CosineColumn, Top1Column, MaxAbsColumn,
                  SqnrColumn, VerifiedColumn, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, SortRole };
    using QAbstractTableModel::QAbstractTableModel;

    int add(Variant variant);                    // assigns and returns its id
    void update(const Variant& variant);         // replaces the variant with its id
    void remove(int id);
    void clear();
    const Variant* variant(int id) const;
    const Variant* variantAt(int row) const;
    int rowOf(int id) const;                     // -1 if absent
    const std::vector<Variant>& variants() const { return variants_; }
    // The source model's size in bytes, for the ratio column (from the first result).
    int64_t sourceBytes() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void renamed(int id, const QString& name);

private:
    std::vector<Variant> variants_;
    int nextId_ = 1;

    QVariant display(const Variant& variant, int column) const;
    QVariant sortKey(const Variant& variant, int column) const;
    QString toolTip(const Variant& variant, int column) const;
};

}  // namespace ptl::ui
