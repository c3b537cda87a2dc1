#include "compare/compare_view.h"

#include "convert/variants_model.h"
#include "docks/dock_room.h"
#include "models/report_models.h"
#include "worker/worker_client.h"

#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ptl::ui {

namespace {

QString fileName(const std::string& path) { return QFileInfo(QString::fromStdString(path)).fileName(); }

// Outputs further apart than this at a shape are marked as differing (absolute: both models read
// the same inputs, so their outputs share a scale).
constexpr double kSameOutputs = 1e-4;

QString runText(const SweepPoint& run) {
    if (!run.ran) return QObject::tr("failed: %1").arg(QString::fromStdString(run.error));
    QStringList shapes;
    for (const std::vector<int64_t>& shape : run.outputShapes) {
        QStringList dims;
        for (int64_t d : shape) dims << QString::number(d);
        shapes << dims.join(QLatin1Char('x'));
    }
    return QObject::tr("ran: %1").arg(shapes.join(QStringLiteral(", ")));
}

}  // namespace

// ---- models ------------------------------------------------------------------------------------

void ComparisonModel::setComparison(std::shared_ptr<const Comparison> comparison) {
    beginResetModel();
    comparison_ = std::move(comparison);
    ops_.clear();
    if (comparison_)
        for (const OpCountDiff& op : comparison_->ops)
            if (op.delta() != 0) ops_.push_back(&op);
    // The largest changes first; by name among equals.
    std::stable_sort(ops_.begin(), ops_.end(), [](const OpCountDiff* x, const OpCountDiff* y) {
        return std::abs(x->delta()) > std::abs(y->delta());
    });
    endResetModel();
}

int ComparisonModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !comparison_) return 0;
    switch (table_) {
        case Table::Operators: return int(ops_.size());
        case Table::Modules: return int(comparison_->modules.size());
        case Table::Outputs: return int(comparison_->points.size());
    }
    return 0;
}

int ComparisonModel::columnCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    switch (table_) {
        case Table::Operators: return 4;  // op, A, B, change
        case Table::Modules: return 5;    // path, change, type A, type B, what differs
        case Table::Outputs: return 6;    // shape, inputs, A, B, max abs, cosine
    }
    return 0;
}

QVariant ComparisonModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const size_t row = size_t(index.row());
    switch (table_) {
        case Table::Operators: return operatorData(*ops_[row], index.column(), role);
        case Table::Modules: return moduleData(comparison_->modules[row], index.column(), role);
        case Table::Outputs: return outputData(comparison_->points[row], index.column(), role);
    }
    return {};
}

QVariant ComparisonModel::operatorData(const OpCountDiff& op, int column, int role) const {
    if (role == Qt::TextAlignmentRole && column > 0) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (column) {
        case 0: return QString::fromStdString(op.op);
        case 1: return qlonglong(op.a);
        case 2: return qlonglong(op.b);
        case 3: return op.delta() > 0 ? QStringLiteral("+%1").arg(op.delta()) : QString::number(op.delta());
    }
    return {};
}

