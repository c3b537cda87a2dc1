#include "main_window.h"

#include "convert/convert_controller.h"
#include "convert/convert_panel.h"
#include "convert/convert_workflow.h"
#include "dialogs/inputs_editor.h"
#include "docks/inspector.h"
#include "docks/verdict.h"
#include "graph/graph_widget.h"
#include "compare/compare_view.h"
#include "handoff/export_readiness_view.h"
#include "handoff/handoff_review.h"
#include "sweep/sweep_view.h"
#include "models/report_models.h"
#include "worker/worker_client.h"

#include "ptl/finding_categories.h"
#include "ptl/version.h"

#include "plots/qcustomplot.h"
#include "plots/variant_plots.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSaveFile>
#include <QScreen>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabBar>
#include <QTableView>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace ptl::ui {

namespace {

// As many ticks (up to 5) as leave their labels apart across `width` pixels: a ticker asked for
// 3 may still pick 5 readable steps, whose labels run together on a narrow plot.
void fitTickLabels(QCPAxis* axis, int width) {
    const QFontMetrics metrics(axis->tickLabelFont());
    const QCPRange range = axis->range();
    if (range.size() <= 0 || width <= 0) return;
    for (int count = 5; count >= 1; --count) {
        axis->ticker()->setTickCount(count);
        QVector<double> ticks;
        QVector<QString> labels;
        axis->ticker()->generate(range, axis->parentPlot()->locale(), axis->numberFormat().at(0), axis->numberPrecision(),
                                 ticks, nullptr, &labels);
        double previousRight = -1e9;
        bool apart = true;
        for (int i = 0; i < ticks.size() && apart; ++i) {
            if (!range.contains(ticks[i])) continue;
            const double centre = (ticks[i] - range.lower) / range.size() * width;
            const double half = metrics.horizontalAdvance(labels.value(i)) / 2.0;
            apart = centre - half >= previousRight + 6;
            previousRight = centre + half;
        }
        if (apart) return;
    }
}

constexpr int kMaxRecent = 10;

QIcon dotIcon(const QColor& color) {
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(color);
    painter.setPen(color.darker(130));
    painter.drawEllipse(1, 1, 12, 12);
    return QIcon(pixmap);
}

// What a legend entry marks: the categories in its group, each with its help line.
QString highlightToolTip(HighlightGroup group) {
    QStringList lines;
    for (const FindingCategory* category : categoriesOfHighlight(group))
        lines << QStringLiteral("%1: %2").arg(QString::fromUtf8(category->title), QString::fromUtf8(category->help));
    return lines.join(QLatin1Char('\n'));
}

// The image file Export Graph Image writes: PNG or SVG by suffix, so a name without either
// (none, ".ptl") gets the suffix of the format picked in the dialog.
QString withImageSuffix(const QString& path, const QString& filter) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png") || suffix == QLatin1String("svg")) return path;
    return path + (filter.contains(QLatin1String("*.svg")) ? QStringLiteral(".svg") : QStringLiteral(".png"));
}

// The window's first size: 1400x900, less on a small or scaled screen (QT_SCALE_FACTOR=2 turns
// 1600x1000 pixels into 800x500), with room left for the frame and a panel.
QSize defaultSize(const QRect& available) {
    return QSize(1400, 900).boundedTo(QSize(available.width() * 92 / 100, available.height() * 90 / 100));
}

QString demoPath() {
    // The demo model is embedded; the worker reads files, so it gets a copy in the cache folder:
    // one file, rewritten when it differs, instead of a temporary folder that a killed window leaves.
    QFile embedded(QStringLiteral(":/demo/demo.pt"));
    const QDir cache(QStandardPaths::writableLocation(QStandardPaths::CacheLocation));
    const QString path = cache.filePath(QStringLiteral("demo.pt"));
    if (!embedded.open(QIODevice::ReadOnly)) return path;
    const QByteArray bytes = embedded.readAll();
    QFile existing(path);
    if (existing.open(QIODevice::ReadOnly) && existing.readAll() == bytes) return path;
    existing.close();
    QDir().mkpath(cache.absolutePath());
    QSaveFile copy(path);
    if (copy.open(QIODevice::WriteOnly) && copy.write(bytes) == bytes.size()) copy.commit();
    return path;
}

}  // namespace

