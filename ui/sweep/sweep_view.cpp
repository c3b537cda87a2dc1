#include "sweep/sweep_view.h"

#include "docks/dock_room.h"
#include "models/report_models.h"
#include "ptl/sweep.h"
#include "worker/worker_client.h"

#include <QDockWidget>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace ptl::ui {

namespace {

QString shapeText(const std::vector<int64_t>& shape) {
    QStringList dims;
    for (int64_t d : shape) dims << QString::number(d);
    return dims.isEmpty() ? QStringLiteral("scalar") : dims.join(QLatin1Char('x'));
}

const SweepDecision* decisionAt(const SweepPoint& point, int node) {
    for (const SweepDecision& decision : point.decisions)
        if (decision.node == node) return &decision;
    return nullptr;
}

// What an If or a Loop did in one run: "then", "else, then" or "8 runs".
QString takenText(const SweepDecision* decision) {
    if (!decision || decision->taken.empty()) return QObject::tr("not reached");
    QStringList parts;
    for (int64_t taken : decision->taken) {
        if (decision->kind == "prim::Loop") parts << QObject::tr("%n run(s)", nullptr, int(taken));
        else parts << (taken == 0 ? QObject::tr("then") : QObject::tr("else"));
        if (parts.size() == 4 && decision->taken.size() > 4) {
            parts << QObject::tr("... (%1 times)").arg(decision->taken.size());
            break;
        }
    }
    return parts.join(QStringLiteral(", "));
}

}  // namespace

// ---- model -------------------------------------------------------------------------------------

void SweepModel::setReport(std::shared_ptr<const Report> report) {
    beginResetModel();
    report_ = std::move(report);
    endResetModel();
}

const SweepPoint* SweepModel::point(const QModelIndex& index) const {
    if (!report_ || !index.isValid() || index.row() >= int(report_->sweep.points.size())) return nullptr;
    return &report_->sweep.points[size_t(index.row())];
}

const SweepPoint* SweepModel::sample() const {
    if (!report_) return nullptr;
    for (const SweepPoint& point : report_->sweep.points)
        if (point.sample) return &point;
    return nullptr;
}

int SweepModel::nodeOf(const QModelIndex& index) const {
    const SweepPoint* row = point(index);
    if (!row) return -1;
    if (!row->divergedNodes.empty()) return row->divergedNodes.front();
    return row->errorNode;
}

QStringList SweepModel::differences(const SweepPoint& point) const {
    QStringList lines;
    const SweepPoint* reference = sample();
    if (!report_ || report_->methods.empty()) return lines;
    const Graph& graph = report_->methods.front().graph;
    for (int node : point.divergedNodes) {
        if (node < 0 || size_t(node) >= graph.nodes.size()) continue;
        const Node& construct = graph.nodes[size_t(node)];
        const QString what = construct.kind == "prim::Loop" ? tr("loop") : tr("if");
        const QString where = construct.source.line > 0 ? tr("line %1 %2").arg(construct.source.line).arg(what) : what;
        lines << tr("%1: %2 (sample: %3)")
                     .arg(where, takenText(decisionAt(point, node)),
                          reference ? takenText(decisionAt(*reference, node)) : tr("unknown"));
    }
    return lines;
}

int SweepModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !report_ ? 0 : int(report_->sweep.points.size());
}

int SweepModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant SweepModel::data(const QModelIndex& index, int role) const {
    const SweepPoint* row = point(index);
    if (!row) return {};
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
            case ShapeColumn:
                return QString::fromStdString(row->label) + (row->sample ? tr(" (sample)") : QString());
            case InputsColumn: {
                QStringList inputs;
                for (const std::string& input : row->inputs) inputs << QString::fromStdString(input);
                return inputs.join(QStringLiteral(", "));
            }
            case ResultColumn:
                if (!row->ran) return tr("failed");
                return row->diverged ? tr("ran, another path") : tr("ran");
            case DetailsColumn: {
                if (!row->ran) return QString::fromStdString(row->error);
                const QStringList lines = differences(*row);
                if (lines.isEmpty()) return row->sample ? tr("the reference") : tr("same as the sample");
                return role == Qt::ToolTipRole ? lines.join(QLatin1Char('\n')) : lines.join(QStringLiteral("; "));
            }
            case OutputsColumn: {
                QStringList shapes;
                for (const std::vector<int64_t>& shape : row->outputShapes) shapes << shapeText(shape);
                return shapes.join(QStringLiteral(", "));
            }
        }
    }
    if (role == Qt::ForegroundRole && (index.column() == ResultColumn || index.column() == DetailsColumn)) {
        if (!row->ran) return severityColor(Severity::Error);
        if (row->diverged) return severityColor(Severity::Warning);
    }
    if (role == IndexRole) return index.row();
    return {};
}

