// The variants table; see variants_model.h.
#include "convert/variants_model.h"

#include "models/report_models.h"

#include <QColor>
#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace ptl::ui {

namespace {

// The lowest per-layer SQNR, or nullopt without per-layer figures.
std::optional<double> lowestSqnr(const ptl::Verification& verification) {
    if (verification.opErrors.empty()) return std::nullopt;
    double lowest = verification.opErrors.front().sqnrDb;
    for (const ptl::OpError& error : verification.opErrors) lowest = std::min(lowest, error.sqnrDb);
    return lowest;
}

QString stateText(Variant::State state) {
    switch (state) {
    case Variant::State::Running: return VariantsModel::tr("converting…");
    case Variant::State::Failed: return VariantsModel::tr("failed");
    case Variant::State::Cancelled: return VariantsModel::tr("cancelled");
    case Variant::State::Ready: return {};
    }
    return {};
}

}  // namespace

QString describeSettings(const ptl::ConvertOptions& options) {
    QStringList parts;
    parts << QString::fromUtf8(ptl::quantizationName(options.quantize));
    if (options.quantize == ptl::Quantization::Static) {
        parts << QString::fromUtf8(ptl::backendName(options.backend)) << QString::fromUtf8(ptl::observerName(options.observer));
        const ptl::CalibrationSource& source = options.calibration;
        if (source.kind == ptl::CalibrationSource::Kind::Random)
            parts << VariantsModel::tr("random ×%1").arg(source.batches);
        else
            parts << QFileInfo(QString::fromStdString(source.path)).fileName();
        if (!options.keepFloat.empty())
            parts << VariantsModel::tr("float: %1").arg(QString::fromStdString(options.keepFloat.front()) +
                                                        (options.keepFloat.size() > 1 ? QStringLiteral(" +%1").arg(options.keepFloat.size() - 1) : QString()));
    }
    parts << (options.optimize ? VariantsModel::tr("optimized") : VariantsModel::tr("not optimized"));
    if (options.bytecodeVersion >= 0) parts << VariantsModel::tr("bytecode v%1").arg(options.bytecodeVersion);
    return parts.join(QStringLiteral(" · "));
}

int VariantsModel::add(Variant variant) {
    variant.id = nextId_++;
    const int row = int(variants_.size());
    beginInsertRows({}, row, row);
    variants_.push_back(std::move(variant));
    endInsertRows();
    return variants_.back().id;
}

void VariantsModel::update(const Variant& variant) {
    const int row = rowOf(variant.id);
    if (row < 0) return;
    variants_[size_t(row)] = variant;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void VariantsModel::remove(int id) {
    const int row = rowOf(id);
    if (row < 0) return;
    beginRemoveRows({}, row, row);
    variants_.erase(variants_.begin() + row);
    endRemoveRows();
}

void VariantsModel::clear() {
    if (variants_.empty()) return;
    beginResetModel();
    variants_.clear();
    endResetModel();
}

const Variant* VariantsModel::variant(int id) const {
    const int row = rowOf(id);
    return row < 0 ? nullptr : &variants_[size_t(row)];
}

const Variant* VariantsModel::variantAt(int row) const {
    return row >= 0 && row < int(variants_.size()) ? &variants_[size_t(row)] : nullptr;
}

int VariantsModel::rowOf(int id) const {
    for (size_t i = 0; i < variants_.size(); ++i)
        if (variants_[i].id == id) return int(i);
    return -1;
}

int64_t VariantsModel::sourceBytes() const {
    for (const Variant& variant : variants_)
        if (variant.result) return variant.result->inputBytes;
    return 0;
}

int VariantsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(variants_.size()); }
int VariantsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant VariantsModel::display(const Variant& variant, int column) const {
    if (column == NameColumn) return variant.name;
    if (column == SettingsColumn) return describeSettings(variant.options);
    if (!variant.result) return column == SizeColumn ? QVariant(stateText(variant.state)) : QVariant();
    const ptl::ConvertResult& result = *variant.result;
    const ptl::Verification& verification = result.verification;
    switch (column) {
    case SizeColumn:
        return tr("%1 (%2×)").arg(formatBytes(result.outputBytes))
            .arg(result.inputBytes ? double(result.outputBytes) / double(result.inputBytes) : 0.0, 0, 'f', 2);
    case LatencyColumn:
        if (!variant.latency) return tr("not measured");
        return tr("%1 / %2 ms").arg(variant.latency->p50, 0, 'f', 2).arg(variant.latency->p90, 0, 'f', 2);
    case CosineColumn:
        return verification.quantizationCosine < 0 ? QVariant(QStringLiteral("–")) : QVariant(QString::number(verification.quantizationCosine, 'f', 5));
    case Top1Column:
        return verification.top1Agreement < 0 ? QVariant(QStringLiteral("–")) : QVariant(QStringLiteral("%1%").arg(100 * verification.top1Agreement, 0, 'f', 1));
    case MaxAbsColumn:
        return verification.quantizationMaxAbsError < 0 ? QVariant(QStringLiteral("–")) : QVariant(QString::number(verification.quantizationMaxAbsError, 'g', 4));
    case SqnrColumn: {
        const auto lowest = lowestSqnr(verification);
        return lowest ? QVariant(tr("%1 dB").arg(*lowest, 0, 'f', 1)) : QVariant(QStringLiteral("–"));
    }
    case VerifiedColumn: return variant.verified() ? tr("yes") : tr("no");
    }
    return {};
}