struct MainWindow::Previous {
    std::shared_ptr<const Report> report;
    QString name, path;
    QStringList inputSpecs;
    GraphWidget::ViewState view;
    QString inspectorHtml;
    int findingNode;
};

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("PTL Studio"));
    setAcceptDrops(true);

    graph_ = new GraphWidget(this);
    setCentralWidget(graph_);
    worker_ = new WorkerClient(WorkerClient::defaultWorkerPath(), this);

    buildDocks();
    workflow_ = new ConvertWorkflow(this, graph_);
    handoff_ = new HandoffReview(this, workflow_);
    exportReadiness_ = new ExportReadinessView(this);
    sweep_ = new SweepView(this);
    compare_ = new CompareView(this, workflow_->controller()->variants());
    arrangeConvertDocks();
    // After the docks, which grew the window to their combined minimum on the way; the layout
    // computes the minimum of their final arrangement first.
    layout()->activate();
    resize(defaultSize(screen()->availableGeometry()));
    applyDefaultDockSizes();
    buildActions();
    connect(workflow_, &ConvertWorkflow::logLine, this, &MainWindow::appendLog);
    connect(handoff_, &HandoffReview::logLine, this, &MainWindow::appendLog);
    connect(exportReadiness_, &ExportReadinessView::revealRequested, this, &MainWindow::revealExportItem);
    connect(sweep_, &SweepView::swept, this, &MainWindow::adoptSweep);
    connect(sweep_, &SweepView::revealNode, this, &MainWindow::revealForwardNode);
    connect(sweep_, &SweepView::logLine, this, &MainWindow::appendLog);
    connect(compare_, &CompareView::logLine, this, &MainWindow::appendLog);
    connect(sweep_, &SweepView::ended, this, [this] {
        if (!screenshotPath_.isEmpty()) QTimer::singleShot(800, this, &MainWindow::takeScreenshot);
    });
    connect(compare_, &CompareView::finished, this, [this] {
        if (!screenshotPath_.isEmpty()) QTimer::singleShot(800, this, &MainWindow::takeScreenshot);
    });
    connect(workflow_, &ConvertWorkflow::editInputsRequested, this, &MainWindow::editInputs);
    connect(workflow_, &ConvertWorkflow::layerSelected, this, &MainWindow::revealModule);
    connect(workflow_->controller(), &ConvertController::busyChanged, this, [this](bool busy) {
        if (!busy && !screenshotPath_.isEmpty()) QTimer::singleShot(800, this, &MainWindow::takeScreenshot);
    });

    connect(worker_, &WorkerClient::progress, this, [this](quint64 job, const QString& stage, double fraction) {
        if (job != job_) return;
        progress_->setValue(int(fraction * 100));
        statusBar()->showMessage(stage);
    });
    // The graph first, as soon as the worker has it; findings and shapes when the analyses end.
    connect(worker_, &WorkerClient::graphReady, this, [this](quint64 job, std::shared_ptr<const Report> partial) {
        if (job == job_) showEarlyGraph(std::move(partial));
    });
    // Its schemas and source lines a moment later: the Inspector shows them, nothing is redrawn.
    connect(worker_, &WorkerClient::graphDetailsReady, this, [this](quint64 job, std::shared_ptr<const Report> partial) {
        if (job != job_ || !graphShownEarly_) return;
        report_ = partial;
        graph_->adoptDetails(std::move(partial));
    });
    connect(worker_, &WorkerClient::finished, this, [this](quint64 job, std::shared_ptr<const Report> report) {
        if (job != job_) return;
        setLoading(false);
        if (loadingPath_ != shownPath_) search_->clear();  // a search for the previous model's ops
        shownName_ = loadingName_;
        shownPath_ = loadingPath_;
        inputSpecs_ = loadingSpecs_;
        addRecent(loadingPath_);
        showReport(std::move(report));
        worker_->prestart();
    });
    connect(worker_, &WorkerClient::failed, this, [this](quint64 job, const QString& message) {
        if (job != job_) return;
        setLoading(false);
        loadEnded(tr("loading failed"));
        if (!report_) showNothingOpen(message);
        showFailure(message);
        worker_->prestart();
    });
    connect(worker_, &WorkerClient::cancelled, this, [this](quint64 job) {
        if (job != job_) return;
        setLoading(false);
        worker_->prestart();
        appendLog(tr("Loading %1 cancelled").arg(loadingName_));
        loadEnded(tr("loading was cancelled"));
        if (!report_) showNothingOpen(tr("Loading %1 was cancelled.").arg(loadingName_));
        const QString message = report_ && !analysing_ ? tr("Loading %1 cancelled: %2 is shown again").arg(loadingName_, shownName_)
                                                       : tr("Loading %1 cancelled").arg(loadingName_);
        // After the layout of a graph put back, whose own line would replace it.
        if (graph_->layoutPending())
            connect(graph_, &GraphWidget::layoutFinished, this, [this, message] { statusBar()->showMessage(message, 8000); },
                    Qt::SingleShotConnection);
        else
            statusBar()->showMessage(message, 8000);
    });
    connect(worker_, &WorkerClient::logLine, this, &MainWindow::appendLog);
    connect(graph_, &GraphWidget::statusMessage, this, [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    connect(graph_, &GraphWidget::nodeSelected, this, [this](int node) {
        // A finding's node, selected because the finding was picked: the Inspector keeps the finding.
        if (node == findingNode_) return;
        findingNode_ = -1;
        if (report_ && graph_->method()) inspector_->setHtml(nodeHtml(*report_, *graph_->method(), node));
    });
    connect(graph_, &GraphWidget::groupSelected, this, [this](int group) {
        if (!report_ || !graph_->structure()) return;
        findingNode_ = -1;
        const Group& info = graph_->structure()->groups()[group];
        if (info.kind == GroupKind::Module) {
            inspector_->setHtml(moduleHtml(*report_, info.path));
            const QModelIndex index = modules_->indexOfPath(info.path);
            if (index.isValid()) {
                // Picked in the graph: the dock follows without expanding the box (a double-click does).
                syncingModules_ = true;
                modulesView_->setCurrentIndex(index);
                modulesView_->scrollTo(index);
                syncingModules_ = false;
            }
        } else if (graph_->method()) {
            inspector_->setHtml(nodeHtml(*report_, *graph_->method(), info.node));
        }
    });
    connect(graph_, &GraphWidget::layoutFinished, this, [this] {
        if (screenshotPath_.isEmpty() || progress_->isVisible()) return;
        // The screenshot shows the most severe finding selected: its node, its source line.
        if (!screenshotFindingShown_ && findingsView_->model()->rowCount() > 0) {
            screenshotFindingShown_ = true;
            findingsView_->setCurrentIndex(findingsView_->model()->index(0, 0));
        }
        QTimer::singleShot(400, this, &MainWindow::takeScreenshot);
    });

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    weights_->restoreState(settings.value(QStringLiteral("window/weightsSplitter")).toByteArray());
    fitToScreen();
    rebuildRecentMenu();
    worker_->prestart();  // LibTorch loads in the worker while the window comes up
}

MainWindow::~MainWindow() = default;

void MainWindow::setWorkerFaultForTests(const QString& fault) {
    // Tests that start the window without a model and set a fault pay for one unused spare.
    QProcessEnvironment environment;
    if (!fault.isEmpty()) environment.insert(QStringLiteral("PTL_WORKER_FAULT"), fault);
    worker_->setExtraEnvironment(environment);
}

void MainWindow::setWorkerWatchdogForTests(int seconds) { worker_->setWatchdogTimeout(std::chrono::seconds(seconds)); }

void MainWindow::buildDocks() {
    setDockNestingEnabled(true);
    auto dock = [this](const QString& title, const QString& name, QWidget* widget, Qt::DockWidgetArea area) {
        auto* dockWidget = new QDockWidget(title, this);
        dockWidget->setObjectName(name);
        dockWidget->setWidget(widget);
        addDockWidget(area, dockWidget);
        return dockWidget;
    };

    // Findings: sortable, filterable; selecting one shows its node and source.
    auto* findingsPanel = new QWidget(this);
    auto* findingsLayout = new QVBoxLayout(findingsPanel);
    findingsLayout->setContentsMargins(2, 2, 2, 2);
    auto* filters = new QHBoxLayout;
    auto* severity = new QComboBox(findingsPanel);
    severity->setObjectName(QStringLiteral("severityFilter"));
    severity->addItem(tr("All severities"), int(Severity::Info));
    severity->addItem(tr("Warnings and errors"), int(Severity::Warning));
    severity->addItem(tr("Errors"), int(Severity::Error));
    auto* category = new QComboBox(findingsPanel);
    category->setObjectName(QStringLiteral("categoryFilter"));
    category->addItem(tr("All categories"), QString());
    for (const std::string_view family : findingFamilies())
        category->addItem(QString::fromUtf8(family), QString::fromUtf8(family));
    auto* text = new QLineEdit(findingsPanel);
    text->setPlaceholderText(tr("Filter findings"));
    text->setClearButtonEnabled(true);
    filters->addWidget(severity);
    filters->addWidget(category);
    filters->addWidget(text, 1);
    findingsLayout->addLayout(filters);
    findings_ = new FindingsModel(this);
    findingsFilter_ = new FindingsFilter(this);
    findingsFilter_->setSourceModel(findings_);
    findingsFilter_->setSortRole(SortRole);
    findingsView_ = new QTableView(findingsPanel);
    findingsView_->setObjectName(QStringLiteral("findingsView"));
    findingsView_->setModel(findingsFilter_);
    findingsView_->setSortingEnabled(true);
    findingsView_->sortByColumn(FindingsModel::SeverityColumn, Qt::DescendingOrder);
    findingsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    findingsView_->setSelectionMode(QAbstractItemView::SingleSelection);
    findingsView_->horizontalHeader()->setSectionResizeMode(FindingsModel::MessageColumn, QHeaderView::Stretch);
    findingsView_->verticalHeader()->hide();
    findingsView_->setWordWrap(false);
    findingsView_->setItemDelegate(new SelectionTextDelegate(findingsView_));
    verdict_ = new QLabel(findingsPanel);
    verdict_->setObjectName(QStringLiteral("findingsVerdict"));
    verdict_->setWordWrap(true);
    verdict_->setTextFormat(Qt::RichText);
    verdict_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    verdict_->setMargin(6);
    findingsStack_ = new QStackedWidget(findingsPanel);
    findingsStack_->addWidget(findingsView_);
    findingsStack_->addWidget(verdict_);
    findingsLayout->addWidget(findingsStack_);
    connect(severity, &QComboBox::currentIndexChanged, this,
            [this, severity] { findingsFilter_->setMinimumSeverity(Severity(severity->currentData().toInt())); });
    connect(category, &QComboBox::currentIndexChanged, this,
            [this, category] { findingsFilter_->setCategoryFamily(category->currentData().toString()); });
    connect(text, &QLineEdit::textChanged, findingsFilter_, &FindingsFilter::setText);
    // A finding is shown when its row is selected (a click, the arrow keys, a reveal), not when
    // the table merely makes its first row current as it takes the keyboard focus.
    connect(findingsView_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndex current = findingsView_->currentIndex();
        if (findingsView_->selectionModel()->isSelected(current)) showFinding(current);
    });
    auto* findingsDock = dock(tr("Findings"), QStringLiteral("FindingsDock"), findingsPanel, Qt::BottomDockWidgetArea);

    inspector_ = new QTextBrowser(this);
    inspector_->setObjectName(QStringLiteral("inspector"));
    inspector_->setOpenLinks(false);
    inspector_->setPlaceholderText(tr("Select a node, a module or a finding."));
    connect(inspector_, &QTextBrowser::anchorClicked, this, [this](const QUrl& url) {
        if (url.toString() == QLatin1String("ptl:edit-inputs")) editInputs();
    });
    dock(tr("Inspector"), QStringLiteral("InspectorDock"), inspector_, Qt::RightDockWidgetArea);

    modules_ = new ModulesModel(this);
    modulesView_ = new QTreeView(this);
    modulesView_->setObjectName(QStringLiteral("modulesView"));
    modulesView_->setModel(modules_);
    modulesView_->setUniformRowHeights(true);
    // Every column as wide as what it shows, the names first; a narrow dock scrolls sideways
    // rather than squeezing the names away.
    modulesView_->header()->setStretchLastSection(false);
    modulesView_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    modulesView_->setMinimumWidth(140);
    connect(modulesView_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& index) {
        const ModuleInfo* module = modules_->module(index);
        if (!module || !report_ || syncingModules_) return;
        findingNode_ = -1;
        inspector_->setHtml(moduleHtml(*report_, module->path));
        revealModule(QString::fromStdString(module->path));
    });
    dock(tr("Modules"), QStringLiteral("ModulesDock"), modulesView_, Qt::LeftDockWidgetArea);

    // Weights: tensor table and, beside it in the wide bottom area, the selected tensor's values.
    auto* weights = new QSplitter(Qt::Horizontal, this);
    weights->setObjectName(QStringLiteral("weightsSplitter"));
    weights_ = weights;
    tensors_ = new TensorsModel(this);
    tensorsSort_ = new QSortFilterProxyModel(this);
    tensorsSort_->setSourceModel(tensors_);
    tensorsSort_->setSortRole(SortRole);
    tensorsView_ = new QTableView(weights);
    tensorsView_->setObjectName(QStringLiteral("tensorsView"));
    tensorsView_->setModel(tensorsSort_);
    tensorsView_->setSortingEnabled(true);
    tensorsView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    tensorsView_->setSelectionMode(QAbstractItemView::SingleSelection);
    tensorsView_->setWordWrap(false);
    tensorsView_->verticalHeader()->hide();
    tensorsView_->verticalHeader()->setDefaultSectionSize(tensorsView_->fontMetrics().height() + 6);
    tensorsView_->setMinimumWidth(180);
    histogram_ = new QCustomPlot(weights);
    histogram_->setObjectName(QStringLiteral("histogram"));
    histogram_->setMinimumWidth(160);
    histogram_->yAxis->setLabel(tr("count"));
    // The plot is often as narrow as its minimum: few value ticks, so their labels stay apart,
    // and the tensor's name elided to the width there is (whole in the tooltip).
    connect(histogram_, &QCustomPlot::beforeReplot, this, [this] {
        // The ticks are made before the layout: the axis as wide as the counts' labels leave it
        // at most (five digits).
        const int left = std::max(histogram_->axisRect()->left(), 64);
        fitTickLabels(histogram_->xAxis, histogram_->viewport().width() - left - 12);
    });
    connect(histogram_, &QCustomPlot::afterLayout, this, [this] {
        // Centred under the axis, the name has twice the distance from the axis' centre to the edge.
        const int room = 2 * (histogram_->viewport().width() - histogram_->axisRect()->center().x()) - 4;
        const QString name = histogram_->toolTip();
        histogram_->xAxis->setLabel(QFontMetrics(histogram_->xAxis->labelFont()).elidedText(name, Qt::ElideMiddle, room));
    });
    weights->addWidget(tensorsView_);
    weights->addWidget(histogram_);
    weights->setStretchFactor(0, 3);
    weights->setStretchFactor(1, 2);
    weights->setChildrenCollapsible(false);
    showTensor({});
    connect(tensorsView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showTensor(current); });
    auto* weightsDock = dock(tr("Weights"), QStringLiteral("WeightsDock"), weights, Qt::BottomDockWidgetArea);

    log_ = new QPlainTextEdit(this);
    log_->setObjectName(QStringLiteral("log"));
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    auto* logDock = dock(tr("Log"), QStringLiteral("LogDock"), log_, Qt::BottomDockWidgetArea);

    tabifyDockWidget(findingsDock, weightsDock);
    tabifyDockWidget(findingsDock, logDock);
    findingsDock->raise();
    for (QWidget* content : {static_cast<QWidget*>(findingsPanel), static_cast<QWidget*>(weights), static_cast<QWidget*>(log_)})
        content->setMinimumHeight(90);
    inspector_->setMinimumWidth(180);
    inspector_->document()->setDefaultStyleSheet(inspectorStyleSheet(palette()));

    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("summary"));
    statusBar()->addPermanentWidget(summary_);
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(220);
    progress_->setRange(0, 100);
    progress_->hide();
    statusBar()->addPermanentWidget(progress_);
    cancel_ = new QToolButton(this);
    cancel_->setText(tr("Cancel"));
    cancel_->hide();
    connect(cancel_, &QToolButton::clicked, worker_, [this] { worker_->cancel(); });
    statusBar()->addPermanentWidget(cancel_);
}

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open..."), this, [this] {
        QSettings settings;
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open model"), settings.value(QStringLiteral("lastDirectory")).toString(),
            tr("PyTorch models (*.pt *.ptl *.pth);;TorchScript (*.pt);;Lite Interpreter (*.ptl);;All files (*)"));
        if (path.isEmpty()) return;
        settings.setValue(QStringLiteral("lastDirectory"), QFileInfo(path).absolutePath());
        openModel(path);
    });
    open->setShortcut(QKeySequence::Open);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    recentMenu_->setObjectName(QStringLiteral("recentMenu"));
    file->addAction(tr("Open &Demo Model"), this, &MainWindow::openDemo);
    file->addSeparator();
    QAction* exportModel = file->addAction(tr("Export &Mobile Model..."), workflow_, &ConvertWorkflow::exportMobileModel);
    exportModel->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+S")));
    exportModel->setObjectName(QStringLiteral("exportMobileModel"));
    file->addAction(tr("Save Review &Report..."), handoff_, &HandoffReview::saveReviewReport)
        ->setObjectName(QStringLiteral("saveReviewReport"));
    QAction* compareWith = file->addAction(tr("Compare &With..."), compare_, &CompareView::compareWithFile);
    compareWith->setObjectName(QStringLiteral("compareWith"));
    QAction* exportImage = file->addAction(tr("&Export Graph Image..."), this, &MainWindow::exportGraph);
    exportImage->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* model = menuBar()->addMenu(tr("&Model"));
    QAction* inputs = model->addAction(tr("Sample &Inputs..."), this, &MainWindow::editInputs);
    inputs->setShortcut(QKeySequence(QStringLiteral("Ctrl+I")));
    model->addAction(tr("&Convert..."), this, [this] {
        workflow_->convertDock()->show();
        workflow_->convertDock()->raise();
    });
    // With the shapes typed in the Shape Sweep dock, or those derived from the sample inputs.
    QAction* sweep = model->addAction(tr("Shape &Sweep"), sweep_, &SweepView::run);
    sweep->setObjectName(QStringLiteral("shapeSweep"));
    sweep->setToolTip(tr("Run forward at other input shapes: which fail, which take another path"));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* fit = view->addAction(tr("&Fit to Window"), graph_, &GraphWidget::fitToView);
    fit->setShortcut(QKeySequence(QStringLiteral("Ctrl+0")));
    QAction* zoomIn = view->addAction(tr("Zoom &In"), graph_, [this] { graph_->view()->zoomBy(1.25); });
    // Ctrl++ needs Shift on most keyboards; Ctrl+= is the same key without it.
    zoomIn->setShortcuts(QKeySequence::keyBindings(QKeySequence::ZoomIn) << QKeySequence(Qt::CTRL | Qt::Key_Equal));
    QAction* zoomOut = view->addAction(tr("Zoom &Out"), graph_, [this] { graph_->view()->zoomBy(0.8); });
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    QAction* zoomSelection = view->addAction(tr("Zoom to &Selection"), graph_, &GraphWidget::zoomToSelection);
    zoomSelection->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+0")));
    view->addSeparator();
    QAction* expandAll = view->addAction(tr("&Expand All"), graph_, &GraphWidget::expandAll);
    expandAll->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+E")));
    QAction* collapseAll = view->addAction(tr("&Collapse All"), graph_, &GraphWidget::collapseAll);
    collapseAll->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+C")));
    view->addSeparator();
    QMenu* highlights = view->addMenu(tr("&Highlight"));
    for (const HighlightGroupInfo& info : highlightGroups()) {
        const HighlightGroup group = info.group;
        QAction* action = highlights->addAction(dotIcon(highlightColor(group)), highlightName(group));
        action->setToolTip(highlightToolTip(group));
        action->setCheckable(true);
        action->setChecked(true);
        connect(action, &QAction::toggled, this, [this, group](bool on) { graph_->setHighlightEnabled(group, on); });
        highlightActions_ << action;
    }
    view->addSeparator();
    for (QDockWidget* dockWidget : findChildren<QDockWidget*>()) view->addAction(dockWidget->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About PTL Studio"), this, [this] {
        QMessageBox::about(this, tr("About PTL Studio"),
                           tr("<b>PTL Studio %1</b> (Qt %2)<p>Inspect TorchScript and Lite Interpreter models, find what "
                              "will break or misbehave on a phone, convert them and export a verified .ptl.</p><p>The "
                              "latency in the Variants dock and its plots is measured on this computer with the Lite "
                              "Interpreter; it compares variants with each other and is not a phone figure.</p>")
                               .arg(QStringLiteral(PTL_VERSION), QString::fromLatin1(qVersion())));
    });

    QToolBar* tools = addToolBar(tr("Main"));
    tools->setObjectName(QStringLiteral("MainToolBar"));
    tools->addAction(open);
    tools->addSeparator();
    tools->addAction(fit);
    tools->addAction(zoomIn);
    tools->addAction(zoomOut);
    tools->addAction(zoomSelection);
    tools->addAction(expandAll);
    tools->addAction(collapseAll);
    tools->addSeparator();
    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("graphSearch"));
    search_->setPlaceholderText(tr("Find op, value or module (Ctrl+F)"));
    search_->setClearButtonEnabled(true);
    search_->setMaximumWidth(280);
    tools->addWidget(search_);
    QAction* find = new QAction(tr("Find"), this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] {
        search_->setFocus();
        search_->selectAll();
    });
    addAction(find);
    connect(search_, &QLineEdit::returnPressed, this, [this] {
        if (!graph_->findNext(search_->text())) statusBar()->showMessage(tr("No match for \"%1\"").arg(search_->text()), 5000);
    });

    // The legend: one toggle per highlight, in its colour, on a row of its own so that no
    // toggle hides behind the toolbar's extension button; a narrow (or scaled) window labels
    // them with a word each (the full name in the View menu and the tooltip).
    addToolBarBreak();
    QToolBar* legend = addToolBar(tr("Legend"));
    legend->setObjectName(QStringLiteral("LegendToolBar"));
    legend->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    legend->setIconSize(QSize(14, 14));  // the dots' own size: the row no taller than the text
    for (int index = 0; index < highlightActions_.size(); ++index) {
        if (narrowScreen()) highlightActions_[index]->setIconText(highlightShortName(HighlightGroup(index)));
        legend->addAction(highlightActions_[index]);
    }
}