QVariant SweepModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole && section == DetailsColumn)
        return tr("The error of a shape that failed, else the ifs and loops that went another way than at the sample's shape");
    if (role != Qt::DisplayRole) return {};
    switch (section) {
        case ShapeColumn: return tr("Shape");
        case InputsColumn: return tr("Inputs");
        case ResultColumn: return tr("Result");
        case OutputsColumn: return tr("Output shapes");
        case DetailsColumn: return tr("Error, or the path that differs");
    }
    return {};
}

// ---- dock --------------------------------------------------------------------------------------

SweepView::SweepView(QMainWindow* window) : QObject(window) {
    dock_ = new QDockWidget(tr("Shape Sweep"), window);
    dock_->setObjectName(QStringLiteral("SweepDock"));
    auto* panel = new QWidget(dock_);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* controls = new QHBoxLayout;
    spec_ = new QLineEdit(panel);
    spec_->setObjectName(QStringLiteral("sweepSpec"));
    spec_->setClearButtonEnabled(true);
    spec_->setPlaceholderText(tr("Shapes from the sample inputs (batch 1,2,4; images 0.5x-1.5x; sequences 16-128), "
                                 "or e.g. batch=1,8;hw=160x160;seq=32"));
    spec_->setToolTip(tr("Empty: shapes derived from the sample inputs.\n"
                         "batch=1,2,4   dimension 0 of every tensor input\n"
                         "scale=0.5,1.5   height and width of image inputs, relative to the sample's\n"
                         "hw=112x112,224x224   height and width of image inputs\n"
                         "seq=16,64   dimension 1 of token-id inputs\n"
                         "1x3x28x28:float+1x8:int64   one shape given in full\n"
                         "Separate several with ';'."));
    run_ = new QPushButton(tr("Run Sweep"), panel);
    run_->setObjectName(QStringLiteral("runSweep"));
    jobControls_ = std::make_unique<JobControls>(panel, QStringLiteral("sweep"), JobControls::IdleCancel::Hidden);
    jobControls_->progressBar()->setMaximumWidth(180);
    controls->addWidget(spec_, 1);
    controls->addWidget(run_);
    controls->addWidget(jobControls_->progressBar());
    controls->addWidget(jobControls_->cancelButton());
    layout->addLayout(controls);
    layout->addWidget(jobControls_->status());
    model_ = new SweepModel(this);
    table_ = new QTableView(panel);
    table_->setObjectName(QStringLiteral("sweepTable"));
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->setMinimumHeight(32);
    table_->setWordWrap(false);
    table_->horizontalHeader()->setSectionResizeMode(SweepModel::DetailsColumn, QHeaderView::Stretch);
    layout->addWidget(table_, 1);
    dock_->setWidget(panel);
    window->addDockWidget(Qt::BottomDockWidgetArea, dock_);

    worker_ = new WorkerClient(WorkerClient::defaultWorkerPath(), this);
    connect(run_, &QPushButton::clicked, this, &SweepView::run);
    connect(spec_, &QLineEdit::returnPressed, this, &SweepView::run);
    connect(jobControls_->cancelButton(), &QPushButton::clicked, this, &SweepView::cancel);
    connect(worker_, &WorkerClient::progress, this, [this](quint64 job, const QString& stage, double fraction) {
        if (job != job_) return;
        jobControls_->setProgress(fraction);
        jobControls_->setStatus(tr("Sweeping %1: %2").arg(QFileInfo(path_).fileName(), stage));
    });
    connect(worker_, &WorkerClient::finished, this, [this](quint64 job, std::shared_ptr<const Report> report) {
        if (job != job_) return;
        job_ = 0;
        setRunning(false);
        Q_EMIT logLine(tr("Shape sweep of %1: %2 shapes").arg(QFileInfo(path_).fileName()).arg(report->sweep.points.size()));
        Q_EMIT swept(report);  // the window adopts it and hands it back through setReport
        Q_EMIT ended();
    });
    connect(worker_, &WorkerClient::failed, this, [this](quint64 job, const QString& message) {
        if (job != job_) return;
        endWithoutResult(tr("The sweep failed: %1").arg(message));
        Q_EMIT logLine(jobControls_->status()->text());
    });
    connect(worker_, &WorkerClient::cancelled, this, [this](quint64 job) {
        if (job != job_) return;
        endWithoutResult(tr("Sweep cancelled: no results."));
    });
    connect(worker_, &WorkerClient::logLine, this, &SweepView::logLine);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        const int node = model_->nodeOf(current);
        if (node >= 0) Q_EMIT revealNode(node);
    });
    setRunning(false);
    showSummary();
}

