#include "graph_widget.h"

#include <QDateTime>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QGraphicsSceneMouseEvent>
#include <QContextMenuEvent>
#include <QImage>
#include <QMenu>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QSvgGenerator>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrent>

#include <cmath>
#include <deque>
#include <optional>

namespace ptl::ui {

QString highlightName(HighlightGroup group) {
    return QString::fromUtf8(highlightGroupInfo(group).title);
}

QString highlightShortName(HighlightGroup group) { return highlightName(group).section(QLatin1Char(' '), 0, 0); }

QColor highlightColor(HighlightGroup group) {
    // The palette for the registry's colour roles: a dark theme would swap this table only.
    struct RoleColour {
        std::string_view role;
        QColor colour;
    };
    static const RoleColour palette[] = {
        {"hazard-shape", QColor(0xf5, 0x9e, 0x0b)}, {"hazard-value", QColor(0xdc, 0x26, 0x26)},
        {"hazard-traced", QColor(0x8b, 0x5c, 0xf6)}, {"hazard-lite", QColor(0xbe, 0x12, 0x3c)},
        {"quantized", QColor(0x0d, 0x94, 0x88)},
    };
    const std::string_view role = highlightGroupInfo(group).colourRole;
    for (const RoleColour& entry : palette)
        if (entry.role == role) return entry.colour;
    return {};
}

GraphColours graphColours(const QPalette& palette) {
    GraphColours colours;
    colours.background = palette.color(QPalette::Base);
    if (colours.background.lightness() >= 128) {
        colours.edge = QColor(0x94, 0xa3, 0xb8);
        colours.edgeLabel = QColor(0x64, 0x74, 0x8b);
        colours.selection = QColor(0x25, 0x63, 0xeb);
        colours.opFill = QColor(0xf8, 0xfa, 0xfc);
        colours.opBorder = QColor(0x64, 0x74, 0x8b);
        colours.moduleFill = QColor(0xe0, 0xe7, 0xff);
        colours.moduleBorder = QColor(0x43, 0x38, 0xca);
        colours.blockFill = QColor(0xfe, 0xf3, 0xc7);
        colours.blockBorder = QColor(0xb4, 0x53, 0x09);
        colours.groupText = QColor(0x1e, 0x1b, 0x4b);
    } else {
        colours.edge = QColor(0x7b, 0x87, 0x94);
        colours.edgeLabel = QColor(0xa0, 0xae, 0xc0);
        colours.selection = QColor(0x60, 0xa5, 0xfa);
        colours.opFill = QColor(0x26, 0x32, 0x41);
        colours.opBorder = QColor(0x8a, 0x97, 0xa8);
        colours.moduleFill = QColor(0x2e, 0x35, 0x60);
        colours.moduleBorder = QColor(0x8b, 0x93, 0xf8);
        colours.blockFill = QColor(0x4a, 0x35, 0x10);
        colours.blockBorder = QColor(0xf5, 0x9e, 0x0b);
        colours.groupText = QColor(0xe0, 0xe7, 0xff);
    }
    colours.opText = textOn(colours.opFill);
    colours.opDetail = detailOn(colours.opFill);
    colours.groupDetail = detailOn(colours.moduleFill);
    return colours;
}

QColor textOn(const QColor& fill) { return fill.lightness() >= 128 ? QColor(0x0f, 0x17, 0x2a) : QColor(0xf1, 0xf5, 0xf9); }

QColor detailOn(const QColor& fill) { return fill.lightness() >= 128 ? QColor(0x47, 0x55, 0x69) : QColor(0xcb, 0xd5, 0xe1); }

namespace {

constexpr double kTextDetail = 0.45;  // below this zoom, boxes are drawn without text
constexpr double kRevealScale = 0.9;  // a revealed node is shown at least this large: its text readable
constexpr double kOverviewScale = 0.1;  // the smallest fit: boxes still show as shapes of a few pixels

QString opLabel(const Node& node) {
    const QString kind = QString::fromStdString(node.kind);
    const int colon = kind.lastIndexOf(QLatin1Char(':'));
    return colon >= 0 ? kind.mid(colon + 1) : kind;
}

QString shapeText(const Value& value) {
    if (!value.shapeKnown) return {};
    QStringList dims;
    for (const int64_t dim : value.shape) dims << (dim < 0 ? QStringLiteral("?") : QString::number(dim));
    QString text = dims.isEmpty() ? QStringLiteral("scalar") : dims.join(QLatin1Char('x'));
    if (!value.dtype.empty() && value.dtype != "float32") text += QLatin1Char(' ') + QString::fromStdString(value.dtype);
    return text;
}

QString opDetail(const Graph& graph, const Node& node) {
    if (!node.outputs.empty()) {
        const QString shape = shapeText(graph.values[node.outputs.front()]);
        if (!shape.isEmpty()) return shape;
    }
    return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Items

class UnitItem : public QGraphicsItem {
public:
    UnitItem(GraphWidget* owner, Unit unit, const Box& box) : owner_(owner), unit_(unit) {
        setPos(box.x, box.y);
        rect_ = QRectF(0, 0, box.width, box.height);
        setFlag(ItemIsSelectable);
        setAcceptHoverEvents(false);
    }
    Unit unit() const { return unit_; }
    QRectF boundingRect() const override { return rect_.adjusted(-2, -2, 2, 2); }

protected:
    GraphWidget* owner_;
    Unit unit_;
    QRectF rect_;

    // Far out (Fit to Window on a big graph) a box is under a pixel: a pen at least a pixel wide
    // keeps the graph's shape and its highlights visible instead of a blank strip.
    static QPen outline(const QColor& colour, double width, double detail, Qt::PenStyle style = Qt::SolidLine) {
        QPen pen(colour, width, style);
        if (width * detail < 1) {
            pen.setCosmetic(true);
            pen.setWidthF(width > 1 ? 2 : 1);
        }
        return pen;
    }

    QColor borderFor(unsigned mask, QColor fallback) const {
        for (int h = 0; h < kHighlightGroupCount; ++h)
            if ((mask & (1u << h)) && owner_->highlightEnabled(HighlightGroup(h))) return highlightColor(HighlightGroup(h));
        return fallback;
    }
};

class OpItem : public UnitItem {
public:
    OpItem(GraphWidget* owner, int node, const Box& box, unsigned highlight, QString label, QString detail)
        : UnitItem(owner, node, box), highlight_(highlight), label_(std::move(label)), detail_(std::move(detail)) {
        setToolTip(label_ + (detail_.isEmpty() ? QString() : QStringLiteral("\n") + detail_));
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) override {
        const GraphColours& colours = owner_->colours();
        const QColor border = borderFor(highlight_, colours.opBorder);
        const bool highlighted = border != colours.opBorder;
        // A highlighted box is a pale (light palette) or deep (dark palette) shade of its colour.
        QColor fill = !highlighted ? colours.opFill
                      : colours.opFill.lightness() >= 128 ? border.lighter(185) : border.darker(260);
        if (const QColor tint = owner_->nodeTint(unit_); tint.isValid()) fill = tint;
        const double detail = option->levelOfDetailFromTransform(painter->worldTransform());
        painter->setPen(outline(isSelected() ? colours.selection : border, isSelected() || highlighted ? 2.5 : 1, detail));
        painter->setBrush(fill);
        painter->drawRoundedRect(rect_, 5, 5);
        if (detail < kTextDetail) return;
        painter->setPen(textOn(fill));
        QFont font = painter->font();
        font.setBold(true);
        painter->setFont(font);
        const QRectF top = rect_.adjusted(6, 3, -6, detail_.isEmpty() ? -3 : -rect_.height() / 2);
        painter->drawText(top, Qt::AlignCenter, label_);
        if (!detail_.isEmpty()) {
            font.setBold(false);
            painter->setFont(font);
            painter->setPen(detailOn(fill));
            painter->drawText(rect_.adjusted(6, rect_.height() / 2, -6, -3), Qt::AlignCenter, detail_);
        }
    }

private:
    unsigned highlight_;
    QString label_, detail_;
};

class GroupItem : public UnitItem {
public:
    GroupItem(GraphWidget* owner, const Group& group, const Box& box, bool expanded, unsigned inside, unsigned own)
        : UnitItem(owner, groupUnit(group.id), box), group_(group.id), kind_(group.kind), expanded_(expanded),
          inside_(inside), own_(own), title_(QString::fromStdString(group.title)),
          count_(QStringLiteral("%1 ops").arg(group.opCount)), depth_(group.depth) {
        setZValue(-10 + depth_ * 0.01);
        setToolTip(title_ + QStringLiteral("\n") + count_ +
                   (expanded ? QStringLiteral("\nDouble-click to collapse") : QStringLiteral("\nDouble-click to expand")));
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) override {
        const GraphColours& colours = owner_->colours();
        const bool flow = kind_ != GroupKind::Module;
        const QColor base = flow ? colours.blockFill : colours.moduleFill;
        QColor border = borderFor(own_, flow ? colours.blockBorder : colours.moduleBorder);
        const double detail = option->levelOfDetailFromTransform(painter->worldTransform());
        painter->setPen(outline(isSelected() ? colours.selection : border, isSelected() ? 2.5 : (own_ ? 2.5 : 1), detail,
                                kind_ == GroupKind::Block ? Qt::DashLine : Qt::SolidLine));
        QColor fill = base;
        if (expanded_) fill.setAlpha(70 + std::min(depth_, 6) * 15);
        painter->setBrush(fill);
        painter->drawRoundedRect(rect_, 8, 8);
        if (detail < kTextDetail * 0.6) return;
        painter->setPen(colours.groupText);
        QFont font = painter->font();
        font.setBold(true);
        painter->setFont(font);
        const QString marker = expanded_ ? QStringLiteral("\u25BE ") : QStringLiteral("\u25B8 ");
        const QRectF header(8, 4, rect_.width() - 16, BoxMetrics::header - 6);
        painter->drawText(header, Qt::AlignLeft | Qt::AlignVCenter,
                          painter->fontMetrics().elidedText(marker + title_, Qt::ElideRight, int(header.width())));
        if (!expanded_) {
            font.setBold(false);
            painter->setFont(font);
            painter->setPen(colours.groupDetail);
            painter->drawText(QRectF(8, BoxMetrics::header - 2, rect_.width() - 16, 16), Qt::AlignLeft, count_);
            // Dots for what is highlighted inside the collapsed group.
            double x = rect_.width() - 12;
            for (int h = kHighlightGroupCount - 1; h >= 0; --h) {
                if (!(inside_ & (1u << h)) || !owner_->highlightEnabled(HighlightGroup(h))) continue;
                painter->setPen(Qt::NoPen);
                painter->setBrush(highlightColor(HighlightGroup(h)));
                painter->drawEllipse(QPointF(x, BoxMetrics::header + 6), 5, 5);
                x -= 13;
            }
        }
    }

protected:
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override {
        owner_->expandGroup(group_, !owner_->isExpanded(group_));  // the view's state: this box may be stale
        event->accept();
    }

private:
    int group_;
    GroupKind kind_;
    bool expanded_;
    unsigned inside_, own_;
    QString title_, count_;
    int depth_;
};

// Edge labels draw only when zoomed in enough to read them.
class EdgeLabelItem : public QGraphicsSimpleTextItem {
public:
    using QGraphicsSimpleTextItem::QGraphicsSimpleTextItem;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override {
        if (option->levelOfDetailFromTransform(painter->worldTransform()) < 0.8) return;
        QGraphicsSimpleTextItem::paint(painter, option, widget);
    }
};

class GraphScene : public QGraphicsScene {
public:
    explicit GraphScene(GraphWidget* owner) : QGraphicsScene(owner), owner_(owner) {}

    void build(const SceneLayout& layout) {
        clear();
        items_.clear();
        const GraphStructure& structure = *owner_->structure_;
        const Graph& graph = structure.graph();
        std::vector<unsigned> nodeMask(graph.nodes.size(), 0);
        std::vector<unsigned> groupMask(structure.groups().size(), 0);
        for (int h = 0; h < kHighlightGroupCount; ++h) {
            for (const int node : owner_->highlights_[h]) {
                if (node < 0 || node >= int(graph.nodes.size())) continue;
                nodeMask[node] |= 1u << h;
                for (int g = structure.groupOf(node); g >= 0; g = structure.groups()[g].parent) groupMask[g] |= 1u << h;
            }
        }
        for (const PlacedUnit& unit : layout.units) {
            QGraphicsItem* item = nullptr;
            if (isGroupUnit(unit.unit)) {
                const Group& group = structure.groups()[groupOfUnit(unit.unit)];
                const unsigned own = group.kind == GroupKind::ControlFlow ? nodeMask[group.node] : 0;
                item = new GroupItem(owner_, group, unit.box, unit.expanded, groupMask[group.id], own);
            } else {
                const Node& node = graph.nodes[unit.unit];
                item = new OpItem(owner_, unit.unit, unit.box, nodeMask[unit.unit], opLabel(node), opDetail(graph, node));
            }
            addItem(item);
            items_.insert(unit.unit, item);
        }
        // Edges batched: one path (and one arrowhead path) per group and band of the graph's height,
        // so that a frame strokes the bands on screen, not every edge of a group that spans a
        // fully expanded 20,000-node graph.
        constexpr double kBandHeight = 2000;
        QHash<QPair<int, int>, QPainterPath> lines, heads;
        const bool labels = layout.edges.size() <= 1500;
        for (const PlacedEdge& edge : layout.edges) {
            if (edge.points.size() < 2) continue;
            const QPair<int, int> batch(edge.group, int(std::floor(edge.points.front().y / kBandHeight)));
            QPainterPath& path = lines[batch];
            path.moveTo(edge.points.front().x, edge.points.front().y);
            if (edge.spline && (edge.points.size() - 1) % 3 == 0) {
                for (size_t i = 1; i + 2 < edge.points.size(); i += 3)
                    path.cubicTo(edge.points[i].x, edge.points[i].y, edge.points[i + 1].x, edge.points[i + 1].y,
                                 edge.points[i + 2].x, edge.points[i + 2].y);
            } else {
                for (size_t i = 1; i < edge.points.size(); ++i) path.lineTo(edge.points[i].x, edge.points[i].y);
            }
            const QPointF tip(edge.points.back().x, edge.points.back().y);
            const QPointF before(edge.points[edge.points.size() - 2].x, edge.points[edge.points.size() - 2].y);
            QLineF direction(tip, before);
            if (direction.length() < 0.01) direction = QLineF(tip, tip - QPointF(0, 1));
            direction.setLength(7);
            QLineF left = direction, right = direction;
            left.setAngle(direction.angle() + 25);
            right.setAngle(direction.angle() - 25);
            QPainterPath& head = heads[batch];
            head.moveTo(tip);
            head.lineTo(left.p2());
            head.lineTo(right.p2());
            head.closeSubpath();
            if (labels && edge.value >= 0) {
                const QString text = shapeText(graph.values[edge.value]);
                if (!text.isEmpty()) {
                    auto* label = new EdgeLabelItem(text);
                    QFont font = label->font();
                    font.setPointSizeF(font.pointSizeF() * 0.8);
                    label->setFont(font);
                    label->setBrush(owner_->colours_.edgeLabel);
                    const auto& middle = edge.points[edge.points.size() / 2];
                    label->setPos(middle.x + 4, middle.y - 8);
                    label->setZValue(5);
                    addItem(label);
                }
            }
        }
        for (auto it = lines.begin(); it != lines.end(); ++it) {
            auto* path = addPath(it.value(), QPen(owner_->colours_.edge, 1.2));
            path->setZValue(1);
            auto* head = addPath(heads.value(it.key()), Qt::NoPen, owner_->colours_.edge);
            head->setZValue(1);
        }
        setSceneRect(itemsBoundingRect().adjusted(-40, -40, 40, 40));
    }

    QGraphicsItem* itemFor(Unit unit) const { return items_.value(unit); }

    // Edges and their labels carry their colours; boxes read them when they paint.
    void recolour(const GraphColours& colours) {
        for (QGraphicsItem* item : items()) {
            if (auto* label = dynamic_cast<EdgeLabelItem*>(item)) {
                label->setBrush(colours.edgeLabel);
            } else if (auto* path = dynamic_cast<QGraphicsPathItem*>(item)) {
                if (path->pen().style() != Qt::NoPen) path->setPen(QPen(colours.edge, path->pen().widthF()));
                else path->setBrush(colours.edge);
            }
        }
        update();
    }

private:
    GraphWidget* owner_;
    QHash<Unit, QGraphicsItem*> items_;
};

// ---------------------------------------------------------------------------------------------
// View

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent) {
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
    // Files dropped on the graph go to the window, which opens them.
    setAcceptDrops(false);
    viewport()->setAcceptDrops(false);
}

void GraphView::zoomBy(double factor) {
    const double current = transform().m11();
    const double target = std::clamp(current * factor, 0.02, 8.0);
    scale(target / current, target / current);
    Q_EMIT zoomChanged(target);
}

void GraphView::wheelEvent(QWheelEvent* event) {
    zoomBy(std::pow(1.0015, event->angleDelta().y()));
    event->accept();
}

void GraphView::contextMenuEvent(QContextMenuEvent* event) {
    Q_EMIT contextMenuAt(event->pos(), event->globalPos());
    event->accept();
}

// ---------------------------------------------------------------------------------------------
// Widget

GraphWidget::GraphWidget(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    view_ = new GraphView(this);
    scene_ = new GraphScene(this);
    view_->setScene(scene_);
    layout->addWidget(view_);
    applyPalette();
    connect(view_, &GraphView::contextMenuAt, this, &GraphWidget::showContextMenu);
    connect(scene_, &QGraphicsScene::selectionChanged, this, &GraphWidget::announceSelection);
}

void GraphWidget::announceSelection() {
    const auto selected = scene_->selectedItems();
    if (selected.size() != 1) return;
    const Unit unit = static_cast<UnitItem*>(selected.front())->unit();
    if (isGroupUnit(unit)) {
        Q_EMIT groupSelected(groupOfUnit(unit));
    } else {
        selectedNode_ = unit;
        Q_EMIT nodeSelected(unit);
    }
}

GraphWidget::~GraphWidget() {
    if (cancelLayout_) *cancelLayout_ = true;
    watcher_.waitForFinished();
}

const Method* GraphWidget::method() const {
    if (!report_ || method_ >= int(report_->methods.size())) return nullptr;
    return &report_->methods[method_];
}

void GraphWidget::clear() { reset(false); }

void GraphWidget::applyPalette() {
    colours_ = graphColours(palette());
    view_->setBackgroundBrush(colours_.background);
    scene_->recolour(colours_);
}

void GraphWidget::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) applyPalette();  // the system switched light/dark
    QWidget::changeEvent(event);
}