void MainWindow::openDemo() { openModel(demoPath(), tr("Demo model")); }

void MainWindow::openModel(const QString& path, const QString& displayName) {
    const QString controllerPath = workflow_->controller()->modelPath();
    if (!controllerPath.isEmpty() && QFileInfo(path).absoluteFilePath() != controllerPath && !workflow_->mayDiscardVariants())
        return;
    loadingPath_ = QFileInfo(path).absoluteFilePath();
    loadingName_ = displayName.isEmpty() ? QFileInfo(path).fileName() : displayName;
    lastError_.clear();
    graphShownEarly_ = false;  // an early graph on screen belongs to a superseded load
    setLoading(true);
    statusBar()->showMessage(tr("Opening %1...").arg(loadingName_));
    appendLog(tr("Opening %1").arg(loadingPath_));
    loadingSpecs_ = InputsEditor::storedSpecs(loadingPath_);
    job_ = worker_->inspect(loadingPath_, loadingSpecs_);
}

void MainWindow::setLoading(bool loading) {
    progress_->setVisible(loading);
    cancel_->setVisible(loading);
    if (loading) progress_->setValue(0);
}

void MainWindow::showEarlyGraph(std::shared_ptr<const Report> partial) {
    // A finished model on screen is kept, to be put back if this load is cancelled or fails.
    if (report_ && !analysing_)
        previous_.reset(new Previous{report_, shownName_, shownPath_, inputSpecs_, graph_->viewState(),
                                     inspector_->document()->isEmpty() ? QString() : inspector_->toHtml(), findingNode_});
    analysing_ = true;
    partialName_ = loadingName_;
    partialJob_ = job_;
    // Nothing of the previous model stays beside the new title: counts, selection, Inspector, tints.
    setWindowTitle(tr("%1 - PTL Studio").arg(loadingName_));
    summary_->setText(tr("Analysing %1...").arg(loadingName_));
    exportReadiness_->setPending(tr("Analysing %1...").arg(loadingName_));
    sweep_->setModel(QString(), nullptr, {});
    compare_->setModel(QString(), {});
    modules_->setReport(partial);
    modulesView_->expandToDepth(1);
    findings_->setReport(nullptr);
    tensors_->setReport(nullptr);
    showTensor({});
    inspector_->clear();
    findingNode_ = -1;
    report_ = partial;
    graph_->setNodeTints({});
    graph_->setReport(std::move(partial));
    graphShownEarly_ = true;
    showVerdict();
}