void SweepView::setModel(const QString& path, std::shared_ptr<const Report> report, const QStringList& inputSpecs) {
    if (path != path_ && job_) cancel();
    path_ = path;
    inputSpecs_ = inputSpecs;
    setReport(std::move(report));
}

void SweepView::setReport(std::shared_ptr<const Report> report) {
    if (job_) return;  // a sweep under way: its rows come when it ends
    report_ = std::move(report);
    model_->setReport(report_);
    table_->resizeColumnsToContents();
    table_->horizontalHeader()->setSectionResizeMode(SweepModel::DetailsColumn, QHeaderView::Stretch);
    showSummary();
}

void SweepView::run() {
    dock_->show();
    dock_->raise();
    if (!report_ || path_.isEmpty() || job_) return;
    model_->setReport(nullptr);  // nothing of an earlier sweep beside the running one
    makeRoomFor(dock_);
    job_ = worker_->inspectWithSweep(path_, inputSpecs_, spec_->text().trimmed());
    setRunning(true);
    jobControls_->setStatus(tr("Sweeping %1...").arg(QFileInfo(path_).fileName()));
    Q_EMIT logLine(tr("Shape sweep of %1 (%2)")
                       .arg(QFileInfo(path_).fileName(),
                            spec_->text().trimmed().isEmpty() ? tr("shapes from the sample inputs") : spec_->text().trimmed()));
}

void SweepView::cancel() {
    if (job_) worker_->cancel();  // cancelled() arrives synchronously and ends the job
}

void SweepView::setRunning(bool running) {
    run_->setEnabled(!running && report_ != nullptr);
    spec_->setEnabled(!running);
    jobControls_->setRunning(running);
}

void SweepView::endWithoutResult(const QString& status) {
    job_ = 0;
    setRunning(false);
    model_->setReport(nullptr);
    jobControls_->setStatus(status);
    Q_EMIT ended();
}

void SweepView::showSummary() {
    run_->setEnabled(report_ != nullptr && !job_);
    if (!report_) {
        jobControls_->setStatus(tr("Open a model to run it at other input shapes."));
        return;
    }
    const ShapeSweep& sweep = report_->sweep;
    if (!sweep.requested) {
        jobControls_->setStatus(tr("Run forward at other batch sizes, image sizes or sequence lengths than the sample's: which "
                            "shapes fail, and which take another path through the model's ifs and loops."));
        return;
    }
    if (!sweep.problem.empty()) {
        jobControls_->setStatus(tr("Nothing was swept: %1").arg(QString::fromStdString(sweep.problem)));
        return;
    }
    jobControls_->setStatus(tr("%1 shapes (%2): %3 failed, %4 took another path than the sample. Select a row to see its node.")
                         .arg(sweep.points.size())
                         .arg(sweep.spec.empty() ? tr("derived from the sample inputs") : QString::fromStdString(sweep.spec))
                         .arg(sweepFailures(sweep))
                         .arg(sweepDivergences(sweep)));
}

}  // namespace ptl::ui