QVariant ComparisonModel::moduleData(const ModuleDiff& module, int column, int role) const {
    if (role == Qt::ForegroundRole && column == 1) {
        if (module.change == "removed") return severityColor(Severity::Error);
        if (module.change == "added") return QColor(0x1b, 0x7f, 0x3b);
        return severityColor(Severity::Warning);
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (column) {
        case 0: return module.path.empty() ? tr("(root)") : QString::fromStdString(module.path);
        case 1: return QString::fromStdString(module.change);
        case 2: return QString::fromStdString(module.typeA).section(QLatin1Char('.'), -1);
        case 3: return QString::fromStdString(module.typeB).section(QLatin1Char('.'), -1);
        case 4: {
            QStringList parts;
            for (const OpCountDiff& op : module.ops)
                parts << QStringLiteral("%1 %2→%3").arg(QString::fromStdString(op.op)).arg(op.a).arg(op.b);
            for (const std::string& tensor : module.tensors) parts << QString::fromStdString(tensor);
            return parts.join(role == Qt::ToolTipRole ? QStringLiteral("\n") : QStringLiteral("; "));
        }
    }
    return {};
}

QVariant ComparisonModel::outputData(const ComparedPoint& point, int column, int role) const {
    const bool differs = point.compared ? point.maxAbsDiff > kSameOutputs : point.a.ran != point.b.ran;
    if (role == Qt::ForegroundRole && (column == 4 || column == 5) && differs) return severityColor(Severity::Error);
    if (role == Qt::ForegroundRole && (column == 2 || column == 3)) {
        const SweepPoint& run = column == 2 ? point.a : point.b;
        if (!run.ran) return severityColor(Severity::Error);
    }
    if (role == Qt::TextAlignmentRole && column >= 4) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (column) {
        case 0: return QString::fromStdString(point.label) + (point.a.sample ? tr(" (sample)") : QString());
        case 1: {
            QStringList inputs;
            for (const std::string& input : point.inputs) inputs << QString::fromStdString(input);
            return inputs.join(QStringLiteral(", "));
        }
        case 2: return runText(point.a);
        case 3: return runText(point.b);
        case 4:
            if (!point.compared) return point.a.ran && point.b.ran ? tr("outputs differ in shape") : QString();
            return QString::number(point.maxAbsDiff, 'g', 3);
        case 5: return point.compared ? QString::number(point.cosine, 'f', 6) : QString();
    }
    return {};
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* operators[] = {"Operator", "A", "B", "Change"};
    static const char* modules[] = {"Module", "Change", "Type in A", "Type in B", "What differs"};
    static const char* outputs[] = {"Shape", "Inputs", "A", "B", "Max abs difference", "Cosine"};
    switch (table_) {
        case Table::Operators: return section < 4 ? tr(operators[section]) : QVariant();
        case Table::Modules: return section < 5 ? tr(modules[section]) : QVariant();
        case Table::Outputs: return section < 6 ? tr(outputs[section]) : QVariant();
    }
    return {};
}

// ---- dock --------------------------------------------------------------------------------------

CompareView::CompareView(QMainWindow* window, VariantsModel* variants) : QObject(window), variants_(variants) {
    dock_ = new QDockWidget(tr("Compare"), window);
    dock_->setObjectName(QStringLiteral("CompareDock"));
    auto* panel = new QWidget(dock_);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* controls = new QHBoxLayout;
    compareFile_ = new QPushButton(tr("Compare With File..."), panel);
    compareFile_->setObjectName(QStringLiteral("compareWithFile"));
    variantBox_ = new QComboBox(panel);
    variantBox_->setObjectName(QStringLiteral("compareVariant"));
    // Narrow, so that the dock fits beside Plots on a small or scaled screen.
    variantBox_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    variantBox_->setMinimumContentsLength(12);
    compareVariant_ = new QPushButton(tr("Compare With Variant"), panel);
    compareVariant_->setObjectName(QStringLiteral("compareWithVariant"));
    sweep_ = new QLineEdit(panel);
    sweep_->setObjectName(QStringLiteral("compareSweep"));
    sweep_->setClearButtonEnabled(true);
    sweep_->setPlaceholderText(tr("Shapes: from A's sample inputs, or e.g. batch=1,2,4"));
    jobControls_ = std::make_unique<JobControls>(panel, QStringLiteral("compare"), JobControls::IdleCancel::Hidden);
    jobControls_->progressBar()->setMaximumWidth(160);
    // Two rows: what to compare with, then the shapes and the running job.
    controls->addWidget(compareFile_);
    controls->addWidget(variantBox_, 1);
    controls->addWidget(compareVariant_);
    layout->addLayout(controls);
    auto* running = new QHBoxLayout;
    running->addWidget(sweep_, 1);
    running->addWidget(jobControls_->progressBar());
    running->addWidget(jobControls_->cancelButton());
    layout->addLayout(running);
    layout->addWidget(jobControls_->status());

    tabs_ = new QTabWidget(panel);
    auto table = [this](ComparisonModel* model, const QString& title, int stretch) {
        auto* view = new QTableView(tabs_);
        view->setModel(model);
        view->setSelectionBehavior(QAbstractItemView::SelectRows);
        view->verticalHeader()->hide();
        view->setWordWrap(false);
        view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
        view->setMinimumHeight(32);  // the dock shares the bottom with Findings on small screens
        view->horizontalHeader()->setSectionResizeMode(stretch, QHeaderView::Stretch);
        view->setProperty("stretchColumn", stretch);
        view->setObjectName(title);
        tabs_->addTab(view, title);
    };
    operators_ = new ComparisonModel(ComparisonModel::Table::Operators, this);
    modules_ = new ComparisonModel(ComparisonModel::Table::Modules, this);
    outputs_ = new ComparisonModel(ComparisonModel::Table::Outputs, this);
    table(operators_, tr("Operators"), 0);
    table(modules_, tr("Modules"), 4);
    table(outputs_, tr("Outputs"), 1);
    layout->addWidget(tabs_, 1);
    dock_->setWidget(panel);
    window->addDockWidget(Qt::BottomDockWidgetArea, dock_);

    worker_ = new WorkerClient(WorkerClient::defaultWorkerPath(), this);
    connect(compareFile_, &QPushButton::clicked, this, &CompareView::compareWithFile);
    connect(compareVariant_, &QPushButton::clicked, this, [this] {
        const QString file = variantBox_->currentData().toString();
        if (!file.isEmpty()) compare(file);
    });
    connect(jobControls_->cancelButton(), &QPushButton::clicked, this, &CompareView::cancel);
    connect(worker_, &WorkerClient::progress, this, [this](quint64 job, const QString& stage, double fraction) {
        if (job != job_) return;
        jobControls_->setProgress(fraction);
        jobControls_->setStatus(tr("Comparing with %1: %2").arg(QFileInfo(other_).fileName(), stage));
    });
    connect(worker_, &WorkerClient::compared, this, [this](quint64 job, std::shared_ptr<const Comparison> comparison) {
        if (job != job_) return;
        job_ = 0;
        setRunning(false);
        show(std::move(comparison));
        Q_EMIT finished();
    });
    connect(worker_, &WorkerClient::failed, this, [this](quint64 job, const QString& message) {
        if (job != job_) return;
        ended(tr("The comparison failed: %1").arg(message));
        Q_EMIT logLine(jobControls_->status()->text());
    });
    connect(worker_, &WorkerClient::cancelled, this, [this](quint64 job) {
        if (job == job_) ended(tr("Comparison cancelled: no results."));
    });
    connect(worker_, &WorkerClient::logLine, this, &CompareView::logLine);
    // A variant that becomes verified, is renamed or removed changes what can be compared with.
    connect(variants_, &QAbstractItemModel::modelReset, this, &CompareView::refreshVariants);
    connect(variants_, &QAbstractItemModel::rowsInserted, this, &CompareView::refreshVariants);
    connect(variants_, &QAbstractItemModel::rowsRemoved, this, &CompareView::refreshVariants);
    connect(variants_, &QAbstractItemModel::dataChanged, this, &CompareView::refreshVariants);
    refreshVariants();
    setRunning(false);
    jobControls_->setStatus(tr("Open a model, then compare it with another file or a converted variant: op counts, modules, "
                        "and outputs over a shape sweep."));
}

void CompareView::refreshVariants() {
    const QString current = variantBox_->currentData().toString();
    variantBox_->clear();
    for (const Variant& variant : variants_->variants())
        if (variant.verified()) variantBox_->addItem(variant.name, variant.filePath());
    if (variantBox_->count() == 0) variantBox_->addItem(tr("no converted variant"), QString());
    const int keep = variantBox_->findData(current);
    if (keep >= 0) variantBox_->setCurrentIndex(keep);
    setRunning(job_ != 0);
}

void CompareView::setModel(const QString& path, const QStringList& inputSpecs) {
    if (path != path_) {
        if (job_) cancel();
        comparison_.reset();
        operators_->setComparison(nullptr);
        modules_->setComparison(nullptr);
        outputs_->setComparison(nullptr);
        jobControls_->setStatus(tr("Compare %1 with another file or a converted variant: op counts, modules, and outputs over "
                            "a shape sweep.")
                             .arg(QFileInfo(path).fileName()));
    }
    path_ = path;
    inputSpecs_ = inputSpecs;
    setRunning(job_ != 0);
}

void CompareView::compareWithFile() {
    if (path_.isEmpty()) return;
    const QString other = chooseFile_ ? chooseFile_()
                                      : QFileDialog::getOpenFileName(dock_->window(), tr("Compare With"),
                                                                     QFileInfo(path_).absolutePath(),
                                                                     tr("PyTorch models (*.pt *.ptl *.pth);;All files (*)"));
    if (!other.isEmpty()) compare(other);
}

void CompareView::compare(const QString& other) {
    if (path_.isEmpty() || other.isEmpty()) return;
    other_ = other;
    comparison_.reset();
    operators_->setComparison(nullptr);  // nothing of an earlier comparison beside the running one
    modules_->setComparison(nullptr);
    outputs_->setComparison(nullptr);
    dock_->show();
    dock_->raise();
    makeRoomFor(dock_);
    job_ = worker_->compare(path_, other, inputSpecs_, sweep_->text().trimmed());
    setRunning(true);
    jobControls_->setStatus(tr("Comparing %1 with %2...").arg(QFileInfo(path_).fileName(), QFileInfo(other).fileName()));
    Q_EMIT logLine(jobControls_->status()->text());
}

void CompareView::cancel() {
    if (job_) worker_->cancel();
}

void CompareView::setRunning(bool running) {
    const bool open = !path_.isEmpty();
    compareFile_->setEnabled(open && !running);
    compareVariant_->setEnabled(open && !running && !variantBox_->currentData().toString().isEmpty());
    variantBox_->setEnabled(!running);
    sweep_->setEnabled(!running);
    jobControls_->setRunning(running);
}

void CompareView::ended(const QString& status) {
    job_ = 0;
    setRunning(false);
    jobControls_->setStatus(status);
    Q_EMIT finished();
}

void CompareView::show(std::shared_ptr<const Comparison> comparison) {
    comparison_ = std::move(comparison);
    operators_->setComparison(comparison_);
    modules_->setComparison(comparison_);
    outputs_->setComparison(comparison_);
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* view = qobject_cast<QTableView*>(tabs_->widget(i))) {
            // Sized to their contents, but the wide column fills the rest instead of running off.
            view->resizeColumnsToContents();
            view->horizontalHeader()->setSectionResizeMode(view->property("stretchColumn").toInt(), QHeaderView::Stretch);
        }
    const Comparison& c = *comparison_;
    int bothFailed = 0;
    for (const ComparedPoint& point : c.points) bothFailed += !point.a.ran && !point.b.ran;
    QString outputs = c.outputProblem.empty()
                          ? tr("outputs at %1 shapes: %2 differ (by more than %3, or only one model runs), %4 fail in both")
                                .arg(c.points.size())
                                .arg(differingPoints(c, kSameOutputs))
                                .arg(kSameOutputs)
                                .arg(bothFailed)
                          : tr("outputs not compared: %1").arg(QString::fromStdString(c.outputProblem));
    jobControls_->setStatus(tr("A %1 (%2) against B %3 (%4): %5 operator kinds differ in count, %6 modules differ; %7.")
                         .arg(fileName(c.a.file), QString::fromStdString(c.a.origin), fileName(c.b.file),
                              QString::fromStdString(c.b.origin))
                         .arg(operators_->rowCount())
                         .arg(c.modules.size())
                         .arg(outputs));
    tabs_->setTabText(0, tr("Operators (%1)").arg(operators_->rowCount()));
    tabs_->setTabText(1, tr("Modules (%1)").arg(modules_->rowCount()));
    tabs_->setTabText(2, tr("Outputs (%1)").arg(outputs_->rowCount()));
    Q_EMIT logLine(jobControls_->status()->text());
}

}  // namespace ptl::ui