void MainWindow::loadEnded(const QString& reason) {
    if (!analysing_) return;  // nothing of an unfinished load is on screen: the shown model stays
    graphShownEarly_ = false;
    if (previous_) {
        restorePrevious();
        appendLog(tr("Showing %1 again").arg(shownName_));
        return;
    }
    // Nothing to go back to: the early graph stays, plainly marked as not analysed.
    setWindowTitle(tr("%1 (not analysed) - PTL Studio").arg(partialName_));
    summary_->setText(tr("Not analysed"));
    exportReadiness_->setPending(tr("%1 was not analysed.").arg(partialName_));
    showVerdict(partialJob_ == job_ ? reason : tr("its loading was interrupted"));
}

void MainWindow::restorePrevious() {
    const std::unique_ptr<Previous> previous = std::move(previous_);
    analysing_ = false;
    report_ = previous->report;
    shownName_ = previous->name;
    shownPath_ = previous->path;
    inputSpecs_ = previous->inputSpecs;
    findingNode_ = previous->findingNode;
    showModelDocks();
    sweep_->setModel(shownPath_, report_, inputSpecs_);
    compare_->setModel(shownPath_, inputSpecs_);
    graph_->restore(report_, previous->view);
    if (previous->inspectorHtml.isEmpty()) inspector_->clear();
    else inspector_->setHtml(previous->inspectorHtml);
}

