// The graph view: module groups that collapse and expand, op nodes, edges labelled with shape
// and dtype, If/Loop blocks, highlighting by finding category, search, fit and zoom, and
// export as PNG or SVG. Layout runs off the UI thread; a newer request supersedes an older one.
#pragma once

#include "graph_structure.h"
#include "ptl/finding_categories.h"
#include "ptl/report.h"
#include "scene_layout.h"

#include <QFutureWatcher>
#include <QGraphicsView>
#include <QHash>
#include <QSet>

#include <atomic>
#include <bitset>
#include <functional>
#include <optional>
#include <memory>
#include <set>

namespace ptl::ui {

// What the view can highlight are the registry's highlight groups (ptl/finding_categories.h),
// each with a legend entry and a toggle; the colours are the GUI's, chosen by the group's role.
QString highlightName(HighlightGroup group);
// The legend's label on a narrow window: the title's first word ("Shape-dependent", "Lite").
QString highlightShortName(HighlightGroup group);
QColor highlightColor(HighlightGroup group);  // invalid when the palette lacks the group's role

// The graph's own colours, chosen for the window's palette: light boxes on a light Base, dark
// ones on a dark Base, each text colour readable on its fill.
struct GraphColours {
    QColor background, edge, edgeLabel, selection;
    QColor opFill, opBorder, opText, opDetail;
    QColor moduleFill, moduleBorder, blockFill, blockBorder, groupText, groupDetail;
};
GraphColours graphColours(const QPalette& palette);
// Text for a box filled with `fill` (a highlight or a tint): dark on light fills, light on dark;
// detail is the quieter second line.
QColor textOn(const QColor& fill);
QColor detailOn(const QColor& fill);

class GraphScene;

}  // namespace ptl::ui

class QMenu;

namespace ptl::ui {

class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit GraphView(QWidget* parent = nullptr);
    void zoomBy(double factor);

Q_SIGNALS:
    void zoomChanged(double scale);
    void contextMenuAt(const QPoint& viewPosition, const QPoint& globalPosition);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
};

class GraphWidget : public QWidget {
    Q_OBJECT
public:
    explicit GraphWidget(QWidget* parent = nullptr);
    ~GraphWidget() override;

    // Shows forward (or the given method) of the report; starts collapsed at a readable depth.
    void setReport(std::shared_ptr<const Report> report, int method = 0);
    // The same model with more known (shapes, findings): keeps what is expanded and the view.
    void updateReport(std::shared_ptr<const Report> report);
    // The same graph with details the drawing does not use (schemas, source locations): nothing is
    // laid out again; the selection is announced again, for views showing its details.
    void adoptDetails(std::shared_ptr<const Report> report);
    void clear();
    // What a person has made of the view: method, expanded boxes, selection, zoom and position,
    // tints. A cancelled load puts the previous model back with it.
    struct ViewState {
        int method = 0;
        std::set<int> expanded;
        int selectedNode = -1;
        QTransform transform;
        QPointF centre;
        QHash<int, QColor> tints;
    };
    ViewState viewState() const;
    void restore(std::shared_ptr<const Report> report, const ViewState& state);
    const GraphStructure* structure() const { return structure_.get(); }
    bool isExpanded(int group) const { return expanded_.count(group) > 0; }
    const Method* method() const;

    void expandGroup(int group, bool expand);
    void expandAll();
    void collapseAll();
    // Expands what holds the node, selects it and centres it (after any relayout).
    void revealNode(int node);
    void revealGroup(int group);
    // Next node whose kind, value names or module path contain `text`; false when none.
    bool findNext(const QString& text);

    void setHighlightEnabled(HighlightGroup group, bool enabled);
    bool highlightEnabled(HighlightGroup group) const { return highlightEnabled_[size_t(group)]; }
    QSet<int> highlightedNodes(HighlightGroup group) const { return highlights_[int(group)]; }

    // Fills the context menu of a node or module group: the module path under the mouse ("" for
    // the top module) and the node (-1 for a group). Nothing shows when it adds no action.
    using ContextMenuProvider = std::function<void(QMenu& menu, const QString& modulePath, int node)>;
    void setContextMenuProvider(ContextMenuProvider provider) { contextMenu_ = std::move(provider); }
    // Fill colours for chosen op nodes (e.g. a variant's quantization error per layer), drawn over
    // the highlights; empty clears them.
    void setNodeTints(QHash<int, QColor> tints);
    QColor nodeTint(int node) const { return tints_.value(node); }

    void fitToView();
    void showStart();  // the first view of a graph
    void zoomToSelection();
    bool exportImage(const QString& path, QString* error = nullptr);

    GraphView* view() const { return view_; }
    bool layoutPending() const { return layoutRunning_; }
    int selectedNode() const { return selectedNode_; }
    // Figures of the last layout: groups and nodes laid out (not cached), milliseconds.
    struct LayoutStats {
        int groups = 0, nodes = 0, units = 0;
        double milliseconds = 0;
    };
    LayoutStats lastLayout() const { return lastStats_; }
    const GraphColours& colours() const { return colours_; }

Q_SIGNALS:
    void nodeSelected(int node);
    void groupSelected(int group);
    void layoutStarted();
    void layoutFinished();
    void statusMessage(const QString& text);

protected:
    void changeEvent(QEvent* event) override;

private:
    friend class GraphScene;
    GraphView* view_ = nullptr;
    GraphScene* scene_ = nullptr;
    std::shared_ptr<const Report> report_;
    int method_ = 0;
    std::shared_ptr<const GraphStructure> structure_;
    std::shared_ptr<SceneLayouter> layouter_;
    std::set<int> expanded_;
    QSet<int> highlights_[kHighlightGroupCount];
    std::bitset<kHighlightGroupCount> highlightEnabled_ = std::bitset<kHighlightGroupCount>().set();
    // What a background layout delivers: for a new report also the structure it built.
    struct LaidOut {
        std::shared_ptr<const GraphStructure> structure;
        std::shared_ptr<SceneLayouter> layouter;
        std::set<int> expanded;
        SceneLayout layout;
    };
    QFutureWatcher<LaidOut> watcher_;
    std::shared_ptr<std::atomic<bool>> cancelLayout_;
    quint64 generation_ = 0;
    int pendingReveal_ = -1;         // node to centre once the running layout lands
    int pendingRevealGroup_ = -1;
    int selectedNode_ = -1;
    int searchCursor_ = -1;
    QString lastSearch_;
    LayoutStats lastStats_;
    ContextMenuProvider contextMenu_;
    QHash<int, QColor> tints_;
    GraphColours colours_;
    void applyPalette();
    void showContextMenu(const QPoint& viewPosition, const QPoint& globalPosition);
    qint64 layoutStartedAt_ = 0;
    bool layoutRunning_ = false;
    bool fitPending_ = false;        // fit the first layout of a report to the window
    std::optional<ViewState> restorePending_;  // zoom and position to put back once laid out

    void setReport(std::shared_ptr<const Report> report, int method, std::optional<std::set<int>> keepExpanded);
    void reset(bool keepScene);
    void forgetTargets();
    void relayout();
    void startLayout(std::function<LaidOut(const layout::CancelCheck&)> work);
    void layoutDone(quint64 generation);
    void computeHighlights();
    void announceSelection();
    void expandAncestorsOf(int node);
    // `reveal`: asked for (a search hit, a finding), so it is also zoomed to a readable size.
    void select(int node, bool reveal);
    void centreReadable(QGraphicsItem* item);
};

}  // namespace ptl::ui
