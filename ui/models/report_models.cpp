#include "report_models.h"

#include "ptl/finding_categories.h"

#include <QColor>
#include <QFileInfo>
#include <QLocale>

#include <unordered_map>

namespace ptl::ui {

QColor severityColor(Severity severity, const QPalette& palette) {
    // Contrast of at least 4.5 against white, or against a dark base such as #1e1f22.
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    switch (severity) {
    case Severity::Error: return dark ? QColor(0xf8, 0x71, 0x71) : QColor(0xdc, 0x26, 0x26);
    case Severity::Warning: return dark ? QColor(0xfb, 0xbf, 0x24) : QColor(0xb4, 0x53, 0x09);
    case Severity::Info: return dark ? QColor(0x60, 0xa5, 0xfa) : QColor(0x25, 0x63, 0xeb);
    }
    return Qt::gray;
}

void SelectionTextDelegate::initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const {
    QStyledItemDelegate::initStyleOption(option, index);
    if (option->state & QStyle::State_Selected)
        option->palette.setBrush(QPalette::Text, option->palette.brush(QPalette::HighlightedText));
}

// The same units as the CLI prints.
QString formatBytes(int64_t bytes) { return QString::fromStdString(ptl::humanBytes(static_cast<uint64_t>(std::max<int64_t>(bytes, 0)))); }

QString formatMacs(int64_t macs) { return QString::fromStdString(ptl::humanMacs(macs)); }

QString formatShape(const std::vector<int64_t>& shape) {
    QStringList dims;
    for (const int64_t dim : shape) dims << QString::number(dim);
    return dims.isEmpty() ? QStringLiteral("scalar") : dims.join(QStringLiteral(" x "));
}

std::vector<std::string> toStdStrings(const QStringList& items) {
    std::vector<std::string> strings;
    for (const QString& item : items) strings.push_back(item.toStdString());
    return strings;
}

// ------------------------------------------------------------------------------------- Findings

void FindingsModel::setReport(std::shared_ptr<const Report> report) {
    beginResetModel();
    report_ = std::move(report);
    endResetModel();
}

const Finding* FindingsModel::finding(const QModelIndex& index) const {
    if (!report_ || !index.isValid() || index.row() >= int(report_->findings.size())) return nullptr;
    return &report_->findings[index.row()];
}

int FindingsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !report_ ? 0 : int(report_->findings.size());
}

int FindingsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant FindingsModel::data(const QModelIndex& index, int role) const {
    const Finding* item = finding(index);
    if (!item) return {};
    const QString location = item->source.known() ? QFileInfo(QString::fromStdString(item->source.file)).fileName() +
                                                        QLatin1Char(':') + QString::number(item->source.line)
                                                  : QString();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case SeverityColumn: return QString::fromLatin1(severityName(item->severity));
        case CategoryColumn: return QString::fromStdString(item->category);
        case MessageColumn: return QString::fromStdString(item->message);
        case LocationColumn: return location;
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == CategoryColumn) {
            if (const FindingCategory* category = findFindingCategory(item->category))
                return QString::fromUtf8(category->title) + QStringLiteral(": ") + QString::fromUtf8(category->help);
        }
        return QString::fromStdString(item->message + "\n\n" + item->advice);
    case Qt::ForegroundRole:
        if (index.column() == SeverityColumn) return severityColor(item->severity);
        break;
    case IndexRole: return index.row();
    case SortRole:
        switch (index.column()) {
        case SeverityColumn: return int(item->severity);
        case LocationColumn: return location.section(QLatin1Char(':'), 0, 0) + QStringLiteral(":%1").arg(item->source.line, 6, 10, QLatin1Char('0'));
        default: return data(index, Qt::DisplayRole);
        }
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Severity", "Category", "Message", "Source"};
    return tr(names[section]);
}

void FindingsFilter::setMinimumSeverity(Severity severity) {
    minimum_ = severity;
    invalidateFilter();
}

void FindingsFilter::setCategoryFamily(const QString& family) {
    family_ = family;
    invalidateFilter();
}

void FindingsFilter::setText(const QString& text) {
    text_ = text;
    invalidateFilter();
}

bool FindingsFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
    const auto* model = static_cast<const FindingsModel*>(sourceModel());
    const Finding* item = model->finding(model->index(row, 0, parent));
    if (!item) return false;
    if (item->severity < minimum_) return false;
    if (!family_.isEmpty() && QString::fromUtf8(findingFamilyOf(item->category)) != family_) return false;
    if (!text_.isEmpty() && !QString::fromStdString(item->message + " " + item->category + " " + item->source.file)
                                 .contains(text_, Qt::CaseInsensitive))
        return false;
    return true;
}

// -------------------------------------------------------------------------------------- Modules

void ModulesModel::setReport(std::shared_ptr<const Report> report) {
    beginResetModel();
    report_ = std::move(report);
    const size_t count = report_ ? report_->modules.size() : 0;
    parents_.assign(count, -1);
    children_.assign(count, {});
    rows_.assign(count, 0);
    std::unordered_map<std::string, int> byPath;
    for (size_t i = 0; i < count; ++i) byPath[report_->modules[i].path] = int(i);
    for (size_t i = 1; i < count; ++i) {
        const std::string& path = report_->modules[i].path;
        const size_t dot = path.rfind('.');
        const auto parent = byPath.find(dot == std::string::npos ? "" : path.substr(0, dot));
        parents_[i] = parent == byPath.end() ? 0 : parent->second;
        rows_[i] = int(children_[parents_[i]].size());
        children_[parents_[i]].push_back(int(i));
    }
    endResetModel();
}