void MainWindow::showModelDocks() {
    setWindowTitle(tr("%1 - PTL Studio").arg(shownName_));
    findings_->setReport(report_);
    modules_->setReport(report_);
    tensors_->setReport(report_);
    exportReadiness_->setReport(report_);
    modulesView_->expandToDepth(1);
    findingsView_->resizeColumnToContents(FindingsModel::SeverityColumn);
    findingsView_->resizeColumnToContents(FindingsModel::CategoryColumn);
    tensorsView_->resizeColumnsToContents();
    // The histogram shows the first tensor until another is picked (also for a model put back).
    if (tensorsView_->model()->rowCount() > 0) tensorsView_->setCurrentIndex(tensorsView_->model()->index(0, 0));
    else showTensor({});
    int counts[3] = {0, 0, 0};
    for (const Finding& finding : report_->findings) ++counts[int(finding.severity)];
    summary_->setText(tr("%1 · %2 errors · %3 warnings · %4 info")
                          .arg(QString::fromStdString(report_->format == "lite" ? "Lite Interpreter" : "TorchScript"))
                          .arg(counts[2])
                          .arg(counts[1])
                          .arg(counts[0]));
    showVerdict();
}

void MainWindow::showVerdict(const QString& notAnalysedReason) {
    QString html;
    if (!notAnalysedReason.isEmpty()) html = notAnalysedHtml(partialName_, notAnalysedReason);
    else if (analysing_) html = tr("<p>Analysing %1...</p>").arg(partialName_.toHtmlEscaped());
    else if (report_ && report_->findings.empty()) html = cleanVerdictHtml(*report_);
    verdict_->setText(html);
    findingsStack_->setCurrentWidget(html.isEmpty() ? static_cast<QWidget*>(findingsView_) : verdict_);
}