void GraphWidget::reset(bool keepScene) {
    if (cancelLayout_) *cancelLayout_ = true;
    ++generation_;
    layoutRunning_ = false;
    if (!keepScene) scene_->clear();
    structure_.reset();
    layouter_.reset();
    report_.reset();
    expanded_.clear();
    selectedNode_ = -1;
    if (!keepScene) forgetTargets();
}

void GraphWidget::forgetTargets() {
    // Node and group ids of another report point at unrelated boxes in this one.
    pendingReveal_ = -1;
    pendingRevealGroup_ = -1;
    searchCursor_ = -1;
    lastSearch_.clear();
    restorePending_.reset();
}

GraphWidget::ViewState GraphWidget::viewState() const {
    return {method_, expanded_, selectedNode_, view_->transform(),
            view_->mapToScene(view_->viewport()->rect().center()), tints_};
}

void GraphWidget::restore(std::shared_ptr<const Report> report, const ViewState& state) {
    tints_ = state.tints;
    if (state.expanded.empty()) {  // it was never laid out: show it as new
        setReport(std::move(report), state.method);
        return;
    }
    setReport(std::move(report), state.method, state.expanded);
    forgetTargets();
    selectedNode_ = state.selectedNode;
    restorePending_ = state;
}

void GraphWidget::updateReport(std::shared_ptr<const Report> report) {
    const Method* before = method();
    const bool same = before && method_ < int(report->methods.size()) &&
                      report->methods[method_].graph.nodes.size() == before->graph.nodes.size();
    // Until the first layout lands nothing is expanded yet: keeping that would show a closed root.
    if (!same || !structure_) {
        setReport(std::move(report));
        return;
    }
    const std::set<int> expanded = expanded_;
    const int selected = selectedNode_;
    setReport(std::move(report), method_, expanded);
    selectedNode_ = selected;  // the view keeps its zoom and position: the scene is rebuilt in place
}

