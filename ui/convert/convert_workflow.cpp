// The window's convert workflow; see convert_workflow.h.
#include "dialogs/save_location.h"
#include "convert/convert_workflow.h"

#include "convert/convert_controller.h"
#include "convert/convert_panel.h"
#include "convert/variants_panel.h"
#include "graph/graph_widget.h"
#include "models/report_models.h"
#include "plots/variant_plots.h"
#include "ptl/op_kinds.h"

#include <QCheckBox>
#include <QDesktopServices>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <stdexcept>

namespace ptl::ui {

namespace {

// Quantization error colours: what a layer's SQNR means for the output it feeds.
QColor sqnrColor(double db) {
    if (db >= 35) return QColor(0x86, 0xef, 0xac);  // no visible error
    if (db >= 20) return QColor(0xfd, 0xe6, 0x8a);  // some
    return QColor(0xfc, 0xa5, 0xa5);                // visible error: a candidate for Keep in Float
}

QString sqnrLegend() {
    auto swatch = [](const QColor& color, const QString& text) {
        return QStringLiteral("<span style='background:%1'>&nbsp;&nbsp;&nbsp;</span>&nbsp;%2").arg(color.name(), text);
    };
    return ConvertWorkflow::tr("Graph: quantized layers of the selected variant by SQNR %1 %2 %3")
        .arg(swatch(sqnrColor(40), QStringLiteral("&ge; 35 dB")), swatch(sqnrColor(25), QStringLiteral("20–35 dB")),
             swatch(sqnrColor(10), QStringLiteral("&lt; 20 dB")));
}

}  // namespace

ConvertWorkflow::ConvertWorkflow(QMainWindow* window, GraphWidget* graph)
    : QObject(window), window_(window), graph_(graph), controller_(new ConvertController(this)) {
    ConvertController::removeStaleFolders();
    buildDocks();
    connectController();
    chooseSaveFile_ = [this](const QString& suggested) {
        return QFileDialog::getSaveFileName(window_, tr("Export Mobile Model"), suggested, tr("PyTorch Lite model (*.ptl)"));
    };
    graph_->setContextMenuProvider([this](QMenu& menu, const QString& path, int) {
        if (!report_ || report_->format != "torchscript" || path.isEmpty()) return;
        QAction* keep = menu.addAction(tr("Keep in Float: %1").arg(path));
        keep->setToolTip(tr("Quantize statically with this module left in float, as a new variant"));
        connect(keep, &QAction::triggered, this, [this, path] { keepInFloat(path); });
    });
}

ConvertWorkflow::~ConvertWorkflow() = default;

void ConvertWorkflow::buildDocks() {
    panel_ = new ConvertPanel(window_);
    convertDock_ = new QDockWidget(tr("Convert"), window_);
    convertDock_->setObjectName(QStringLiteral("ConvertDock"));
    convertDock_->setWidget(panel_);
    window_->addDockWidget(Qt::RightDockWidgetArea, convertDock_);
    // The person turns to converting: its worker loads LibTorch while the options are set.
    // (Its isVisible() stays true behind another tab; the signal follows the tabs.)
    connect(convertDock_, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        convertInFront_ = visible;
        if (visible) controller_->prepareWorker();
    });

    auto* variants = new QWidget(window_);
    auto* layout = new QVBoxLayout(variants);
    layout->setContentsMargins(0, 0, 0, 0);
    variantsPanel_ = new VariantsPanel(controller_, variants);
    layout->addWidget(variantsPanel_, 1);
    auto* options = new QHBoxLayout;
    auto* yaml = new QCheckBox(tr("Export the operator list (YAML) beside the model"), variants);
    yaml->setObjectName(QStringLiteral("exportOpsYaml"));
    yaml->setToolTip(tr("The root operators a selective PyTorch Mobile build must include"));
    yaml->setChecked(QSettings().value(QStringLiteral("export/opsYaml"), false).toBool());
    writeOpsYaml_ = yaml->isChecked();
    connect(yaml, &QCheckBox::toggled, this, [this](bool on) {
        writeOpsYaml_ = on;
        QSettings().setValue(QStringLiteral("export/opsYaml"), on);
    });
    auto* legend = new QLabel(sqnrLegend(), variants);
    legend->setTextFormat(Qt::RichText);
    options->addWidget(yaml);
    options->addStretch(1);
    layout->addLayout(options);
    layout->addWidget(legend);
    variantsDock_ = new QDockWidget(tr("Variants"), window_);
    variantsDock_->setObjectName(QStringLiteral("VariantsDock"));
    variantsDock_->setWidget(variants);
    window_->addDockWidget(Qt::BottomDockWidgetArea, variantsDock_);

    plots_ = new VariantPlots(window_);
    plotsDock_ = new QDockWidget(tr("Plots"), window_);
    plotsDock_->setObjectName(QStringLiteral("PlotsDock"));
    plotsDock_->setWidget(plots_);
    window_->addDockWidget(Qt::BottomDockWidgetArea, plotsDock_);
}

