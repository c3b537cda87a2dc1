// PTL Studio's main window: the graph in the middle; Findings, Inspector, Modules, Weights and
// Log docks around it. Models are inspected by a worker process; the window never loads LibTorch.
#pragma once

#include "ptl/report.h"

#include <QMainWindow>
#include <QPointer>

#include <memory>
#include <optional>

class QAction;
class QCPBars;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QSplitter;
class QStackedWidget;
class QSortFilterProxyModel;
class QTableView;
class QTextBrowser;
class QToolButton;
class QTreeView;

namespace ptl::ui {

class WorkerClient;
class ConvertWorkflow;
class ExportReadinessView;
class CompareView;
class SweepView;
class FindingsFilter;
class FindingsModel;
class GraphWidget;
class HandoffReview;
class ModulesModel;
class TensorsModel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts inspecting `path` in the worker; `displayName` replaces the path in titles (demo).
    void openModel(const QString& path, const QString& displayName = {});
    void openDemo();
    // Saves a screenshot of the window once the model is shown, then quits with 0 (1 on failure).
    void screenshotWhenReady(const QString& path);

    std::shared_ptr<const Report> report() const { return report_; }
    GraphWidget* graph() const { return graph_; }
    QTableView* findingsView() const { return findingsView_; }
    QTextBrowser* inspector() const { return inspector_; }
    QTreeView* modulesView() const { return modulesView_; }
    QLabel* verdict() const { return verdict_; }  // shown instead of an empty findings table
    QLineEdit* searchField() const { return search_; }
    QString lastError() const { return lastError_; }
    FindingsModel* findingsModel() const { return findings_; }
    ModulesModel* modulesModel() const { return modules_; }
    TensorsModel* tensorsModel() const { return tensors_; }

    ConvertWorkflow* convertWorkflow() const { return workflow_; }
    HandoffReview* handoffReview() const { return handoff_; }
    ExportReadinessView* exportReadinessView() const { return exportReadiness_; }
    SweepView* sweepView() const { return sweep_; }
    CompareView* compareView() const { return compare_; }
    // --sweep [SPEC] and --compare FILE: once the model is shown, run them (a screenshot waits for them).
    void sweepWhenShown(const QString& spec);
    void compareWhenShown(const QString& other);
    // forward's arguments with the shapes last used: the inspection's inputs, or the arguments
    // from the graph when none could be made.
    std::vector<InputInfo> forwardInputs() const;
    void editInputs();
    void setInputSpecs(const QStringList& specs);  // remembered for this model; inspects again
    QStringList inputSpecs() const { return inputSpecs_; }
    // --convert MODE: once the model is shown, convert it (none, dynamic or static) and, with a
    // screenshot pending, take it when the variant's latency is in.
    void convertWhenShown(const QString& mode);

    void setWorkerFaultForTests(const QString& fault);
    void setWorkerWatchdogForTests(int seconds);

Q_SIGNALS:
    void reportShown();
    void loadFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void changeEvent(QEvent* event) override;
    void childEvent(QChildEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    GraphWidget* graph_ = nullptr;
    WorkerClient* worker_ = nullptr;
    ConvertWorkflow* workflow_ = nullptr;
    HandoffReview* handoff_ = nullptr;
    ExportReadinessView* exportReadiness_ = nullptr;
    SweepView* sweep_ = nullptr;
    CompareView* compare_ = nullptr;
    std::optional<QString> sweepOnShow_;
    QString compareOnShow_;
    quint64 job_ = 0;
    QStringList inputSpecs_;
    QString convertOnShow_;
    QString loadingPath_, loadingName_, shownName_, shownPath_;
    QStringList loadingSpecs_;
    std::shared_ptr<const Report> report_;
    bool analysing_ = false;           // report_ is a load's early graph: no findings yet
    QString partialName_;              // the model of that early graph, and its job
    quint64 partialJob_ = 0;
    // The model on screen before a load showed its early graph: put back when that load is
    // cancelled or fails.
    struct Previous;
    std::unique_ptr<Previous> previous_;
    int findingNode_ = -1;             // the node whose finding the Inspector shows
    bool syncingModules_ = false;      // the Modules dock follows the graph: no reveal back
    QString lastError_;
    QString screenshotPath_;
    bool graphShownEarly_ = false;
    bool screenshotFindingShown_ = false;   // the worker's graph event came before its result

    FindingsModel* findings_ = nullptr;
    FindingsFilter* findingsFilter_ = nullptr;
    ModulesModel* modules_ = nullptr;
    TensorsModel* tensors_ = nullptr;
    QSortFilterProxyModel* tensorsSort_ = nullptr;
    QTableView* findingsView_ = nullptr;
    QStackedWidget* findingsStack_ = nullptr;  // the table, or the verdict when it has no rows
    QLabel* verdict_ = nullptr;
    QTextBrowser* inspector_ = nullptr;
    QTreeView* modulesView_ = nullptr;
    QTableView* tensorsView_ = nullptr;
    QCustomPlot* histogram_ = nullptr;
    QSplitter* weights_ = nullptr;  // the tensor table beside the histogram
    bool shownBefore_ = false;
    QPlainTextEdit* log_ = nullptr;
    QLineEdit* search_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QToolButton* cancel_ = nullptr;
    QLabel* summary_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QList<QAction*> highlightActions_;

    void buildActions();
    void buildDocks();
    void showReport(std::shared_ptr<const Report> report);
    void showEarlyGraph(std::shared_ptr<const Report> partial);
    void loadEnded(const QString& reason);  // cancelled or failed: the previous model, or "not analysed"
    void restorePrevious();
    void showModelDocks();  // title, findings, modules, weights and counts of report_
    void showVerdict(const QString& notAnalysedReason = {});
    void showFailure(const QString& message);
    void showNothingOpen(const QString& why);  // a failed or cancelled load with no model to fall back to
    void setLoading(bool loading);
    void showFinding(const QModelIndex& index);
    // An Export Readiness row: its finding in Findings (which shows its node), else its node.
    void revealExportItem(const QString& method, int node, const QString& findingId);
    // A finished shape sweep of the open model: its report (with the sweep's findings) replaces
    // the shown one, the graph's layout and the variants staying as they are.
    void adoptSweep(std::shared_ptr<const Report> report);
    void revealForwardNode(int node);
    void runPendingJobs();  // --sweep / --compare once the model is shown
    void revealSourceLine();  // scrolls the Inspector to its highlighted source line
    void showTensor(const QModelIndex& index);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void exportGraph();
    void appendLog(const QString& line);
    void takeScreenshot();
    void revealModule(const QString& path);
    void arrangeConvertDocks();
    void applyDefaultDockSizes();
    void fitToScreen();
    bool narrowScreen() const;  // less than 1200 px across: Plots among the Inspector's tabs
};

}  // namespace ptl::ui