void GraphWidget::adoptDetails(std::shared_ptr<const Report> report) {
    const Method* before = method();
    if (!before || method_ >= int(report->methods.size()) ||
        report->methods[method_].graph.nodes.size() != before->graph.nodes.size()) {
        updateReport(std::move(report));
        return;
    }
    report_ = std::move(report);  // a running layout's structure keeps the graph it reads alive
    if (!structure_) return;      // highlights come with the layout
    // Traced code is known from the source locations; boxes take their colours when built.
    const QSet<int> traced = highlights_[int(HighlightGroup::Traced)];
    computeHighlights();
    if (highlights_[int(HighlightGroup::Traced)] != traced) relayout();
    announceSelection();
}

namespace {

// Box sizes and the structure of a method graph: built off the UI thread (tens of thousands of
// nodes on big models). Fonts are passed in as copies.
struct Preparation {
    std::shared_ptr<const GraphStructure> structure;
    std::shared_ptr<SceneLayouter> layouter;
};

Preparation prepare(std::shared_ptr<const Report> report, const Method& shown, const QFont& plainFont) {
    Preparation prepared;
    // The structure reads the graph in place: it keeps the report holding it alive, as the widget
    // may take another report of the same graph meanwhile (adoptDetails).
    std::shared_ptr<GraphStructure> structure(new GraphStructure(shown.graph, report->modules),
                                              [report](GraphStructure* built) { delete built; });
    QFont boldFont = plainFont;
    boldFont.setBold(true);
    const QFontMetricsF bold(boldFont), plain(plainFont);
    // Big graphs repeat a few op kinds and shapes thousands of times; shaping text is the cost.
    QHash<QString, double> boldWidths, plainWidths;
    auto advance = [](QHash<QString, double>& known, const QFontMetricsF& metrics, const QString& text) {
        auto found = known.constFind(text);
        if (found == known.constEnd()) found = known.insert(text, metrics.horizontalAdvance(text));
        return *found;
    };
    std::vector<layout::Size> opSizes(shown.graph.nodes.size());
    for (const Node& node : shown.graph.nodes) {
        if (structure->hidden(node.id)) continue;
        const QString detail = opDetail(shown.graph, node);
        const double width = std::max(advance(boldWidths, bold, opLabel(node)), advance(plainWidths, plain, detail));
        opSizes[node.id] = {std::max(72.0, width + 20), detail.isEmpty() ? 30.0 : 42.0};
    }
    std::vector<double> collapsedWidths;
    for (const Group& group : structure->groups())
        collapsedWidths.push_back(std::clamp(bold.horizontalAdvance(QString::fromStdString(group.title)) + 40, 110.0, 340.0));
    prepared.layouter = std::make_shared<SceneLayouter>(structure, std::move(opSizes), std::move(collapsedWidths));
    prepared.structure = std::move(structure);
    return prepared;
}

// Breadth-first, while the first view stays readable.
std::set<int> initialExpansion(const GraphStructure& structure) {
    constexpr int kReadableUnits = 40;
    const auto& groups = structure.groups();
    std::set<int> expanded{0};
    int visible = int(groups[0].groups.size() + groups[0].ops.size());
    std::deque<int> queue(groups[0].groups.begin(), groups[0].groups.end());
    while (!queue.empty()) {
        const int group = queue.front();
        queue.pop_front();
        const int more = int(groups[group].groups.size() + groups[group].ops.size()) - 1;
        if (visible + more > kReadableUnits) continue;
        expanded.insert(group);
        visible += more;
        queue.insert(queue.end(), groups[group].groups.begin(), groups[group].groups.end());
    }
    return expanded;
}

}  // namespace

