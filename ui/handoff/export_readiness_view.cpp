#include "handoff/export_readiness_view.h"

#include "models/report_models.h"

#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace ptl::ui {

namespace {

// The impacts read like the findings' severities: blocks as an error, declare as a warning.
Severity severityOf(ExportImpact impact) {
    switch (impact) {
        case ExportImpact::Blocks: return Severity::Error;
        case ExportImpact::Declare: return Severity::Warning;
        case ExportImpact::Check: return Severity::Info;
    }
    return Severity::Info;
}

QString impactText(ExportImpact impact) {
    switch (impact) {
        case ExportImpact::Blocks: return QObject::tr("Blocks");
        case ExportImpact::Declare: return QObject::tr("Declare");
        case ExportImpact::Check: return QObject::tr("Check");
    }
    return {};
}

QString codeMarkup(const std::string& text) { return QString::fromStdString(exportTextHtml(text)); }

QString whereText(const SourceLocation& source) {
    if (!source.known()) return {};
    const QString file = QString::fromStdString(source.file).section(QLatin1Char('/'), -1);
    return source.line > 0 ? QStringLiteral("%1:%2").arg(file).arg(source.line) : file;
}

}  // namespace

// ---- model -------------------------------------------------------------------------------------

void ExportReadinessModel::setReadiness(std::shared_ptr<const ExportReadiness> readiness) {
    beginResetModel();
    readiness_ = std::move(readiness);
    endResetModel();
}

const ExportItem* ExportReadinessModel::item(const QModelIndex& index) const {
    if (!readiness_ || !index.isValid() || index.row() >= int(readiness_->items.size())) return nullptr;
    return &readiness_->items[size_t(index.row())];
}

int ExportReadinessModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !readiness_ ? 0 : int(readiness_->items.size());
}

int ExportReadinessModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ExportReadinessModel::data(const QModelIndex& index, int role) const {
    const ExportItem* row = item(index);
    if (!row) return {};
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case ImpactColumn: return impactText(row->impact);
            case ConstructColumn: return QString::fromStdString(row->title);
            case SourceColumn: return whereText(row->source);
            case FindingColumn: return QString::fromStdString(row->findingId);
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == FindingColumn && !row->findingCategory.empty()) return QString::fromStdString(row->findingCategory);
        return QString::fromStdString(row->detail);
    }
    if (role == Qt::ForegroundRole && index.column() == ImpactColumn) return severityColor(severityOf(row->impact));
    if (role == IndexRole) return index.row();
    return {};
}

QVariant ExportReadinessModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case ImpactColumn: return tr("Impact");
        case ConstructColumn: return tr("Construct");
        case SourceColumn: return tr("Line");
        case FindingColumn: return tr("Finding");
    }
    return {};
}

// ---- dock --------------------------------------------------------------------------------------

ExportReadinessView::ExportReadinessView(QMainWindow* window) : QObject(window) {
    dock_ = new QDockWidget(tr("Export Readiness"), window);
    dock_->setObjectName(QStringLiteral("ExportReadinessDock"));
    auto* panel = new QWidget(dock_);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(4, 4, 4, 4);
    summary_ = new QLabel(panel);
    summary_->setObjectName(QStringLiteral("exportSummary"));
    summary_->setWordWrap(true);
    summary_->setTextFormat(Qt::RichText);
    // A long summary wraps instead of widening the dock (and shrinking the graph).
    summary_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(summary_);

    auto* splitter = new QSplitter(Qt::Vertical, panel);
    model_ = new ExportReadinessModel(this);
    table_ = new QTableView(splitter);
    table_->setObjectName(QStringLiteral("exportItems"));
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->setWordWrap(false);
    table_->horizontalHeader()->setSectionResizeMode(ExportReadinessModel::ConstructColumn, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(ExportReadinessModel::ImpactColumn, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(ExportReadinessModel::SourceColumn, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(ExportReadinessModel::FindingColumn, QHeaderView::ResizeToContents);
    table_->setMinimumHeight(32);
    // Below the rows, in tabs (the dock shares its height with the Inspector's tabs): what a row
    // means and what to do, and the export call.
    tabs_ = new QTabWidget(splitter);
    details_ = new QTextBrowser(tabs_);
    details_->setObjectName(QStringLiteral("exportDetails"));
    details_->setOpenLinks(false);
    details_->setMinimumHeight(32);
    tabs_->addTab(details_, tr("Details"));

    auto* codePanel = new QWidget(tabs_);
    auto* codeLayout = new QVBoxLayout(codePanel);
    codeLayout->setContentsMargins(2, 2, 2, 2);
    auto* header = new QHBoxLayout;
    auto* title = new QLabel(tr("Python for torch.export"), codePanel);
    title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header->addWidget(title, 1);
    auto* copy = new QPushButton(tr("Copy"), codePanel);
    copy->setObjectName(QStringLiteral("copy-export-call"));
    header->addWidget(copy);
    codeLayout->addLayout(header);
    code_ = new QPlainTextEdit(codePanel);
    code_->setReadOnly(true);
    code_->setLineWrapMode(QPlainTextEdit::NoWrap);
    code_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    code_->setMinimumHeight(24);
    codeLayout->addWidget(code_, 1);
    tabs_->addTab(codePanel, tr("Export Call"));
    connect(copy, &QPushButton::clicked, this, [this, copy] {
        QApplication::clipboard()->setText(code_->toPlainText());
        copy->setText(tr("Copied"));
    });
    connect(code_, &QPlainTextEdit::textChanged, copy, [copy] { copy->setText(QObject::tr("Copy")); });
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);
    dock_->setWidget(panel);
    window->addDockWidget(Qt::RightDockWidgetArea, dock_);

    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showItem(current); });
    setReport(nullptr);
}