void ConvertWorkflow::connectController() {
    connect(panel_, &ConvertPanel::runRequested, this, [this] { convert(); });
    connect(panel_, &ConvertPanel::cancelRequested, controller_, &ConvertController::cancel);
    connect(panel_, &ConvertPanel::editInputsRequested, this, &ConvertWorkflow::editInputsRequested);
    connect(controller_, &ConvertController::progress, panel_, &ConvertPanel::setProgress);
    connect(controller_, &ConvertController::busyChanged, panel_, &ConvertPanel::setBusy);
    connect(controller_, &ConvertController::logLine, this, &ConvertWorkflow::logLine);
    connect(controller_, &ConvertController::variantFinished, this, [this](int id) {
        const Variant* variant = controller_->variants()->variant(id);
        // After the job's bookkeeping (progress hidden, Cancel off): a modal box must not freeze it.
        if (variant && variant->state == Variant::State::Failed)
            QTimer::singleShot(0, this, [this, error = variant->error] { tell(tr("Conversion failed"), error, true); });
        if (variant && variant->state == Variant::State::Ready && variantsPanel_->currentVariant() == id) showErrorOnGraph(id);
    });
    VariantsModel* model = controller_->variants();
    connect(model, &QAbstractItemModel::modelReset, this, &ConvertWorkflow::refreshPlots);
    connect(model, &QAbstractItemModel::dataChanged, this, &ConvertWorkflow::refreshPlots);
    connect(model, &QAbstractItemModel::rowsInserted, this, &ConvertWorkflow::refreshPlots);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &ConvertWorkflow::refreshPlots);
    connect(variantsPanel_, &VariantsPanel::exportRequested, this, [this](int id) {
        variantsPanel_->selectVariant(id);
        exportMobileModel();
    });
    connect(variantsPanel_, &VariantsPanel::rerunRequested, this, [this](int id) {
        const Variant* variant = controller_->variants()->variant(id);
        if (variant && confirm(tr("Re-run %1").arg(variant->name),
                               tr("Replace %1 (its file and its figures) with a conversion using the Convert dock's "
                                  "settings?").arg(variant->name)))
            convert(id);
    });
    connect(variantsPanel_, &VariantsPanel::deleteRequested, this, [this](int id) {
        const Variant* variant = controller_->variants()->variant(id);
        if (variant && confirm(tr("Delete %1").arg(variant->name),
                               tr("Delete %1 and its converted file?").arg(variant->name)))
            controller_->remove(id);
    });
    connect(variantsPanel_, &VariantsPanel::loadSettingsRequested, this, [this](int id) {
        if (const Variant* variant = controller_->variants()->variant(id)) panel_->setOptions(variant->options);
    });
    connect(variantsPanel_, &VariantsPanel::currentVariantChanged, this, [this](int id) {
        plots_->setSqnrVariant(id);
        showErrorOnGraph(id);
    });
    connect(plots_, &VariantPlots::layerClicked, this, &ConvertWorkflow::layerSelected);
}

void ConvertWorkflow::setModel(const QString& path, const QString& displayName, std::shared_ptr<const Report> report,
                               const QStringList& inputSpecs) {
    if (path != controller_->modelPath()) {
        controller_->setModel(path, displayName);
        graph_->setNodeTints({});
        panel_->keepFloatField()->clear();  // module paths belong to the previous model
        if (convertInFront_) controller_->prepareWorker();
    }
    report_ = std::move(report);
    panel_->setModelAvailable(report_ && report_->format == "torchscript");
    panel_->setInputs(report_ ? report_->inputs : std::vector<InputInfo>{});
    inputSpecs_ = inputSpecs;
}

void ConvertWorkflow::setInputSpecs(const QStringList& specs) { inputSpecs_ = specs; }

bool ConvertWorkflow::convert(int replaces) {
    if (!report_ || controller_->modelPath().isEmpty()) return false;
    ptl::ConvertOptions options;
    try {
        options = panel_->options();
    } catch (const std::invalid_argument& error) {
        tell(tr("Cannot convert"), QString::fromUtf8(error.what()), true);
        return false;
    }
    options.inputSpecs = toStdStrings(inputSpecs_);
    controller_->convert(options, {}, replaces);
    return true;
}

void ConvertWorkflow::keepInFloat(const QString& modulePath) {
    panel_->addKeepFloat(modulePath);
    convert();
}

void ConvertWorkflow::refreshPlots() { plots_->setVariants(controller_->variants()->variants()); }

void ConvertWorkflow::showErrorOnGraph(int variantId) {
    const Variant* variant = controller_->variants()->variant(variantId);
    QHash<int, QColor> tints;
    const Method* method = graph_->method();
    if (variant && variant->result && method && report_ && !report_->methods.empty() && method == &report_->methods.front()) {
        for (const ptl::OpError& error : variant->result->verification.opErrors) {
            for (const Node& node : method->graph.nodes)
                if (node.scope == error.module && ptl::isFloatWeightedOp(node.kind)) tints.insert(node.id, sqnrColor(error.sqnrDb));
        }
    }
    graph_->setNodeTints(tints);
}