void GraphWidget::setReport(std::shared_ptr<const Report> report, int method) {
    setReport(std::move(report), method, std::nullopt);
}

void GraphWidget::setReport(std::shared_ptr<const Report> report, int method, std::optional<std::set<int>> keepExpanded) {
    reset(keepExpanded.has_value());  // an update keeps showing the old scene until the new one lands
    report_ = std::move(report);
    method_ = method;
    const Method* shown = this->method();
    if (!shown || shown->graph.nodes.empty()) {
        Q_EMIT statusMessage(tr("This model has no graph to draw (Lite bytecode only)."));
        return;
    }
    fitPending_ = !keepExpanded;
    startLayout([report = report_, shown, font = QFont(), keepExpanded](const layout::CancelCheck& cancelled) {
        Preparation prepared = prepare(report, *shown, font);
        LaidOut result;
        result.structure = prepared.structure;
        result.layouter = prepared.layouter;
        result.expanded = keepExpanded ? *keepExpanded : initialExpansion(*prepared.structure);
        result.layout = prepared.layouter->layout(result.expanded, cancelled);
        return result;
    });
}

void GraphWidget::computeHighlights() {
    for (auto& set : highlights_) set.clear();
    const Method* shown = method();
    for (const Finding& finding : report_->findings) {
        if (finding.method != shown->name) continue;
        const FindingCategory* category = findFindingCategory(finding.category);
        if (!category || category->highlight == HighlightGroup::None) continue;
        // Library code reached from the model stays visible in the findings list, not in red.
        if (finding.severity == Severity::Info) continue;
        for (const int node : finding.nodes) highlights_[int(category->highlight)].insert(node);
    }
    for (const Node& node : shown->graph.nodes) {
        if (node.kind.rfind("quantized::", 0) == 0 || node.kind == "aten::quantize_per_tensor" ||
            node.kind == "aten::dequantize")
            highlights_[int(HighlightGroup::Quantized)].insert(node.id);
        // A traced submodule inside scripted code: everything the tracer recorded.
        if (shown->origin != "traced" && node.source.traced) highlights_[int(HighlightGroup::Traced)].insert(node.id);
    }
}