const ModuleInfo* ModulesModel::module(const QModelIndex& index) const {
    if (!report_ || !index.isValid()) return nullptr;
    return &report_->modules[index.internalId()];
}

QModelIndex ModulesModel::indexOfPath(const std::string& path) const {
    if (!report_) return {};
    for (size_t i = 0; i < report_->modules.size(); ++i)
        if (report_->modules[i].path == path) return createIndex(i == 0 ? 0 : rows_[i], 0, quintptr(i));
    return {};
}

QModelIndex ModulesModel::index(int row, int column, const QModelIndex& parent) const {
    if (!report_ || report_->modules.empty() || row < 0 || column < 0 || column >= ColumnCount) return {};
    if (!parent.isValid()) return row == 0 ? createIndex(0, column, quintptr(0)) : QModelIndex();
    const auto& children = children_[parent.internalId()];
    if (row >= int(children.size())) return {};
    return createIndex(row, column, quintptr(children[row]));
}

QModelIndex ModulesModel::parent(const QModelIndex& child) const {
    if (!report_ || !child.isValid()) return {};
    const int parent = parents_[child.internalId()];
    if (parent < 0) return {};
    return createIndex(parent == 0 ? 0 : rows_[parent], 0, quintptr(parent));
}

int ModulesModel::rowCount(const QModelIndex& parent) const {
    if (!report_ || report_->modules.empty()) return 0;
    if (!parent.isValid()) return 1;
    if (parent.column() != 0) return 0;
    return int(children_[parent.internalId()].size());
}

int ModulesModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant ModulesModel::data(const QModelIndex& index, int role) const {
    const ModuleInfo* item = module(index);
    if (!item) return {};
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn: {
            const QString path = QString::fromStdString(item->path);
            return path.isEmpty() ? tr("(model)") : path.section(QLatin1Char('.'), -1);
        }
        case TypeColumn: return QString::fromStdString(item->type).section(QLatin1Char('.'), -1);
        case ParametersColumn: return QLocale().toString(qlonglong(item->totalParameters));
        case BytesColumn: return formatBytes(item->totalBytes);
        case MacsColumn: return report_->compute.measured ? formatMacs(item->totalCost.macs) : QString();
        case ShareColumn: {
            const int64_t all = report_->compute.total.macs;
            if (!report_->compute.measured || all <= 0) return QString();
            return QStringLiteral("%1%").arg(100.0 * double(item->totalCost.macs) / double(all), 0, 'f', 1);
        }
        }
    }
    if (role == Qt::ToolTipRole) return QString::fromStdString(item->path + "\n" + item->type);
    if (role == Qt::TextAlignmentRole && index.column() >= ParametersColumn) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == IndexRole) return int(index.internalId());
    return {};
}

QVariant ModulesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Module", "Type", "Parameters", "Weights", "MACs", "Share"};
    return tr(names[section]);
}

// -------------------------------------------------------------------------------------- Tensors

void TensorsModel::setReport(std::shared_ptr<const Report> report) {
    beginResetModel();
    report_ = std::move(report);
    endResetModel();
}

const TensorInfo* TensorsModel::tensor(const QModelIndex& index) const {
    if (!report_ || !index.isValid() || index.row() >= int(report_->tensors.size())) return nullptr;
    return &report_->tensors[index.row()];
}

int TensorsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !report_ ? 0 : int(report_->tensors.size());
}

int TensorsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant TensorsModel::data(const QModelIndex& index, int role) const {
    const TensorInfo* item = tensor(index);
    if (!item) return {};
    const TensorStats& stats = item->stats;
    if (role == Qt::DisplayRole) {
        const auto number = [&](double value) { return stats.known ? QString::number(value, 'g', 4) : QString(); };
        switch (index.column()) {
        case NameColumn: return QString::fromStdString(item->name);
        case KindColumn: return QString::fromStdString(item->kind);
        case ShapeColumn: return formatShape(item->shape);
        case DtypeColumn: return QString::fromStdString(item->dtype);
        case BytesColumn: return formatBytes(item->bytes);
        case MinColumn: return number(stats.min);
        case MaxColumn: return number(stats.max);
        case MeanColumn: return number(stats.mean);
        case StdColumn: return number(stats.std);
        case ZerosColumn: return stats.known ? QStringLiteral("%1%").arg(stats.zeroFraction * 100, 0, 'f', 1) : QString();
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case BytesColumn: return qlonglong(item->bytes);
        case MinColumn: return stats.min;
        case MaxColumn: return stats.max;
        case MeanColumn: return stats.mean;
        case StdColumn: return stats.std;
        case ZerosColumn: return stats.zeroFraction;
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= BytesColumn) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == IndexRole) return index.row();
    return {};
}

QVariant TensorsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Tensor", "Kind", "Shape", "Dtype", "Size", "Min", "Max", "Mean", "Std", "Zeros"};
    return tr(names[section]);
}

}  // namespace ptl::ui