int ConvertWorkflow::exportCandidate() const {
    if (const int current = variantsPanel_->currentVariant()) return current;
    const auto& all = controller_->variants()->variants();
    for (auto variant = all.rbegin(); variant != all.rend(); ++variant)
        if (variant->verified()) return variant->id;
    return 0;
}

ExportOutcome ConvertWorkflow::exportVariantTo(int variantId, const QString& path) {
    return controller_->exportVariant(variantId, path, writeOpsYaml_);
}

void ConvertWorkflow::exportMobileModel() {
    const int id = exportCandidate();
    const Variant* variant = controller_->variants()->variant(id);
    if (!variant) {
        tell(tr("Nothing to export"), tr("Convert the model first (Convert dock): each run adds a variant to export."), true);
        return;
    }
    if (!variant->verified()) {  // say why before a file name is asked for
        tell(tr("Export refused"), controller_->exportVariant(id, QString(), false).message, true);
        return;
    }
    const QString folderKey = QStringLiteral("export/lastDirectory");
    const QString suggested = saveFolderFor(controller_->modelPath(), folderKey) + QLatin1Char('/') +
                              ConvertController::defaultExportName(controller_->modelName(), variant->name);
    QString path = chooseSaveFile_(suggested);
    if (path.isEmpty()) return;
    path = withDefaultSuffix(path, QStringLiteral(".ptl"));
    const ExportOutcome outcome = exportVariantTo(id, path);
    if (!outcome.ok) {
        tell(tr("Export refused"), outcome.message, true);
        return;
    }
    rememberSaveFolder(folderKey, path);
    const ptl::ConvertResult& result = *variant->result;
    const ptl::Verification& check = result.verification;
    QString summary = tr("<p>Wrote <b>%1</b></p><p>Size %2 (%3× the source), bytecode v%4.</p>"
                         "<p>Verified: reloaded in the Lite Interpreter; outputs match the converted model (max abs "
                         "difference %5, tolerance %6).</p>")
                          .arg(outcome.path.toHtmlEscaped(), formatBytes(result.outputBytes))
                          .arg(result.inputBytes ? double(result.outputBytes) / double(result.inputBytes) : 0.0, 0, 'f', 2)
                          .arg(result.bytecodeVersion)
                          .arg(check.maxAbsDiff, 0, 'g', 3)
                          .arg(check.tolerance, 0, 'g', 3);
    if (check.quantizationCosine >= 0)
        summary += tr("<p>Against the float model: cosine %1%2, max abs %3.</p>")
                       .arg(check.quantizationCosine, 0, 'f', 5)
                       .arg(check.top1Agreement >= 0 ? tr(", top-1 agreement %1%").arg(100 * check.top1Agreement, 0, 'f', 1) : QString())
                       .arg(check.quantizationMaxAbsError, 0, 'g', 4);
    if (!outcome.opsYamlPath.isEmpty()) summary += tr("<p>Operator list: %1</p>").arg(outcome.opsYamlPath.toHtmlEscaped());
    lastMessage_ = summary;
    Q_EMIT logLine(tr("Exported %1 to %2").arg(variant->name, outcome.path));
    window_->statusBar()->showMessage(tr("Exported %1").arg(outcome.path), 8000);
    if (quiet()) return;
    QMessageBox box(QMessageBox::Information, tr("Mobile model exported"), summary, QMessageBox::Ok, window_);
    QPushButton* show = box.addButton(tr("Show in Folder"), QMessageBox::ActionRole);
    box.exec();
    if (box.clickedButton() == show) QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(outcome.path).absolutePath()));
}

bool ConvertWorkflow::quiet() const { return quiet_ || window_->property("quietErrors").toBool(); }

bool ConvertWorkflow::confirm(const QString& title, const QString& question) {
    if (quiet()) return true;
    return QMessageBox::question(window_, title, question) == QMessageBox::Yes;
}

bool ConvertWorkflow::mayDiscardVariants() {
    const int unexported = controller_->unexportedVariants();
    if (!controller_->busy() && unexported == 0) return true;
    const QString question = controller_->busy()
                                 ? tr("A conversion is running. Stop it and discard the variants of %1?").arg(controller_->modelName())
                                 : tr("%n converted variant(s) of %1 were not exported and will be discarded.", nullptr, unexported)
                                       .arg(controller_->modelName());
    return confirm(tr("Discard variants"), question);
}

void ConvertWorkflow::tell(const QString& title, const QString& message, bool problem) {
    lastMessage_ = message;
    Q_EMIT logLine(message);
    window_->statusBar()->showMessage(message, 10000);
    if (quiet()) return;
    if (problem) QMessageBox::warning(window_, title, message);
    else QMessageBox::information(window_, title, message);
}

}  // namespace ptl::ui