void GraphWidget::expandGroup(int group, bool expand) {
    if (!structure_ || group < 0 || group >= int(structure_->groups().size())) return;
    if (expand) {
        for (const int ancestor : structure_->ancestry(group)) expanded_.insert(ancestor);
    } else if (group != 0) {
        expanded_.erase(group);
    }
    relayout();
}

void GraphWidget::expandAll() {
    if (!structure_) return;
    for (const Group& group : structure_->groups()) expanded_.insert(group.id);
    relayout();
}

void GraphWidget::collapseAll() {
    if (!structure_) return;
    expanded_ = {0};
    relayout();
}

void GraphWidget::expandAncestorsOf(int node) {
    const int group = structure_->groupOf(node);
    const auto chain = structure_->ancestry(group);
    const bool flowNode = structure_->groups()[group].node == node &&
                          structure_->groups()[group].kind == GroupKind::ControlFlow;
    for (const int ancestor : chain)
        if (!(flowNode && ancestor == group)) expanded_.insert(ancestor);
}

void GraphWidget::revealNode(int node) {
    if (!structure_) {
        if (layoutRunning_) pendingReveal_ = node;  // the graph is still being prepared
        return;
    }
    if (node < 0 || node >= int(structure_->graph().nodes.size())) return;
    const size_t before = expanded_.size();
    expandAncestorsOf(node);
    pendingReveal_ = node;
    if (expanded_.size() != before || layoutPending()) {
        relayout();
    } else {
        select(node, true);
    }
}

