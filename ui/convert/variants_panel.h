// The Variants dock: the table of conversions with Rename (edit the name), Delete, Measure
// Latency, Load Settings (into the Convert dock), Re-run (with the Convert dock's settings) and
// Export.
#pragma once

#include <QWidget>

class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace ptl::ui {

class ConvertController;

class VariantsPanel : public QWidget {
    Q_OBJECT
public:
    VariantsPanel(ConvertController* controller, QWidget* parent = nullptr);

    int currentVariant() const;  // 0 when none is selected
    void selectVariant(int id);
    QTableView* view() const { return view_; }

Q_SIGNALS:
    void currentVariantChanged(int id);
    void exportRequested(int id);
    void rerunRequested(int id);
    void deleteRequested(int id);
    void loadSettingsRequested(int id);

private:
    ConvertController* controller_;
    QTableView* view_ = nullptr;
    QSortFilterProxyModel* sorted_ = nullptr;
    QPushButton *latency_ = nullptr, *load_ = nullptr, *rerun_ = nullptr, *delete_ = nullptr, *export_ = nullptr;

    void updateButtons();
};

}  // namespace ptl::ui