void MainWindow::showNothingOpen(const QString& why) {
    verdict_->setText(nothingOpenHtml(why));
    findingsStack_->setCurrentWidget(verdict_);
}

void MainWindow::showReport(std::shared_ptr<const Report> report) {
    report_ = std::move(report);
    analysing_ = false;
    previous_.reset();
    findingNode_ = -1;
    showModelDocks();
    inspector_->clear();
    if (std::exchange(graphShownEarly_, false))
        graph_->updateReport(report_);
    else
        graph_->setReport(report_);
    appendLog(tr("%1: %2 findings").arg(shownName_).arg(report_->findings.size()));
    workflow_->setModel(shownPath_, shownName_, report_, inputSpecs_);
    handoff_->setModel(shownPath_, report_);
    sweep_->setModel(shownPath_, report_, inputSpecs_);
    compare_->setModel(shownPath_, inputSpecs_);
    Q_EMIT reportShown();
    runPendingJobs();
    if (!convertOnShow_.isEmpty()) {
        workflow_->panel()->quantizationBox()->setCurrentIndex(workflow_->panel()->quantizationBox()->findData(convertOnShow_));
        convertOnShow_.clear();
        workflow_->variantsDock()->raise();
        workflow_->convertDock()->raise();
        workflow_->convert();
    }
}

void MainWindow::showFailure(const QString& message) {
    lastError_ = message;
    appendLog(message);
    statusBar()->showMessage(message);
    if (!screenshotPath_.isEmpty()) {
        QApplication::exit(1);
        return;
    }
    Q_EMIT loadFailed(message);
    if (!property("quietErrors").toBool()) QMessageBox::warning(this, tr("Cannot open the model"), message);
}

void MainWindow::showFinding(const QModelIndex& proxyIndex) {
    const QModelIndex index = findingsFilter_->mapToSource(proxyIndex);
    const Finding* finding = findings_->finding(index);
    if (!finding || !report_) return;
    findingNode_ = finding->nodes.empty() ? -1 : finding->nodes.front();
    if (!finding->nodes.empty()) {
        for (size_t m = 0; m < report_->methods.size(); ++m) {
            if (report_->methods[m].name != finding->method) continue;
            if (graph_->method() != &report_->methods[m]) graph_->setReport(report_, int(m));
            graph_->revealNode(finding->nodes.front());
            break;
        }
    }
    QString html = findingHtml(*report_, *finding);
    if (finding->category == "input.unknown")
        html += tr("<p><a href=\"ptl:edit-inputs\">Set the sample inputs…</a> (Model &gt; Sample Inputs, Ctrl+I)</p>");
    inspector_->setHtml(html);
    revealSourceLine();
}

void MainWindow::revealExportItem(const QString& method, int node, const QString& findingId) {
    if (!report_) return;
    if (!findingId.isEmpty()) {
        for (int row = 0; row < findings_->rowCount(); ++row) {
            const Finding* finding = findings_->finding(findings_->index(row, 0));
            if (!finding || QString::fromStdString(finding->id) != findingId) continue;
            const QModelIndex shown = findingsFilter_->mapFromSource(findings_->index(row, 0));
            if (shown.isValid()) {
                findingsView_->setCurrentIndex(shown);
                findingsView_->scrollTo(shown);
                return;
            }
        }
    }
    // A construct without a finding, or one the findings filter hides: its node alone.
    if (node < 0) return;
    for (size_t m = 0; m < report_->methods.size(); ++m) {
        if (QString::fromStdString(report_->methods[m].name) != method) continue;
        if (graph_->method() != &report_->methods[m]) graph_->setReport(report_, int(m));
        graph_->revealNode(node);
        return;
    }
}