void GraphWidget::revealGroup(int group) {
    if (!structure_) return;
    const int parent = structure_->groups()[group].parent;
    pendingRevealGroup_ = group;
    if (parent >= 0 && !expanded_.count(parent)) {
        expandGroup(parent, true);
    } else if (layoutPending()) {
        // delivered when the layout lands
    } else if (QGraphicsItem* item = scene_->itemFor(groupUnit(group))) {
        pendingRevealGroup_ = -1;
        scene_->clearSelection();
        item->setSelected(true);
        centreReadable(item);
    }
}

void GraphWidget::centreReadable(QGraphicsItem* item) {
    // After Fit to Window on a big graph a centred box can be a speck: zoom in until it reads.
    if (view_->transform().m11() < kRevealScale) {
        view_->setTransform(QTransform::fromScale(kRevealScale, kRevealScale));
        Q_EMIT view_->zoomChanged(kRevealScale);
    }
    view_->centerOn(item);
}

void GraphWidget::select(int node, bool reveal) {
    // A hidden node (constant, attribute read) or a control-flow node shows as its box.
    Unit unit = node;
    const int group = structure_->groupOf(node);
    if (structure_->groups()[group].kind == GroupKind::ControlFlow && structure_->groups()[group].node == node)
        unit = groupUnit(group);
    QGraphicsItem* item = scene_->itemFor(unit);
    for (int g = group; !item && g >= 0; g = structure_->groups()[g].parent) item = scene_->itemFor(groupUnit(g));
    if (!item) return;
    scene_->blockSignals(true);
    scene_->clearSelection();
    item->setSelected(true);
    scene_->blockSignals(false);
    selectedNode_ = node;
    if (reveal) centreReadable(item);
    else view_->centerOn(item);
    Q_EMIT nodeSelected(node);
}