void ExportReadinessView::setReport(std::shared_ptr<const Report> report) {
    readiness_ = report ? std::make_shared<const ExportReadiness>(exportReadiness(*report)) : nullptr;
    model_->setReadiness(readiness_);
    if (!readiness_) {
        summary_->setText(tr("Open a model to see what blocks moving it to torch.export and ExecuTorch."));
        details_->clear();
        code_->clear();
        return;
    }
    // The summary is the headline: green when nothing blocks, red when something does.
    const QColor tone = readiness_->ready ? QColor(0x1b, 0x7f, 0x3b) : severityColor(Severity::Error);
    summary_->setText(QStringLiteral("<b style=\"color:%1\">%2</b>")
                          .arg(tone.name(), QString::fromStdString(readiness_->summary).toHtmlEscaped()));
    code_->setPlainText(QString::fromStdString(readiness_->exportCode));
    table_->setVisible(!readiness_->items.empty());
    showChecked();
}

void ExportReadinessView::setPending(const QString& text) {
    readiness_.reset();
    model_->setReadiness(nullptr);
    summary_->setText(text.toHtmlEscaped());
    details_->clear();
    code_->clear();
}

// With no row picked, the details say what was looked at: a model with no items still shows it.
void ExportReadinessView::showChecked() {
    QString html;
    if (!readiness_->items.empty())
        html += tr("<p>Pick a row for what to change and where.</p>");
    if (!readiness_->dynamicDims.empty()) {
        html += tr("<p><b>Dimensions forward's control flow reads</b> (declare them with <code>torch.export.Dim</code>):</p><ul>");
        for (const DynamicDim& dim : readiness_->dynamicDims)
            html += QStringLiteral("<li><code>%1</code> dim %2%3</li>")
                        .arg(QString::fromStdString(dim.argument).toHtmlEscaped())
                        .arg(dim.dim)
                        .arg(dim.sampleSize >= 0 ? tr(" (size %1 in the sample)").arg(dim.sampleSize) : QString());
        html += QStringLiteral("</ul>");
    }
    html += tr("<p><b>What was checked</b></p><ul>");
    for (const std::string& line : readiness_->checked)
        html += QStringLiteral("<li>%1</li>").arg(QString::fromStdString(line).toHtmlEscaped());
    html += QStringLiteral("</ul>");
    details_->setHtml(html);
}

void ExportReadinessView::showItem(const QModelIndex& index) {
    const ExportItem* item = model_->item(index);
    if (!item) {
        if (readiness_) showChecked();
        return;
    }
    QString html = QStringLiteral("<p><b style=\"color:%1\">%2</b> · <b>%3</b>: %4</p>")
                       .arg(severityColor(severityOf(item->impact)).name(), impactText(item->impact),
                            QString::fromStdString(item->title).toHtmlEscaped(), codeMarkup(item->detail));
    html += tr("<p><b>What to do:</b> %1</p>").arg(codeMarkup(item->action));
    QStringList origin;
    const QString where = whereText(item->source);
    if (!where.isEmpty()) origin << tr("Python <code>%1</code>").arg(where.toHtmlEscaped());
    if (!item->findingId.empty())
        origin << tr("finding %1 (<code>%2</code>)")
                      .arg(QString::fromStdString(item->findingId), QString::fromStdString(item->findingCategory));
    else
        origin << tr("read from the graph (no finding)");
    html += QStringLiteral("<p style=\"color:gray\">%1</p>").arg(origin.join(QStringLiteral(" · ")));
    details_->setHtml(html);
    tabs_->setCurrentWidget(details_);
    Q_EMIT revealRequested(QString::fromStdString(item->method), item->nodes.empty() ? -1 : item->nodes.front(),
                           QString::fromStdString(item->findingId));
}

}  // namespace ptl::ui