void MainWindow::revealSourceLine() {
    // The highlighted line in view, with as much above it (the finding, what to do) as fits.
    for (QTextBlock block = inspector_->document()->begin(); block.isValid(); block = block.next()) {
        for (auto fragment = block.begin(); !fragment.atEnd(); ++fragment) {
            if (!fragment.fragment().charFormat().anchorNames().contains(QLatin1String(kSourceLineAnchor))) continue;
            inspector_->setTextCursor(QTextCursor(block));
            inspector_->ensureCursorVisible();
            return;
        }
    }
}

void MainWindow::showTensor(const QModelIndex& proxyIndex) {
    const TensorInfo* tensor = tensors_->tensor(tensorsSort_->mapToSource(proxyIndex));
    histogram_->clearPlottables();
    histogram_->clearItems();
    applyPalette(histogram_, palette());
    const bool known = tensor && tensor->stats.known && !tensor->stats.histogram.empty();
    histogram_->setToolTip({});
    histogram_->xAxis->setVisible(known);
    histogram_->yAxis->setVisible(known);
    if (!known) {
        // Say why the chart is empty rather than draw empty axes.
        auto* text = new QCPItemText(histogram_);
        // On two lines: the histogram's side of the splitter can be narrow.
        text->setText(!tensor ? tr("Pick a tensor\nto see its values.")
                              : tr("No values recorded\nfor %1.").arg(QString::fromStdString(tensor->name)));
        text->setTextAlignment(Qt::AlignCenter);
        text->setColor(palette().color(QPalette::PlaceholderText));
        text->position->setType(QCPItemPosition::ptViewportRatio);
        text->position->setCoords(0.5, 0.5);
    } else {
        const TensorStats& stats = tensor->stats;
        auto* bars = new QCPBars(histogram_->xAxis, histogram_->yAxis);
        const double width = (stats.max - stats.min) / double(stats.histogram.size());
        QVector<double> keys, values;
        for (size_t i = 0; i < stats.histogram.size(); ++i) {
            keys << stats.min + width * (double(i) + 0.5);
            values << double(stats.histogram[i]);
        }
        bars->setWidth(width > 0 ? width : 1);
        bars->setData(keys, values);
        bars->setBrush(QColor(0x63, 0x66, 0xf1, 200));
        bars->setPen(Qt::NoPen);
        histogram_->rescaleAxes();
        histogram_->yAxis->setRangeLower(0);
        histogram_->plotLayout()->setAutoMargins(QCP::msAll);
        histogram_->setToolTip(QString::fromStdString(tensor->name));
        // Whole for the layout to make room for it, elided to the axis' width once laid out.
        histogram_->xAxis->setLabel(histogram_->toolTip());
    }
    histogram_->replot();
}

void MainWindow::addRecent(const QString& path) {
    if (path == demoPath()) return;  // a private copy, gone when the application quits
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentFiles")).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    for (int i = 0; i < recent.size(); ++i) {
        QAction* action = recentMenu_->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(recent[i]));
        connect(action, &QAction::triggered, this, [this, path = recent[i]] { openModel(path); });
    }
    recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::exportGraph() {
    QString filter;
    const QString chosen = QFileDialog::getSaveFileName(this, tr("Export graph image"), QString(),
                                                        tr("PNG image (*.png);;SVG drawing (*.svg)"), &filter);
    if (chosen.isEmpty()) return;
    const QString path = withImageSuffix(chosen, filter);
    QString error;
    if (!graph_->exportImage(path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
    else statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

void MainWindow::appendLog(const QString& line) {
    log_->appendPlainText(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) + line);
}

void MainWindow::screenshotWhenReady(const QString& path) {
    screenshotPath_ = path;
    workflow_->setQuiet(true);  // no dialog may stop a headless run
}

void MainWindow::takeScreenshot() {
    // The finished report, laid out: not the early graph; with --convert, the variant measured.
    if (screenshotPath_.isEmpty() || graph_->layoutPending() || progress_->isVisible()) return;
    if (!convertOnShow_.isEmpty() || workflow_->controller()->busy()) return;
    if (sweepOnShow_ || !compareOnShow_.isEmpty() || sweep_->running() || compare_->running()) return;
    const QString path = screenshotPath_;
    screenshotPath_.clear();
    QApplication::processEvents();
    const bool saved = grab().save(path);
    QApplication::exit(saved ? 0 : 1);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!workflow_->mayDiscardVariants()) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/weightsSplitter"), weights_->saveState());
    worker_->cancel();
    event->accept();
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (std::exchange(shownBefore_, true)) return;
    // Once laid out: dock sizes saved on a larger screen must not squeeze the graph away.
    QTimer::singleShot(0, this, [this] {
        if (graph_->width() < width() / 3 || graph_->height() < height() / 3) applyDefaultDockSizes();
    });
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange && tensorsView_) {
        // Light or dark: the Inspector's colours and the histogram follow the palette.
        inspector_->document()->setDefaultStyleSheet(inspectorStyleSheet(palette()));
        showTensor(tensorsView_->currentIndex());
    }
    QMainWindow::changeEvent(event);
}

void MainWindow::childEvent(QChildEvent* event) {
    // The tabs of docks stacked in one area keep their titles whole, with scroll arrows when
    // they do not all fit: elided on a narrow or scaled screen they read "C…", "Int…", "P…".
    // (The window's layout makes these bars, eliding; polished, they are set up.)
    if (event->type() == QEvent::ChildPolished)
        if (auto* bar = qobject_cast<QTabBar*>(event->child())) {
            bar->setElideMode(Qt::ElideNone);
            bar->setUsesScrollButtons(true);
        }
    QMainWindow::childEvent(event);
}

void MainWindow::fitToScreen() {
    // A geometry saved on a larger (or unscaled) screen comes back inside this one.
    const QRect available = screen()->availableGeometry();
    QRect bounds = geometry();
    if (available.contains(bounds)) return;
    // Not below what the docks need (the layout would grow it again past the screen's edge).
    bounds.setSize(bounds.size().boundedTo(defaultSize(available)).expandedTo(minimumSizeHint()).boundedTo(available.size()));
    bounds.moveTopLeft(QPoint(std::clamp(bounds.left(), available.left(), available.right() - bounds.width()),
                              std::clamp(bounds.top(), available.top(), available.bottom() - bounds.height())));
    setGeometry(bounds);
}