bool GraphWidget::findNext(const QString& text) {
    if (!structure_ || text.isEmpty()) return false;
    if (text != lastSearch_) searchCursor_ = -1;
    lastSearch_ = text;
    const Graph& graph = structure_->graph();
    const int count = int(graph.nodes.size());
    for (int step = 1; step <= count; ++step) {
        const Node& node = graph.nodes[(searchCursor_ + step + count) % count];
        if (structure_->hidden(node.id)) continue;
        bool match = QString::fromStdString(node.kind).contains(text, Qt::CaseInsensitive) ||
                     QString::fromStdString(node.scope).contains(text, Qt::CaseInsensitive);
        for (const int output : node.outputs)
            match = match || QString::fromStdString(graph.values[output].name).contains(text, Qt::CaseInsensitive);
        if (!match) continue;
        searchCursor_ = node.id;
        revealNode(node.id);
        return true;
    }
    return false;
}

void GraphWidget::setHighlightEnabled(HighlightGroup group, bool enabled) {
    highlightEnabled_[size_t(group)] = enabled;
    scene_->update();
}

void GraphWidget::relayout() {
    if (!layouter_) return;
    startLayout([structure = structure_, layouter = layouter_, expanded = expanded_](const layout::CancelCheck& cancelled) {
        return LaidOut{structure, layouter, expanded, layouter->layout(expanded, cancelled)};
    });
}

void GraphWidget::startLayout(std::function<LaidOut(const layout::CancelCheck&)> work) {
    if (cancelLayout_) *cancelLayout_ = true;  // a newer request supersedes the running one
    cancelLayout_ = std::make_shared<std::atomic<bool>>(false);
    const quint64 generation = ++generation_;
    layoutStartedAt_ = QDateTime::currentMSecsSinceEpoch();
    layoutRunning_ = true;
    Q_EMIT layoutStarted();
    Q_EMIT statusMessage(tr("Laying out the graph..."));
    auto cancel = cancelLayout_;
    auto future = QtConcurrent::run([work = std::move(work), cancel] {
        try {
            return work([cancel] { return cancel->load(); });
        } catch (const Cancelled&) {
            return LaidOut{};
        }
    });
    disconnect(&watcher_, nullptr, this, nullptr);
    connect(&watcher_, &QFutureWatcher<LaidOut>::finished, this, [this, generation] { layoutDone(generation); });
    watcher_.setFuture(future);
}

void GraphWidget::layoutDone(quint64 generation) {
    if (generation != generation_ || !report_) return;  // superseded
    layoutRunning_ = false;
    LaidOut result = watcher_.result();
    if (!result.structure || result.layout.units.empty()) return;
    const bool fresh = structure_ != result.structure;
    structure_ = result.structure;
    layouter_ = result.layouter;
    expanded_ = result.expanded;
    if (fresh) computeHighlights();
    const SceneLayout& layout = result.layout;
    scene_->build(layout);
    if (fitPending_) {
        fitPending_ = false;
        showStart();
    }
    lastStats_ = {layout.groupsLaidOut, layout.nodesLaidOut, int(layout.units.size()),
                  double(QDateTime::currentMSecsSinceEpoch() - layoutStartedAt_)};
    Q_EMIT statusMessage(tr("%1 boxes shown; layout %2 ms").arg(layout.units.size()).arg(lastStats_.milliseconds));
    if (pendingReveal_ >= 0) {
        const int node = pendingReveal_;
        pendingReveal_ = -1;
        revealNode(node);
    } else if (pendingRevealGroup_ >= 0) {
        const int group = pendingRevealGroup_;
        revealGroup(group);
    } else if (selectedNode_ >= 0) {
        select(selectedNode_, false);
    }
    if (restorePending_) {
        view_->setTransform(restorePending_->transform);
        view_->centerOn(restorePending_->centre);
        Q_EMIT view_->zoomChanged(restorePending_->transform.m11());
        restorePending_.reset();
    }
    Q_EMIT layoutFinished();
}

