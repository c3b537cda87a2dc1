#include "handoff/handoff_review.h"

#include "dialogs/save_location.h"
#include "convert/convert_controller.h"
#include "convert/convert_workflow.h"
#include "convert/variants_model.h"
#include "ptl/atomic_file.h"
#include "ptl/version.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QMainWindow>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace ptl::ui {

namespace {

// One snippet: its title, the code (read-only, monospace) and a Copy button.
QWidget* snippetPage(const CodeSnippet& snippet, QWidget* parent) {
    auto* page = new QWidget(parent);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* header = new QHBoxLayout;
    // A long title wraps instead of widening the dock (and shrinking the graph).
    auto* title = new QLabel(QString::fromStdString(snippet.title), page);
    title->setWordWrap(true);
    title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header->addWidget(title, 1);
    auto* copy = new QPushButton(QObject::tr("Copy"), page);
    copy->setObjectName(QStringLiteral("copy-") + QString::fromStdString(snippet.id));
    header->addWidget(copy);
    layout->addLayout(header);
    auto* code = new QPlainTextEdit(QString::fromStdString(snippet.code), page);
    code->setReadOnly(true);
    code->setLineWrapMode(QPlainTextEdit::NoWrap);
    code->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(code, 1);
    const QString text = QString::fromStdString(snippet.code);
    QObject::connect(copy, &QPushButton::clicked, copy, [copy, text] {
        QApplication::clipboard()->setText(text);
        copy->setText(QObject::tr("Copied"));
    });
    return page;
}

// The variant the integration code is for: the latest verified one.
const Variant* verifiedVariant(const std::vector<Variant>& variants) {
    for (auto it = variants.rbegin(); it != variants.rend(); ++it)
        if (it->verified()) return &*it;
    return nullptr;
}

}  // namespace

HandoffReview::HandoffReview(QMainWindow* window, ConvertWorkflow* workflow)
    : QObject(window), window_(window), workflow_(workflow) {
    dock_ = new QDockWidget(tr("Integration"), window);
    dock_->setObjectName(QStringLiteral("IntegrationDock"));
    tabs_ = new QTabWidget(dock_);
    tabs_->setUsesScrollButtons(true);
    tabs_->setElideMode(Qt::ElideRight);
    dock_->setWidget(tabs_);
    window->addDockWidget(Qt::RightDockWidgetArea, dock_);
    VariantsModel* variants = workflow_->controller()->variants();
    // New or re-measured variants change the bytecode and normalization the code is for.
    connect(variants, &QAbstractItemModel::dataChanged, this, &HandoffReview::refreshSnippets);
    connect(variants, &QAbstractItemModel::rowsInserted, this, &HandoffReview::refreshSnippets);
    connect(variants, &QAbstractItemModel::rowsRemoved, this, &HandoffReview::refreshSnippets);
    connect(variants, &QAbstractItemModel::modelReset, this, &HandoffReview::refreshSnippets);
    refreshSnippets();
}

void HandoffReview::setModel(const QString& path, std::shared_ptr<const Report> report) {
    path_ = path;
    report_ = std::move(report);
    refreshSnippets();
}

IntegrationSettings HandoffReview::integrationSettings() const {
    IntegrationSettings settings;
    settings.assetName = QFileInfo(path_).completeBaseName().section('.', 0, 0).toStdString() + ".ptl";
    if (const Variant* variant = verifiedVariant(workflow_->controller()->variants()->variants())) {
        settings.bytecodeVersion = variant->result->bytecodeVersion;
        settings.mean = variant->options.mean;
        settings.std = variant->options.std;
    }
    return settings;
}

void HandoffReview::refreshSnippets() {
    const int current = tabs_->currentIndex();
    while (tabs_->count() > 0) {
        QWidget* page = tabs_->widget(0);
        tabs_->removeTab(0);
        page->deleteLater();
    }
    if (!report_) {
        auto* hint = new QLabel(tr("Open a model to see the code that loads and runs it on a phone."), tabs_);
        hint->setWordWrap(true);
        hint->setAlignment(Qt::AlignTop | Qt::AlignLeft);
        tabs_->addTab(hint, tr("Code"));
        return;
    }
    for (const CodeSnippet& snippet : integrationSnippets(*report_, integrationSettings())) {
        const QString title = QString::fromStdString(snippet.title);
        tabs_->addTab(snippetPage(snippet, tabs_), title.section(QStringLiteral(": "), 1));
        tabs_->setTabToolTip(tabs_->count() - 1, title);
    }
    if (current >= 0 && current < tabs_->count()) tabs_->setCurrentIndex(current);
}

ReviewInput HandoffReview::reviewInput() const {
    ReviewInput input;
    if (report_) input.report = *report_;
    for (const Variant& variant : workflow_->controller()->variants()->variants()) {
        if (variant.state == Variant::State::Running || variant.state == Variant::State::Cancelled) continue;
        ReviewVariant reviewed;
        reviewed.name = variant.name.toStdString();
        reviewed.options = variant.options;
        if (variant.result) reviewed.result = *variant.result;
        else reviewed.error = variant.error.isEmpty() ? "failed" : variant.error.toStdString();
        reviewed.latency = variant.latency;
        input.variants.push_back(std::move(reviewed));
    }
    input.producedBy = toolVersion() + " (window: File > Save Review Report)";
    input.createdAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    return input;
}

void HandoffReview::saveReviewReport() {
    if (!report_) return;
    const QString folderKey = QStringLiteral("review/lastDirectory");
    const QString suggested = saveFolderFor(path_, folderKey) + QLatin1Char('/') + QFileInfo(path_).completeBaseName() +
                              QStringLiteral("-review.html");
    QString path = chooseSaveFile_ ? chooseSaveFile_(suggested)
                                   : QFileDialog::getSaveFileName(window_, tr("Save Review Report"), suggested,
                                                                  tr("HTML report (*.html)"));
    if (path.isEmpty()) return;
    path = withDefaultSuffix(path, QStringLiteral(".html"));
    rememberSaveFolder(folderKey, path);
    saveReviewReportTo(path, [this, path](const QString& error) {
        if (!error.isEmpty() && !chooseSaveFile_) QMessageBox::warning(window_, tr("Save Review Report"), error);
    });
}

void HandoffReview::saveReviewReportTo(const QString& path, std::function<void(const QString& error)> done) {
    ReviewInput input = reviewInput();
    const std::string modelPath = path_.toStdString();
    // Hashing a large model and writing the file are done off the UI thread.
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, path, done] {
        const QString error = watcher->result();
        watcher->deleteLater();
        Q_EMIT logLine(error.isEmpty() ? tr("Review report saved to %1").arg(path) : error);
        if (done) done(error);
    });
    watcher->setFuture(QtConcurrent::run([input = std::move(input), modelPath, path]() mutable {
        input.digests.push_back(digestPath("model", modelPath));
        for (const ReviewVariant& variant : input.variants) {
            if (!variant.error.empty()) continue;
            input.digests.push_back(digestPath("variant " + variant.name + " (exported)", variant.options.output));
            if (!variant.options.calibration.path.empty())
                input.digests.push_back(digestPath("calibration data", variant.options.calibration.path));
        }
        try {
            writeAtomically(path.toStdString(), reviewReportHtml(input));
            return QString();
        } catch (const std::exception& failure) {
            return QString::fromStdString(failure.what());
        }
    }));
}

}  // namespace ptl::ui
