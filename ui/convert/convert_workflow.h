// Everything after the findings, in the window: the Convert, Variants and Plots docks, the
// inputs every job uses, Keep in Float from the graph, the variant's quantization error drawn on
// the graph, and File > Export Mobile Model.
#pragma once

#include "ptl/report.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

class QDockWidget;
class QMainWindow;

namespace ptl::ui {

class ConvertController;
class ConvertPanel;
class GraphWidget;
class VariantPlots;
class VariantsPanel;
struct ExportOutcome;

class ConvertWorkflow : public QObject {
    Q_OBJECT
public:
    ConvertWorkflow(QMainWindow* window, GraphWidget* graph);
    ~ConvertWorkflow() override;

    // The model the window shows (its inspection report) and the input specs set for it; a new
    // path drops the previous model's variants.
    void setModel(const QString& path, const QString& displayName, std::shared_ptr<const Report> report,
                  const QStringList& inputSpecs);
    QStringList inputSpecs() const { return inputSpecs_; }
    void setInputSpecs(const QStringList& specs);

    // Convert with the Convert dock's settings (a new variant, or `replaces` in place). False
    // when the settings cannot be used; the reason is shown.
    bool convert(int replaces = 0);
    void keepInFloat(const QString& modulePath);  // static quantization without that module, as a new variant
    // File > Export Mobile Model: the chosen (or latest verified) variant through a save dialog.
    void exportMobileModel();
    // Asks before variants that were not exported (or a running conversion) are thrown away;
    // true when there is nothing to lose or the user agrees.
    bool mayDiscardVariants();
    ExportOutcome exportVariantTo(int variantId, const QString& path);  // without dialogs

    // Tests replace the save dialog and the message boxes.
    using SaveFileChooser = std::function<QString(const QString& suggestedPath)>;
    void setSaveFileChooser(SaveFileChooser chooser) { chooseSaveFile_ = std::move(chooser); }
    void setQuiet(bool quiet) { quiet_ = quiet; }

    ConvertController* controller() const { return controller_; }
    ConvertPanel* panel() const { return panel_; }
    VariantsPanel* variantsPanel() const { return variantsPanel_; }
    VariantPlots* plots() const { return plots_; }
    QDockWidget* convertDock() const { return convertDock_; }
    QDockWidget* variantsDock() const { return variantsDock_; }
    QDockWidget* plotsDock() const { return plotsDock_; }
    bool writeOpsYaml() const { return writeOpsYaml_; }
    void setWriteOpsYaml(bool write) { writeOpsYaml_ = write; }
    QString lastMessage() const { return lastMessage_; }

Q_SIGNALS:
    void editInputsRequested();
    void layerSelected(const QString& modulePath);  // a plot's layer clicked
    void logLine(const QString& line);

private:
    QMainWindow* window_;
    GraphWidget* graph_;
    ConvertController* controller_ = nullptr;
    ConvertPanel* panel_ = nullptr;
    VariantsPanel* variantsPanel_ = nullptr;
    VariantPlots* plots_ = nullptr;
    QDockWidget *convertDock_ = nullptr, *variantsDock_ = nullptr, *plotsDock_ = nullptr;
    std::shared_ptr<const Report> report_;
    bool convertInFront_ = false;  // the Convert dock is on screen, not behind another tab
    QStringList inputSpecs_;
    SaveFileChooser chooseSaveFile_;
    bool quiet_ = false;
    bool writeOpsYaml_ = false;
    QString lastMessage_;

    void buildDocks();
    void connectController();
    void refreshPlots();
    void showErrorOnGraph(int variantId);
    void tell(const QString& title, const QString& message, bool problem);
    bool confirm(const QString& title, const QString& question);
    bool quiet() const;  // tests and headless screenshots: no dialogs
    int exportCandidate() const;
};

}  // namespace ptl::ui