void GraphWidget::showStart() {
    // Small graphs fit the window; tall ones start readable, at their top, rather than tiny.
    const QRectF area = scene_->sceneRect();
    const QSize viewport = view_->viewport()->size();
    if (area.isEmpty() || viewport.isEmpty()) return;
    const double fit = std::min(viewport.width() / area.width(), viewport.height() / area.height());
    const double scale = fit >= 0.7 ? std::min(fit, 1.0) : std::clamp(viewport.width() / area.width(), 0.7, 1.0);
    view_->setTransform(QTransform::fromScale(scale, scale));
    const double halfWidth = viewport.width() / (2 * scale);
    const double x = area.width() * scale > viewport.width() ? area.left() + halfWidth : area.center().x();
    view_->centerOn(x, area.top() + viewport.height() / (2 * scale));
    Q_EMIT view_->zoomChanged(scale);
}

void GraphWidget::fitToView() {
    if (scene_->items().isEmpty()) return;
    const QRectF area = scene_->sceneRect();
    view_->fitInView(area, Qt::KeepAspectRatio);
    // A graph hundreds of times taller than the window would fit as a strip under a pixel wide:
    // the fit stops where its boxes still show, from the top.
    if (view_->transform().m11() < kOverviewScale) {
        view_->setTransform(QTransform::fromScale(kOverviewScale, kOverviewScale));
        const QSizeF shown = QSizeF(view_->viewport()->size()) / kOverviewScale;
        view_->centerOn(area.width() > shown.width() ? area.left() + shown.width() / 2 : area.center().x(),
                        area.height() > shown.height() ? area.top() + shown.height() / 2 : area.center().y());
        Q_EMIT statusMessage(tr("Too large to fit: shown as small as its boxes stay visible, from the top"));
    }
    Q_EMIT view_->zoomChanged(view_->transform().m11());
}

void GraphWidget::zoomToSelection() {
    const auto selected = scene_->selectedItems();
    if (selected.isEmpty()) return;
    QRectF area;
    for (const QGraphicsItem* item : selected) area |= item->sceneBoundingRect();
    view_->fitInView(area.adjusted(-120, -120, 120, 120), Qt::KeepAspectRatio);
}

bool GraphWidget::exportImage(const QString& path, QString* error) {
    const QRectF area = scene_->sceneRect();
    if (area.isEmpty()) {
        if (error) *error = tr("There is no graph to export.");
        return false;
    }
    if (QFileInfo(path).suffix().compare(QLatin1String("svg"), Qt::CaseInsensitive) == 0) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(area.size().toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), area.size()));
        svg.setTitle(QStringLiteral("PTL Studio graph"));
        QPainter painter;
        if (!painter.begin(&svg)) {
            if (error) *error = tr("Cannot write %1.").arg(path);
            return false;
        }
        scene_->render(&painter, QRectF(QPointF(0, 0), area.size()), area);
        painter.end();
        return QFileInfo(path).size() > 0;
    }
    // PNG: at most 8000 pixels on the long side, so huge graphs stay writable.
    const double scale = std::min(2.0, 8000.0 / std::max(area.width(), area.height()));
    QImage image((area.size() * scale).toSize(), QImage::Format_ARGB32);
    image.fill(colours_.background);
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    scene_->render(&painter, QRectF(QPointF(0, 0), area.size() * scale), area);
    painter.end();
    if (!image.save(path)) {
        if (error) *error = tr("Cannot write %1.").arg(path);
        return false;
    }
    return true;
}

void GraphWidget::showContextMenu(const QPoint& viewPosition, const QPoint& globalPosition) {
    if (!contextMenu_ || !structure_) return;
    for (QGraphicsItem* item : view_->items(viewPosition)) {
        const auto* unitItem = dynamic_cast<const UnitItem*>(item);
        if (!unitItem) continue;
        const Unit unit = unitItem->unit();
        QString path;
        int node = -1;
        if (isGroupUnit(unit)) {
            const Group& group = structure_->groups()[groupOfUnit(unit)];
            if (group.kind != GroupKind::Module) continue;  // a block's module is its enclosing group's
            path = QString::fromStdString(group.path);
        } else {
            node = int(unit);
            path = QString::fromStdString(structure_->graph().nodes[unit].scope);
        }
        QMenu menu(this);
        contextMenu_(menu, path, node);
        if (!menu.isEmpty()) menu.exec(globalPosition);
        return;
    }
}

void GraphWidget::setNodeTints(QHash<int, QColor> tints) {
    tints_ = std::move(tints);
    scene_->update();
}

}  // namespace ptl::ui
