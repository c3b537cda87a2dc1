// The Variants dock; see variants_panel.h.
#include "convert/variants_panel.h"

#include "convert/convert_controller.h"
#include "models/report_models.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace ptl::ui {

VariantsPanel::VariantsPanel(ConvertController* controller, QWidget* parent) : QWidget(parent), controller_(controller) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    sorted_ = new QSortFilterProxyModel(this);
    sorted_->setSourceModel(controller->variants());
    sorted_->setSortRole(VariantsModel::SortRole);
    view_ = new QTableView(this);
    view_->setObjectName(QStringLiteral("variantsView"));
    view_->setModel(sorted_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(-1, Qt::AscendingOrder);  // in the order they were made
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->setItemDelegate(new SelectionTextDelegate(view_));
    view_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view_->setWordWrap(false);
    layout->addWidget(view_, 1);

    auto* buttons = new QHBoxLayout;
    latency_ = new QPushButton(tr("Measure Latency"), this);
    load_ = new QPushButton(tr("Load Settings"), this);
    load_->setToolTip(tr("Put this variant's settings in the Convert dock, to change them and re-run"));
    rerun_ = new QPushButton(tr("Re-run"), this);
    rerun_->setToolTip(tr("Convert this variant again with the Convert dock's settings"));
    delete_ = new QPushButton(tr("Delete"), this);
    export_ = new QPushButton(tr("Export…"), this);
    export_->setObjectName(QStringLiteral("variantExport"));
    for (QPushButton* button : {latency_, load_, rerun_, delete_}) buttons->addWidget(button);
    buttons->addStretch(1);
    buttons->addWidget(export_);
    layout->addLayout(buttons);

    connect(latency_, &QPushButton::clicked, this, [this] { controller_->measureLatency(currentVariant()); });
    connect(load_, &QPushButton::clicked, this, [this] { Q_EMIT loadSettingsRequested(currentVariant()); });
    connect(rerun_, &QPushButton::clicked, this, [this] { Q_EMIT rerunRequested(currentVariant()); });
    connect(delete_, &QPushButton::clicked, this, [this] { Q_EMIT deleteRequested(currentVariant()); });
    connect(export_, &QPushButton::clicked, this, [this] { Q_EMIT exportRequested(currentVariant()); });
    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        updateButtons();
        Q_EMIT currentVariantChanged(currentVariant());
    });
    connect(controller->variants(), &QAbstractItemModel::dataChanged, this, &VariantsPanel::updateButtons);
    connect(controller->variants(), &QAbstractItemModel::rowsRemoved, this, &VariantsPanel::updateButtons);
    connect(controller->variants(), &QAbstractItemModel::modelReset, this, &VariantsPanel::updateButtons);
    connect(controller->variants(), &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex&, int, int last) {
        selectVariant(controller_->variants()->variantAt(last)->id);
    });
    updateButtons();
}

int VariantsPanel::currentVariant() const {
    const QModelIndex index = view_->currentIndex();
    return index.isValid() ? sorted_->data(index, VariantsModel::IdRole).toInt() : 0;
}

void VariantsPanel::selectVariant(int id) {
    const int row = controller_->variants()->rowOf(id);
    if (row < 0) return;
    view_->setCurrentIndex(sorted_->mapFromSource(controller_->variants()->index(row, 0)));
}

void VariantsPanel::updateButtons() {
    const Variant* variant = controller_->variants()->variant(currentVariant());
    const bool ready = variant && variant->state == Variant::State::Ready;
    latency_->setEnabled(ready);
    load_->setEnabled(variant != nullptr);
    rerun_->setEnabled(variant && variant->state != Variant::State::Running);
    delete_->setEnabled(variant != nullptr);
    export_->setEnabled(variant && variant->verified());
    export_->setToolTip(!variant || variant->verified() ? tr("Save this variant's verified .ptl")
                        : variant->state == Variant::State::Failed ? tr("This variant failed: %1").arg(variant->error)
                        : variant->state != Variant::State::Ready  ? tr("This variant is not converted")
                                                                   : tr("Not verified: no sample inputs to compare outputs with"));
}

}  // namespace ptl::ui