QVariant VariantsModel::sortKey(const Variant& variant, int column) const {
    const ptl::ConvertResult* result = variant.result ? &*variant.result : nullptr;
    switch (column) {
    case SizeColumn: return result ? QVariant(qlonglong(result->outputBytes)) : QVariant();
    case LatencyColumn: return variant.latency ? QVariant(variant.latency->p50) : QVariant();
    case CosineColumn: return result ? QVariant(result->verification.quantizationCosine) : QVariant();
    case Top1Column: return result ? QVariant(result->verification.top1Agreement) : QVariant();
    case MaxAbsColumn: return result ? QVariant(result->verification.quantizationMaxAbsError) : QVariant();
    case SqnrColumn: {
        const auto lowest = result ? lowestSqnr(result->verification) : std::nullopt;
        return lowest ? QVariant(*lowest) : QVariant();
    }
    default: return display(variant, column);
    }
}

QString VariantsModel::toolTip(const Variant& variant, int column) const {
    if (variant.state == Variant::State::Failed) return variant.error;
    if (column == LatencyColumn && variant.latency)
        return tr("p50 %1 ms, p90 %2 ms over %3 runs after %4 warm-up.\nMeasured on this computer: %5.\nHost latency is not "
                  "phone latency.")
            .arg(variant.latency->p50, 0, 'f', 2)
            .arg(variant.latency->p90, 0, 'f', 2)
            .arg(variant.latency->samplesMs.size())
            .arg(variant.latency->warmup)
            .arg(QString::fromStdString(ptl::describeEnvironment(variant.latency->environment)));
    if (column == VerifiedColumn && variant.result) {
        const ptl::Verification& verification = variant.result->verification;
        return verification.compared
                   ? tr("Reloaded in the Lite Interpreter; outputs match the converted model (max abs difference %1, "
                        "tolerance %2).").arg(verification.maxAbsDiff, 0, 'g', 3).arg(verification.tolerance, 0, 'g', 3)
                   : tr("Reloaded in the Lite Interpreter, but outputs were not compared: no sample inputs.");
    }
    if (column == SettingsColumn) return QString::fromStdString(variant.options.output);
    return {};
}

QVariant VariantsModel::data(const QModelIndex& index, int role) const {
    const Variant* item = index.isValid() ? variantAt(index.row()) : nullptr;
    if (!item) return {};
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole: return display(*item, index.column());
    case Qt::ToolTipRole: return toolTip(*item, index.column());
    case IdRole: return item->id;
    case SortRole: return sortKey(*item, index.column());
    case Qt::ForegroundRole:
        if (item->state == Variant::State::Failed) return severityColor(Severity::Error);
        if (item->state != Variant::State::Ready) return QColor(0x80, 0x80, 0x80);
        return {};
    case Qt::TextAlignmentRole:
        return index.column() >= SizeColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    }
    return {};
}

bool VariantsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || index.column() != NameColumn || !index.isValid()) return false;
    const QString name = value.toString().trimmed();
    if (name.isEmpty()) return false;
    Variant& item = variants_[size_t(index.row())];
    item.name = name;
    Q_EMIT dataChanged(index, index);
    Q_EMIT renamed(item.id, name);
    return true;
}

Qt::ItemFlags VariantsModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags flags = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == NameColumn) flags |= Qt::ItemIsEditable;
    return flags;
}

QVariant VariantsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case LatencyColumn: return tr("Forward latency p50 / p90 on this computer (host latency, not phone latency)");
        case CosineColumn: return tr("Cosine similarity of the outputs with the float model's, on the calibration data");
        case Top1Column: return tr("Share of samples whose top-1 class matches the float model's");
        case MaxAbsColumn: return tr("Largest absolute output difference from the float model");
        case SqnrColumn: return tr("Lowest signal-to-quantization-noise ratio of any quantized layer (higher is better)");
        case VerifiedColumn: return tr("Reloaded in the Lite Interpreter and compared with the converted model");
        }
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    static const char* titles[] = {QT_TR_NOOP("Variant"), QT_TR_NOOP("Settings"), QT_TR_NOOP("Size"),
                                   QT_TR_NOOP("Latency p50/p90"), QT_TR_NOOP("Cosine"), QT_TR_NOOP("Top-1"),
                                   QT_TR_NOOP("Max abs"), QT_TR_NOOP("Lowest SQNR"), QT_TR_NOOP("Verified")};
    return section >= 0 && section < ColumnCount ? tr(titles[section]) : QVariant();
}

}  // namespace ptl::ui