bool MainWindow::narrowScreen() const { return defaultSize(screen()->availableGeometry()).width() < 1200; }

void MainWindow::applyDefaultDockSizes() {
    // Shares of the window, so that on a small or scaled screen the graph stays the largest pane.
    auto* modulesDock = findChild<QDockWidget*>(QStringLiteral("ModulesDock"));
    auto* inspectorDock = findChild<QDockWidget*>(QStringLiteral("InspectorDock"));
    auto* findingsDock = findChild<QDockWidget*>(QStringLiteral("FindingsDock"));
    // Modules wide enough for names, types and parameters; on a narrow screen the graph comes first.
    resizeDocks({modulesDock, inspectorDock}, {width() * (narrowScreen() ? 20 : 25) / 100, width() * 28 / 100}, Qt::Horizontal);
    resizeDocks({findingsDock}, {height() * 32 / 100}, Qt::Vertical);  // room for a chart with its legend
    if (!tabifiedDockWidgets(inspectorDock).contains(workflow_->plotsDock()))
        resizeDocks({findingsDock, workflow_->plotsDock()}, {width() * 54 / 100, width() * 46 / 100}, Qt::Horizontal);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) openModel(urls.front().toLocalFile());
}

void MainWindow::revealModule(const QString& path) {
    const GraphStructure* structure = graph_->structure();
    if (!structure) return;
    // The module, else its nearest enclosing module that has a box: LibTorch keeps no module path
    // inside If blocks, so layers called there are drawn in the module that holds the If.
    for (std::string wanted = path.toStdString();; wanted = wanted.substr(0, wanted.rfind('.'))) {
        for (const Group& group : structure->groups()) {
            if (group.kind == GroupKind::Module && group.path == wanted) {
                graph_->expandGroup(group.id, true);
                graph_->revealGroup(group.id);
                return;
            }
        }
        if (wanted.find('.') == std::string::npos) return;
    }
}

void MainWindow::arrangeConvertDocks() {
    // Convert beside the Inspector; Variants and Plots beside Findings.
    auto* inspectorDock = findChild<QDockWidget*>(QStringLiteral("InspectorDock"));
    auto* findingsDock = findChild<QDockWidget*>(QStringLiteral("FindingsDock"));
    if (inspectorDock) tabifyDockWidget(inspectorDock, workflow_->convertDock());
    if (inspectorDock) tabifyDockWidget(inspectorDock, handoff_->integrationDock());
    if (inspectorDock) tabifyDockWidget(inspectorDock, exportReadiness_->dock());
    if (findingsDock) {
        // Plots stay beside the tabs (the table and its plots side by side), not among them; a small
        // (or scaled) window has no width for both, so there they join the Inspector's tabs.
        tabifyDockWidget(findingsDock, workflow_->variantsDock());
        tabifyDockWidget(findingsDock, sweep_->dock());
        tabifyDockWidget(findingsDock, compare_->dock());
        if (narrowScreen() && inspectorDock) tabifyDockWidget(inspectorDock, workflow_->plotsDock());
        findingsDock->raise();
    }
    if (inspectorDock) inspectorDock->raise();
}

std::vector<InputInfo> MainWindow::forwardInputs() const {
    if (!report_) return {};
    if (!report_->inputs.empty()) return report_->inputs;
    std::vector<InputInfo> arguments;
    if (report_->methods.empty()) return arguments;
    const Graph& graph = report_->methods.front().graph;
    for (size_t i = 1; i < graph.inputs.size(); ++i) {  // self first
        const Value& value = graph.values[size_t(graph.inputs[i])];
        InputInfo input;
        input.argument = value.name.substr(0, value.name.find('.'));
        input.type = value.type;
        input.dtype = "float32";
        input.source = "unknown";
        arguments.push_back(input);
    }
    return arguments;
}

void MainWindow::editInputs() {
    if (!report_ || analysing_) return;  // an early graph: its model is not shown yet
    InputsEditor editor(forwardInputs(), inputSpecs_, this);
    if (editor.exec() != QDialog::Accepted) return;
    setInputSpecs(editor.specs());
}

void MainWindow::setInputSpecs(const QStringList& specs) {
    const QString path = shownPath_;
    InputsEditor::storeSpecs(path, specs);
    appendLog(tr("Sample inputs for %1: %2").arg(shownName_, specs.join(QStringLiteral(", "))));
    openModel(path, shownName_);  // inspect again: shapes, round trip and findings on these inputs
}

void MainWindow::convertWhenShown(const QString& mode) { convertOnShow_ = mode; }

void MainWindow::sweepWhenShown(const QString& spec) { sweepOnShow_ = spec; }

void MainWindow::compareWhenShown(const QString& other) { compareOnShow_ = other; }

void MainWindow::runPendingJobs() {
    if (sweepOnShow_) {
        sweep_->specField()->setText(*std::exchange(sweepOnShow_, std::nullopt));
        sweep_->run();
    }
    if (!compareOnShow_.isEmpty()) compare_->compare(std::exchange(compareOnShow_, QString()));
}

void MainWindow::adoptSweep(std::shared_ptr<const Report> report) {
    // Only for the model on screen: another one opened meanwhile cancelled the sweep already.
    if (analysing_ || !report_ || report->file != report_->file) return;
    report_ = std::move(report);
    findingNode_ = -1;
    showModelDocks();
    graph_->updateReport(report_);
    handoff_->setModel(shownPath_, report_);
    sweep_->setReport(report_);
    const int failures = sweepFailures(report_->sweep), divergences = sweepDivergences(report_->sweep);
    statusBar()->showMessage(tr("Shape sweep: %1 shapes, %2 failed, %3 took another path")
                                 .arg(report_->sweep.points.size())
                                 .arg(failures)
                                 .arg(divergences));
}

void MainWindow::revealForwardNode(int node) {
    if (!report_ || report_->methods.empty() || node < 0) return;
    if (graph_->method() != &report_->methods.front()) graph_->setReport(report_, 0);
    graph_->revealNode(node);
}

}  // namespace ptl::ui
