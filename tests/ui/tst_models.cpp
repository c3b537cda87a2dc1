// The GUI's pieces alone, on hand-built reports (no worker process, no LibTorch): every item
// model under QAbstractItemModelTester while reports are set, replaced and cleared, the findings
// filter (severity, category family, text) and sort roles, the graph structure cut into module and If/Loop boxes, the scene layout
// of what is expanded, and the graph widget collapsing and expanding those boxes.
#include "graph/graph_structure.h"
#include "graph/graph_widget.h"
#include "graph/scene_layout.h"
#include "models/report_models.h"
#include "ptl/finding_categories.h"

#include <QAbstractItemModelTester>
#include <QGraphicsItem>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

using namespace ptl;
using namespace ptl::ui;

namespace {

// ------------------------------------------------------------------------------ hand-built data

Finding makeFinding(const char* id, Severity severity, const char* category, const char* message, const char* file,
                    int line) {
    Finding finding;
    finding.id = id;
    finding.severity = severity;
    finding.category = category;
    finding.message = message;
    finding.advice = std::string("Advice for ") + id;
    finding.method = "forward";
    finding.source.file = file;
    finding.source.line = line;
    return finding;
}

// Five findings covering every severity, three category families, a finding without a source
// location and line numbers that sort wrongly as text (3 < 7 < 42).
std::shared_ptr<const Report> findingsReport() {
    auto report = std::make_shared<Report>();
    report->findings = {
        makeFinding("F1", Severity::Error, "control-flow.shape-dependent", "Branch on input shape", "/home/u/model.py", 42),
        makeFinding("F2", Severity::Warning, "control-flow.value-dependent", "Branch on tensor value", "model.py", 7),
        makeFinding("F3", Severity::Info, "lite.full-jit-only-op", "Operator aten::foo is missing from the Lite runtime", "",
                    0),
        makeFinding("F4", Severity::Warning, "quant.x86-settings", "Observers tuned for x86, not qnnpack",
                    "/x/quant/layers.py", 120),
        makeFinding("F5", Severity::Info, "control-flow.static", "Branch on self.training", "/home/u/model.py", 3),
    };
    return report;
}

std::shared_ptr<const Report> otherFindingsReport() {
    auto report = std::make_shared<Report>();
    report->findings = {
        // A category this build's registry does not know, as in a report from another version.
        makeFinding("G1", Severity::Info, "trace.python-value", "Traced with a Python value", "net.py", 12),
        makeFinding("G2", Severity::Error, "lite.roundtrip", "Export to Lite failed", "net.py", 30),
    };
    return report;
}

ModuleInfo makeModule(const char* path, const char* type, int64_t totalParameters, int64_t totalBytes) {
    ModuleInfo module;
    module.path = path;
    module.type = type;
    module.totalParameters = totalParameters;
    module.totalBytes = totalBytes;
    return module;
}

// A small CNN's module tree, pre-order as the inspector writes it.
std::shared_ptr<const Report> modulesReport() {
    auto report = std::make_shared<Report>();
    report->modules = {
        makeModule("", "__torch__.Net", 74472, 297888),
        makeModule("features", "__torch__.torch.nn.modules.container.Sequential", 9472, 37888),
        makeModule("features.0", "__torch__.torch.nn.modules.conv.Conv2d", 9472, 37888),
        makeModule("features.1", "__torch__.torch.nn.modules.activation.ReLU", 0, 0),
        makeModule("classifier", "__torch__.torch.nn.modules.linear.Linear", 65000, 260000),
    };
    return report;
}

// "encoder.layers" is missing, so "encoder.layers.0" has no parent module in the report.
std::shared_ptr<const Report> orphanModulesReport() {
    auto report = std::make_shared<Report>();
    report->modules = {
        makeModule("", "__torch__.Seq2Seq", 10, 40),
        makeModule("encoder", "__torch__.Encoder", 4, 16),
        makeModule("encoder.layers.0", "__torch__.Layer", 6, 24),
    };
    return report;
}

TensorInfo makeTensor(const char* name, const char* kind, std::vector<int64_t> shape, const char* dtype, int64_t bytes) {
    TensorInfo tensor;
    tensor.name = name;
    tensor.kind = kind;
    tensor.shape = std::move(shape);
    tensor.dtype = dtype;
    tensor.bytes = bytes;
    return tensor;
}

TensorStats makeStats(double min, double max, double mean, double std, double zeroFraction) {
    TensorStats stats;
    stats.known = true;
    stats.min = min;
    stats.max = max;
    stats.mean = mean;
    stats.std = std;
    stats.zeroFraction = zeroFraction;
    return stats;
}

// Sizes chosen so that sorting by the displayed text ("1.7 KiB" < "160 B" < "64 B" < "8 B")
// differs from sorting by bytes.
std::shared_ptr<const Report> tensorsReport() {
    auto report = std::make_shared<Report>();
    report->tensors = {
        makeTensor("features.0.weight", "parameter", {16, 3, 3, 3}, "float32", 1728),
        makeTensor("features.0.bias", "parameter", {16}, "float32", 64),
        makeTensor("bn.num_batches_tracked", "buffer", {}, "int64", 8),
        makeTensor("classifier._packed_params", "packed", {10, 16}, "qint8", 160),
    };
    report->tensors[0].stats = makeStats(-0.5, 0.625, 0.0123456, 0.2, 0.125);
    report->tensors[1].stats = makeStats(0, 0.1, 0.05, 0.03, 0);
    report->tensors[3].stats = makeStats(-1.5, 2, 0.25, 1, 0.5);
    return report;
}

// Node and group ids of the hand-built method graph below. Group ids are what GraphStructure
// assigns (in the order it meets them); graphStructureCutsModulesAndBlocks checks that.
enum GraphNode { kConstant, kStrideList, kConv, kRelu, kIf, kThenNeg, kElseAbs, kAdd, kNodeCount };
enum GraphGroup { kRootGroup, kGroupA, kGroupAB, kGroupC, kGroupIf, kGroupThen, kGroupElse, kGroupCount };

int addValue(Graph& graph, const std::string& name, int producer) {
    Value value;
    value.id = int(graph.values.size());
    value.name = name;
    value.type = "Tensor";
    value.producer = producer;
    graph.values.push_back(value);
    return value.id;
}

// Appends a node with one output value; returns that value's id.
int addNode(Graph& graph, const std::string& kind, const std::string& scope, std::vector<int> inputs,
            const std::string& output) {
    Node node;
    node.id = int(graph.nodes.size());
    node.kind = kind;
    node.scope = scope;
    node.inputs = std::move(inputs);
    graph.nodes.push_back(node);
    const int value = addValue(graph, output, node.id);
    graph.nodes.back().outputs = {value};
    return value;
}

// forward of a model with modules "a", "a.b" and "c": a conv (its stride list built from a
// constant, both hidden), a relu in a.b, an If in c with one op per block, and an add at the top.
std::shared_ptr<const Report> graphReport() {
    auto report = std::make_shared<Report>();
    report->modules = {
        makeModule("", "__torch__.Net", 0, 0),
        makeModule("a", "__torch__.A", 0, 0),
        makeModule("a.b", "__torch__.torch.nn.modules.activation.ReLU", 0, 0),
        makeModule("c", "__torch__.C", 0, 0),
    };
    Method method;
    method.name = "forward";
    method.origin = "scripted";
    Graph& graph = method.graph;
    const int self = addValue(graph, "self", -1);
    const int x = addValue(graph, "x.1", -1);
    graph.inputs = {self, x};
    const int four = addNode(graph, "prim::Constant", "a", {}, "4");
    const int stride = addNode(graph, "prim::ListConstruct", "a", {four, four}, "stride");
    const int conv = addNode(graph, "aten::conv2d", "a", {x, stride}, "input.1");
    const int relu = addNode(graph, "aten::relu", "a.b", {conv}, "x.3");
    const int branch = addNode(graph, "prim::If", "c", {relu}, "out.1");
    const int negated = addNode(graph, "aten::neg", "c", {relu}, "t.1");
    const int absolute = addNode(graph, "aten::abs", "c", {relu}, "t.2");
    const int sum = addNode(graph, "aten::add", "", {branch, relu}, "out");
    graph.outputs = {sum};

    Node& ifNode = graph.nodes[kIf];
    ifNode.source.text = "if x.sum() > 0:";
    ifNode.blocks = {Block{{}, {negated}, {kThenNeg}}, Block{{}, {absolute}, {kElseAbs}}};
    for (const int nested : {kThenNeg, kElseAbs}) {
        graph.nodes[nested].parent = kIf;
        graph.nodes[nested].parentBlock = nested == kThenNeg ? 0 : 1;
    }
    graph.topNodes = {kConstant, kStrideList, kConv, kRelu, kIf, kAdd};
    report->methods.push_back(std::move(method));
    return report;
}

// forward as a chain of `count` relus at the top module: a graph far taller than any window.
std::shared_ptr<const Report> chainReport(int count) {
    auto report = std::make_shared<Report>();
    report->modules = {makeModule("", "__torch__.Deep", 0, 0)};
    Method method;
    method.name = "forward";
    method.origin = "scripted";
    Graph& graph = method.graph;
    graph.inputs = {addValue(graph, "self", -1), addValue(graph, "x.1", -1)};
    int value = graph.inputs.back();
    for (int i = 0; i < count; ++i) {
        value = addNode(graph, "aten::relu", "", {value}, "x." + std::to_string(i + 2));
        graph.topNodes.push_back(i);
    }
    graph.outputs = {value};
    report->methods.push_back(std::move(method));
    return report;
}

// Op sizes differ per node and collapsed widths per group, so a wrong lookup shows.
std::vector<layout::Size> opSizesFor(const GraphStructure& structure) {
    std::vector<layout::Size> sizes(structure.graph().nodes.size());
    for (const Node& node : structure.graph().nodes)
        if (!structure.hidden(node.id)) sizes[node.id] = {80.0 + 10 * node.id, node.id % 2 ? 42.0 : 30.0};
    return sizes;
}

std::vector<double> collapsedWidthsFor(const GraphStructure& structure) {
    std::vector<double> widths;
    for (const Group& group : structure.groups()) widths.push_back(110.0 + 5 * group.id);
    return widths;
}

// --------------------------------------------------------------------------------- read helpers

QString cell(const QAbstractItemModel& model, int row, int column, const QModelIndex& parent = {},
            int role = Qt::DisplayRole) {
    return model.index(row, column, parent).data(role).toString();
}

// The finding ids a proxy shows, top to bottom.
QStringList findingIds(const QSortFilterProxyModel& proxy) {
    const auto* source = static_cast<const FindingsModel*>(proxy.sourceModel());
    QStringList ids;
    for (int row = 0; row < proxy.rowCount(); ++row)
        ids << QString::fromStdString(source->finding(proxy.mapToSource(proxy.index(row, 0)))->id);
    return ids;
}

QStringList column(const QAbstractItemModel& model, int columnIndex) {
    QStringList texts;
    for (int row = 0; row < model.rowCount(); ++row) texts << cell(model, row, columnIndex);
    return texts;
}

QString unitName(const GraphStructure& structure, Unit unit) {
    return QString::fromStdString(isGroupUnit(unit) ? structure.groups()[groupOfUnit(unit)].title
                                                    : structure.graph().nodes[unit].kind);
}

// Edges of one group as "from -> to [value]", readable in a failure message.
QStringList edgeNames(const GraphStructure& structure, int group) {
    QStringList names;
    for (const GraphStructure::Edge& edge : structure.edgesOf(group))
        names << QStringLiteral("%1 -> %2 [%3]")
                     .arg(unitName(structure, edge.from), unitName(structure, edge.to),
                          QString::fromStdString(structure.graph().values[edge.value].name));
    return names;
}

QList<int> sortedUnits(const SceneLayout& scene) {
    QList<int> units;
    for (const PlacedUnit& placed : scene.units) units << placed.unit;
    std::sort(units.begin(), units.end());
    return units;
}

const PlacedUnit* findUnit(const SceneLayout& scene, Unit unit) {
    for (const PlacedUnit& placed : scene.units)
        if (placed.unit == unit) return &placed;
    return nullptr;
}

QString describe(const Box& box) {
    return QStringLiteral("(%1, %2) %3 x %4").arg(box.x).arg(box.y).arg(box.width).arg(box.height);
}

// Everything a drawn scene must satisfy, whatever is expanded: the root first and at the
// origin, each unit once, sizes as measured, children inside their group's content area,
// siblings apart, and edges inside their group flowing down. Returns the first violation.
QString sceneViolation(const SceneLayout& scene, const GraphStructure& structure, const std::set<int>& expanded,
                       const std::vector<layout::Size>& opSizes, const std::vector<double>& collapsedWidths) {
    constexpr double kSlack = 0.5;  // layout engines round to fractions of a point
    if (scene.units.empty()) return QStringLiteral("no units");
    const PlacedUnit& root = scene.units.front();
    if (root.unit != groupUnit(kRootGroup) || root.group != -1 || root.box.x != 0 || root.box.y != 0)
        return QStringLiteral("the root is not first at the origin");
    if (scene.bounds.width != root.box.width || scene.bounds.height != root.box.height)
        return QStringLiteral("bounds differ from the root box");
    std::set<Unit> seen;
    for (const PlacedUnit& placed : scene.units) {
        const QString name = unitName(structure, placed.unit);
        if (!seen.insert(placed.unit).second) return name + QStringLiteral(" placed twice");
        if (!std::isfinite(placed.box.x) || !std::isfinite(placed.box.y) || placed.box.width <= 0 || placed.box.height <= 0)
            return name + QStringLiteral(" has a bad box ") + describe(placed.box);
        if (isGroupUnit(placed.unit)) {
            const int group = groupOfUnit(placed.unit);
            if (placed.expanded != (expanded.count(group) > 0)) return name + QStringLiteral(" has the wrong expanded flag");
            if (!placed.expanded && (placed.box.width != collapsedWidths[group] ||
                                     placed.box.height != BoxMetrics::collapsedHeight))
                return name + QStringLiteral(" collapsed but sized ") + describe(placed.box);
        } else if (placed.box.width != opSizes[placed.unit].width || placed.box.height != opSizes[placed.unit].height) {
            return name + QStringLiteral(" not sized as measured: ") + describe(placed.box);
        }
        if (placed.group < 0) continue;
        const PlacedUnit* parent = findUnit(scene, groupUnit(placed.group));
        if (!parent || !parent->expanded) return name + QStringLiteral(" lies in a group that is not shown expanded");
        const Box& outer = parent->box;
        const Box& inner = placed.box;
        if (inner.x < outer.x + BoxMetrics::padding - kSlack ||
            inner.y < outer.y + BoxMetrics::header + BoxMetrics::padding - kSlack ||
            inner.x + inner.width > outer.x + outer.width - BoxMetrics::padding + kSlack ||
            inner.y + inner.height > outer.y + outer.height - BoxMetrics::padding + kSlack)
            return name + QStringLiteral(" ") + describe(inner) + QStringLiteral(" sticks out of its group ") +
                   describe(outer);
    }
    for (size_t i = 0; i < scene.units.size(); ++i)
        for (size_t j = i + 1; j < scene.units.size(); ++j) {
            const PlacedUnit& a = scene.units[i];
            const PlacedUnit& b = scene.units[j];
            if (a.group != b.group) continue;
            const double overlapX = std::min(a.box.x + a.box.width, b.box.x + b.box.width) - std::max(a.box.x, b.box.x);
            const double overlapY = std::min(a.box.y + a.box.height, b.box.y + b.box.height) - std::max(a.box.y, b.box.y);
            if (overlapX > kSlack && overlapY > kSlack)
                return unitName(structure, a.unit) + QStringLiteral(" overlaps ") + unitName(structure, b.unit);
        }
    for (const PlacedEdge& edge : scene.edges) {
        const PlacedUnit* group = findUnit(scene, groupUnit(edge.group));
        const PlacedUnit* from = findUnit(scene, edge.from);
        const PlacedUnit* to = findUnit(scene, edge.to);
        if (!group || !group->expanded || !from || !to || from->group != edge.group || to->group != edge.group)
            return QStringLiteral("an edge joins units that are not shown side by side");
        if (from->box.y + from->box.height / 2 >= to->box.y + to->box.height / 2)
            return unitName(structure, edge.from) + QStringLiteral(" is not above ") + unitName(structure, edge.to);
        if (edge.points.size() < 2) return QStringLiteral("an edge has no route");
        for (const layout::Point& point : edge.points)
            if (point.x < group->box.x - kSlack || point.x > group->box.x + group->box.width + kSlack ||
                point.y < group->box.y - kSlack || point.y > group->box.y + group->box.height + kSlack)
                return QStringLiteral("an edge leaves its group ") + unitName(structure, groupUnit(edge.group));
    }
    return {};
}

std::set<int> toSet(const QList<int>& groups) { return std::set<int>(groups.begin(), groups.end()); }

// Runs `action` on the widget and waits for the background layout it starts to land.
template <typename Action>
bool laidOutAfter(GraphWidget& widget, Action action) {
    QSignalSpy finished(&widget, &GraphWidget::layoutFinished);
    action();
    return finished.wait(30000);
}

}  // namespace

class ModelsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        // Parameter counts use the locale's digit grouping; pin it so the texts are known.
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    // ------------------------------------------------------------------------------- findings

    void findingsModelShowsEachFinding() {
        FindingsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        model.setReport(findingsReport());
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.columnCount(), int(FindingsModel::ColumnCount));
        QCOMPARE(cell(model, 0, FindingsModel::SeverityColumn), QStringLiteral("error"));
        QCOMPARE(cell(model, 1, FindingsModel::SeverityColumn), QStringLiteral("warning"));
        QCOMPARE(cell(model, 2, FindingsModel::SeverityColumn), QStringLiteral("info"));
        QCOMPARE(cell(model, 0, FindingsModel::CategoryColumn), QStringLiteral("control-flow.shape-dependent"));
        QCOMPARE(cell(model, 3, FindingsModel::MessageColumn), QStringLiteral("Observers tuned for x86, not qnnpack"));
        // The location is the file name and line, without the directory.
        QCOMPARE(cell(model, 0, FindingsModel::LocationColumn), QStringLiteral("model.py:42"));
        QCOMPARE(cell(model, 3, FindingsModel::LocationColumn), QStringLiteral("layers.py:120"));
        QCOMPARE(cell(model, 2, FindingsModel::LocationColumn), QString());
        QCOMPARE(cell(model, 0, FindingsModel::MessageColumn, {}, Qt::ToolTipRole),
                 QStringLiteral("Branch on input shape\n\nAdvice for F1"));
        // The category's tooltip explains the category from the registry.
        const FindingCategory* shapeDependent = findFindingCategory("control-flow.shape-dependent");
        QVERIFY(shapeDependent);
        QCOMPARE(cell(model, 0, FindingsModel::CategoryColumn, {}, Qt::ToolTipRole),
                 QString::fromUtf8(shapeDependent->title) + QStringLiteral(": ") + QString::fromUtf8(shapeDependent->help));
        QCOMPARE(model.index(0, FindingsModel::SeverityColumn).data(Qt::ForegroundRole).value<QColor>(),
                 severityColor(Severity::Error));
        QVERIFY(!model.index(0, FindingsModel::CategoryColumn).data(Qt::ForegroundRole).isValid());
        QCOMPARE(model.index(4, 0).data(IndexRole).toInt(), 4);
        // Sort keys: severity as its rank, the location with a zero-padded line number.
        QCOMPARE(model.index(0, FindingsModel::SeverityColumn).data(SortRole).toInt(), int(Severity::Error));
        QCOMPARE(model.index(4, FindingsModel::SeverityColumn).data(SortRole).toInt(), int(Severity::Info));
        QCOMPARE(cell(model, 0, FindingsModel::LocationColumn, {}, SortRole), QStringLiteral("model.py:000042"));
        QCOMPARE(cell(model, 2, FindingsModel::LocationColumn, {}, SortRole), QStringLiteral(":000000"));
        QCOMPARE(model.finding(model.index(2, 0))->id, std::string("F3"));
        QCOMPARE(model.headerData(FindingsModel::LocationColumn, Qt::Horizontal).toString(), QStringLiteral("Source"));

        model.setReport(otherFindingsReport());
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(cell(model, 1, FindingsModel::CategoryColumn), QStringLiteral("lite.roundtrip"));
        QCOMPARE(cell(model, 1, FindingsModel::LocationColumn), QStringLiteral("net.py:30"));
        // An unknown category falls back to the finding's own message and advice.
        QCOMPARE(cell(model, 0, FindingsModel::CategoryColumn, {}, Qt::ToolTipRole),
                 QStringLiteral("Traced with a Python value\n\nAdvice for G1"));

        model.setReport(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.finding(model.index(0, 0)));
    }

    void findingsFilterKeepsMatchingRows_data() {
        QTest::addColumn<int>("minimumSeverity");
        QTest::addColumn<QString>("categoryFamily");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expectedIds");
        const int info = int(Severity::Info), warning = int(Severity::Warning), error = int(Severity::Error);
        QTest::newRow("no filter") << info << QString() << QString() << QStringList{"F1", "F2", "F3", "F4", "F5"};
        QTest::newRow("warnings and up") << warning << QString() << QString() << QStringList{"F1", "F2", "F4"};
        QTest::newRow("errors only") << error << QString() << QString() << QStringList{"F1"};
        QTest::newRow("one family") << info << "control-flow" << QString() << QStringList{"F1", "F2", "F5"};
        QTest::newRow("another family") << info << "quant" << QString() << QStringList{"F4"};
        QTest::newRow("family matched whole, not as a prefix") << info << "control" << QString() << QStringList{};
        QTest::newRow("a category id is not a family") << info << "control-flow.value-dependent" << QString()
                                                       << QStringList{};
        QTest::newRow("family and severity") << warning << "control-flow" << QString() << QStringList{"F1", "F2"};
        QTest::newRow("text in the file path") << info << QString() << "model.py" << QStringList{"F1", "F2", "F5"};
        QTest::newRow("text ignores case") << info << QString() << "LITE" << QStringList{"F3"};
        QTest::newRow("text in the message") << info << QString() << "qnnpack" << QStringList{"F4"};
        QTest::newRow("all three at once") << warning << "control-flow" << "shape" << QStringList{"F1"};
        QTest::newRow("text matching nothing") << info << QString() << "no such thing" << QStringList{};
    }

    void findingsFilterKeepsMatchingRows() {
        QFETCH(int, minimumSeverity);
        QFETCH(QString, categoryFamily);
        QFETCH(QString, text);
        QFETCH(QStringList, expectedIds);
        FindingsModel model;
        FindingsFilter filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReport(findingsReport());

        filter.setMinimumSeverity(Severity(minimumSeverity));
        filter.setCategoryFamily(categoryFamily);
        filter.setText(text);
        QCOMPARE(findingIds(filter), expectedIds);

        // Clearing the filters brings every finding back.
        filter.setMinimumSeverity(Severity::Info);
        filter.setCategoryFamily({});
        filter.setText({});
        QCOMPARE(filter.rowCount(), 5);
    }

    void findingsSortBySortRoleAndSurviveNewReports() {
        FindingsModel model;
        FindingsFilter filter;
        filter.setSourceModel(&model);
        filter.setSortRole(SortRole);  // as the main window sets it
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReport(findingsReport());

        // Severity by rank, not alphabetically ("warning" > "info" > "error"); ties keep report order.
        filter.sort(FindingsModel::SeverityColumn, Qt::DescendingOrder);
        QCOMPARE(findingIds(filter), (QStringList{"F1", "F2", "F4", "F3", "F5"}));
        // Lines by number (3 < 7 < 42), not as text; no location sorts first.
        filter.sort(FindingsModel::LocationColumn, Qt::AscendingOrder);
        QCOMPARE(findingIds(filter), (QStringList{"F3", "F4", "F5", "F2", "F1"}));

        // A new report keeps the filter and the sort order.
        filter.setMinimumSeverity(Severity::Warning);
        QCOMPARE(findingIds(filter), (QStringList{"F4", "F2", "F1"}));
        filter.sort(FindingsModel::SeverityColumn, Qt::DescendingOrder);
        model.setReport(otherFindingsReport());
        QCOMPARE(findingIds(filter), QStringList{"G2"});
        filter.setMinimumSeverity(Severity::Info);
        QCOMPARE(findingIds(filter), (QStringList{"G2", "G1"}));

        model.setReport(nullptr);
        QCOMPARE(filter.rowCount(), 0);
    }

    // -------------------------------------------------------------------------------- modules

    // MACs and their share of the model's, from the report's cost; blank when nothing was measured.
    void modulesModelShowsMacsAndTheirShare() {
        ModulesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto report = std::make_shared<Report>(*modulesReport());
        model.setReport(report);
        QCOMPARE(cell(model, 0, ModulesModel::MacsColumn), QString());
        QCOMPARE(cell(model, 0, ModulesModel::ShareColumn), QString());

        report->compute.measured = true;
        report->compute.total.macs = 300800000;
        report->modules[0].totalCost.macs = 300800000;
        report->modules[1].totalCost.macs = 75200000;
        model.setReport(report);
        QCOMPARE(cell(model, 0, ModulesModel::MacsColumn), QStringLiteral("300.8 M MACs"));
        QCOMPARE(cell(model, 0, ModulesModel::ShareColumn), QStringLiteral("100.0%"));
        const QModelIndex root = model.index(0, ModulesModel::NameColumn);
        QCOMPARE(cell(model, 0, ModulesModel::MacsColumn, root), QStringLiteral("75.2 M MACs"));
        QCOMPARE(cell(model, 0, ModulesModel::ShareColumn, root), QStringLiteral("25.0%"));
        QCOMPARE(cell(model, 1, ModulesModel::MacsColumn, root), QStringLiteral("0 MACs"));
        QCOMPARE(model.headerData(ModulesModel::MacsColumn, Qt::Horizontal).toString(), QStringLiteral("MACs"));
    }

    void modulesModelBuildsTheModuleTree() {
        ModulesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.indexOfPath("").isValid());

        model.setReport(modulesReport());
        // One top row, the model itself; its children in report order.
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex root = model.index(0, ModulesModel::NameColumn);
        QCOMPARE(root.data().toString(), QStringLiteral("(model)"));
        QCOMPARE(cell(model, 0, ModulesModel::TypeColumn), QStringLiteral("Net"));
        QCOMPARE(cell(model, 0, ModulesModel::ParametersColumn), QStringLiteral("74,472"));
        QCOMPARE(cell(model, 0, ModulesModel::BytesColumn), QStringLiteral("290.9 KiB"));
        QVERIFY(!model.parent(root).isValid());
        QCOMPARE(model.rowCount(root), 2);

        const QModelIndex features = model.index(0, ModulesModel::NameColumn, root);
        const QModelIndex classifier = model.index(1, ModulesModel::NameColumn, root);
        QCOMPARE(features.data().toString(), QStringLiteral("features"));
        QCOMPARE(classifier.data().toString(), QStringLiteral("classifier"));
        QCOMPARE(model.parent(features), root);
        QCOMPARE(model.rowCount(classifier), 0);
        QCOMPARE(cell(model, 1, ModulesModel::TypeColumn, root), QStringLiteral("Linear"));
        QCOMPARE(cell(model, 1, ModulesModel::ParametersColumn, root), QStringLiteral("65,000"));
        QCOMPARE(cell(model, 1, ModulesModel::BytesColumn, root), QStringLiteral("253.9 KiB"));

        // Below features, each child shows the last part of its path.
        QCOMPARE(model.rowCount(features), 2);
        const QModelIndex conv = model.index(0, ModulesModel::NameColumn, features);
        QCOMPARE(conv.data().toString(), QStringLiteral("0"));
        QCOMPARE(model.module(conv)->path, std::string("features.0"));
        QCOMPARE(model.parent(conv), features);
        QCOMPARE(cell(model, 0, ModulesModel::TypeColumn, features), QStringLiteral("Conv2d"));
        QCOMPARE(cell(model, 0, ModulesModel::ParametersColumn, features), QStringLiteral("9,472"));
        QCOMPARE(cell(model, 0, ModulesModel::BytesColumn, features), QStringLiteral("37.0 KiB"));
        QCOMPARE(cell(model, 1, ModulesModel::ParametersColumn, features), QStringLiteral("0"));
        QCOMPARE(cell(model, 1, ModulesModel::BytesColumn, features), QStringLiteral("0 B"));
        QCOMPARE(conv.data(Qt::ToolTipRole).toString(), QStringLiteral("features.0\n__torch__.torch.nn.modules.conv.Conv2d"));
        QCOMPARE(conv.data(IndexRole).toInt(), 2);  // its place in Report::modules
        QCOMPARE(model.index(0, ModulesModel::BytesColumn, features).data(Qt::TextAlignmentRole).toInt(),
                 int(Qt::AlignRight | Qt::AlignVCenter));

        // indexOfPath finds any module by its path, for selecting it from the graph.
        QCOMPARE(model.indexOfPath(""), root);
        QCOMPARE(model.indexOfPath("features"), features);
        QCOMPARE(model.indexOfPath("features.1"), model.index(1, 0, features));
        QCOMPARE(model.indexOfPath("classifier"), classifier);
        QVERIFY(!model.indexOfPath("features.2").isValid());
        QCOMPARE(model.headerData(ModulesModel::BytesColumn, Qt::Horizontal).toString(), QStringLiteral("Weights"));

        // A module whose parent is missing from the report hangs under the root.
        model.setReport(orphanModulesReport());
        const QModelIndex newRoot = model.index(0, 0);
        QCOMPARE(model.rowCount(newRoot), 2);
        QCOMPARE(cell(model, 0, ModulesModel::NameColumn, newRoot), QStringLiteral("encoder"));
        QCOMPARE(model.rowCount(model.index(0, 0, newRoot)), 0);
        const QModelIndex orphan = model.indexOfPath("encoder.layers.0");
        QCOMPARE(orphan, model.index(1, 0, newRoot));
        QCOMPARE(model.parent(orphan), newRoot);
        QCOMPARE(orphan.data().toString(), QStringLiteral("0"));

        model.setReport(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.indexOfPath("").isValid());
    }

    // -------------------------------------------------------------------------------- tensors

    void tensorsModelShowsShapesSizesAndStats() {
        TensorsModel model;
        QSortFilterProxyModel sorted;
        sorted.setSourceModel(&model);
        sorted.setSortRole(SortRole);  // as the main window sets it
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester sortedTester(&sorted, QAbstractItemModelTester::FailureReportingMode::QtTest);

        model.setReport(tensorsReport());
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.columnCount(), int(TensorsModel::ColumnCount));
        const QStringList weight{"features.0.weight", "parameter", "16 x 3 x 3 x 3", "float32", "1.7 KiB",
                                 "-0.5", "0.625", "0.01235", "0.2", "12.5%"};
        for (int c = 0; c < TensorsModel::ColumnCount; ++c) QCOMPARE(cell(model, 0, c), weight[c]);
        QCOMPARE(cell(model, 1, TensorsModel::BytesColumn), QStringLiteral("64 B"));
        QCOMPARE(cell(model, 1, TensorsModel::ZerosColumn), QStringLiteral("0.0%"));
        QCOMPARE(cell(model, 3, TensorsModel::ZerosColumn), QStringLiteral("50.0%"));
        QCOMPARE(cell(model, 3, TensorsModel::KindColumn), QStringLiteral("packed"));
        // A scalar buffer without statistics: its shape says so and its stats cells stay empty.
        QCOMPARE(cell(model, 2, TensorsModel::ShapeColumn), QStringLiteral("scalar"));
        QCOMPARE(cell(model, 2, TensorsModel::MinColumn), QString());
        QCOMPARE(cell(model, 2, TensorsModel::ZerosColumn), QString());
        QCOMPARE(model.index(0, TensorsModel::BytesColumn).data(SortRole).toLongLong(), 1728);
        QVERIFY(!model.index(0, TensorsModel::NameColumn).data(Qt::TextAlignmentRole).isValid());
        QCOMPARE(model.tensor(model.index(3, 0))->dtype, std::string("qint8"));
        QCOMPARE(model.headerData(TensorsModel::BytesColumn, Qt::Horizontal).toString(), QStringLiteral("Size"));

        // By bytes, not by the "1.7 KiB" text; by mean, with unknown stats as 0.
        sorted.sort(TensorsModel::BytesColumn, Qt::AscendingOrder);
        QCOMPARE(column(sorted, TensorsModel::NameColumn),
                 (QStringList{"bn.num_batches_tracked", "features.0.bias", "classifier._packed_params", "features.0.weight"}));
        sorted.sort(TensorsModel::MeanColumn, Qt::DescendingOrder);
        QCOMPARE(column(sorted, TensorsModel::NameColumn),
                 (QStringList{"classifier._packed_params", "features.0.bias", "features.0.weight", "bn.num_batches_tracked"}));

        auto fewer = std::make_shared<Report>();
        fewer->tensors = {makeTensor("w", "parameter", {1, -1}, "float16", 3 * 1024 * 1024)};
        model.setReport(fewer);
        QCOMPARE(sorted.rowCount(), 1);
        QCOMPARE(cell(model, 0, TensorsModel::ShapeColumn), QStringLiteral("1 x -1"));
        QCOMPARE(cell(model, 0, TensorsModel::BytesColumn), QStringLiteral("3.0 MiB"));
        QCOMPARE(cell(model, 0, TensorsModel::MeanColumn), QString());

        model.setReport(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(sorted.rowCount(), 0);
        QCOMPARE(formatBytes(-5), QStringLiteral("0 B"));  // never a negative size
    }

    // ---------------------------------------------------------------------------------- graph

    void graphStructureCutsModulesAndBlocks() {
        const auto report = graphReport();
        const GraphStructure structure(report->methods[0].graph, report->modules);
        const std::vector<Group>& groups = structure.groups();
        QCOMPARE(int(groups.size()), int(kGroupCount));

        // Module groups titled "name (Type)", the If titled with its source, blocks then/else.
        const QStringList titles{"Net", "a (A)", "b (ReLU)", "c (C)", "If  if x.sum() > 0:", "then", "else"};
        const QList<GroupKind> kinds{GroupKind::Module,      GroupKind::Module, GroupKind::Module, GroupKind::Module,
                                     GroupKind::ControlFlow, GroupKind::Block,  GroupKind::Block};
        const QStringList paths{"", "a", "a.b", "c", "c", "c", "c"};
        const QList<int> parents{-1, kRootGroup, kGroupA, kRootGroup, kGroupC, kGroupIf, kGroupIf};
        const QList<int> depths{0, 1, 2, 1, 2, 3, 3};
        const QList<int> opCounts{5, 2, 1, 2, 2, 1, 1};
        const QList<std::vector<int>> children{{kGroupA, kGroupC}, {kGroupAB}, {}, {kGroupIf}, {kGroupThen, kGroupElse}, {}, {}};
        const QList<std::vector<int>> ops{{kAdd}, {kConv}, {kRelu}, {}, {}, {kThenNeg}, {kElseAbs}};
        for (int g = 0; g < kGroupCount; ++g) {
            QCOMPARE(groups[g].id, g);
            QCOMPARE(QString::fromStdString(groups[g].title), titles[g]);
            QCOMPARE(groups[g].kind, kinds[g]);
            QCOMPARE(QString::fromStdString(groups[g].path), paths[g]);
            QCOMPARE(groups[g].parent, parents[g]);
            QCOMPARE(groups[g].depth, depths[g]);
            QCOMPARE(groups[g].opCount, opCounts[g]);
            QCOMPARE(groups[g].groups, children[g]);
            QCOMPARE(groups[g].ops, ops[g]);
            QCOMPARE(groups[g].node, g >= kGroupIf ? int(kIf) : -1);
        }

        // The constant and the list built only from it are details, not boxes.
        const QList<int> groupOfNode{kGroupA, kGroupA, kGroupA, kGroupAB, kGroupIf, kGroupThen, kGroupElse, kRootGroup};
        for (int node = 0; node < kNodeCount; ++node) {
            QCOMPARE(structure.hidden(node), node == kConstant || node == kStrideList);
            QCOMPARE(structure.groupOf(node), groupOfNode[node]);
        }
        QCOMPARE(structure.ancestry(kGroupElse), (std::vector<int>{kRootGroup, kGroupC, kGroupIf, kGroupElse}));
        QCOMPARE(structure.ancestry(kRootGroup), std::vector<int>{kRootGroup});

        // Each edge lies in the deepest group holding both ends, between that group's children;
        // x.3 reaches the If's two blocks through one edge to the c box.
        QCOMPARE(edgeNames(structure, kRootGroup),
                 (QStringList{"a (A) -> c (C) [x.3]", "a (A) -> aten::add [x.3]", "c (C) -> aten::add [out.1]"}));
        QCOMPARE(edgeNames(structure, kGroupA), QStringList{"aten::conv2d -> b (ReLU) [input.1]"});
        for (const int g : {kGroupAB, kGroupC, kGroupIf, kGroupThen, kGroupElse}) QVERIFY(structure.edgesOf(g).empty());
    }

    void sceneLayoutShowsWhatIsExpanded_data() {
        QTest::addColumn<QList<int>>("expanded");
        QTest::addColumn<QList<int>>("expectedUnits");
        QTest::addColumn<int>("expectedEdges");
        const int G0 = groupUnit(kRootGroup), GA = groupUnit(kGroupA), GAB = groupUnit(kGroupAB),
                  GC = groupUnit(kGroupC), GIf = groupUnit(kGroupIf), GThen = groupUnit(kGroupThen),
                  GElse = groupUnit(kGroupElse);
        QTest::newRow("root collapsed") << QList<int>{} << QList<int>{G0} << 0;
        QTest::newRow("root open") << QList<int>{kRootGroup} << QList<int>{G0, GA, GC, kAdd} << 3;
        QTest::newRow("a open") << QList<int>{kRootGroup, kGroupA} << QList<int>{G0, GA, GC, kAdd, GAB, kConv} << 4;
        QTest::newRow("a and a.b open") << QList<int>{kRootGroup, kGroupA, kGroupAB}
                                        << QList<int>{G0, GA, GC, kAdd, GAB, kConv, kRelu} << 4;
        // An expanded group inside a collapsed one stays out of sight.
        QTest::newRow("a.b open inside collapsed a") << QList<int>{kRootGroup, kGroupAB} << QList<int>{G0, GA, GC, kAdd} << 3;
        QTest::newRow("c and the If open") << QList<int>{kRootGroup, kGroupC, kGroupIf}
                                           << QList<int>{G0, GA, GC, kAdd, GIf, GThen, GElse} << 3;
        QTest::newRow("everything open")
            << QList<int>{kRootGroup, kGroupA, kGroupAB, kGroupC, kGroupIf, kGroupThen, kGroupElse}
            << QList<int>{G0, GA, GC, kAdd, GAB, kConv, kRelu, GIf, GThen, GElse, kThenNeg, kElseAbs} << 4;
    }

    void sceneLayoutShowsWhatIsExpanded() {
        QFETCH(QList<int>, expanded);
        QFETCH(QList<int>, expectedUnits);
        QFETCH(int, expectedEdges);
        const auto report = graphReport();
        const auto structure = std::make_shared<const GraphStructure>(report->methods[0].graph, report->modules);
        const auto opSizes = opSizesFor(*structure);
        const auto collapsedWidths = collapsedWidthsFor(*structure);
        SceneLayouter layouter(structure, opSizes, collapsedWidths);

        const SceneLayout scene = layouter.layout(toSet(expanded));
        std::sort(expectedUnits.begin(), expectedUnits.end());
        QCOMPARE(sortedUnits(scene), expectedUnits);
        QCOMPARE(int(scene.edges.size()), expectedEdges);
        const QString violation = sceneViolation(scene, *structure, toSet(expanded), opSizes, collapsedWidths);
        QVERIFY2(violation.isEmpty(), qPrintable(violation));
    }

    void sceneLayoutGrowsAndShrinksGroupsAndReusesLayouts() {
        const auto report = graphReport();
        const auto structure = std::make_shared<const GraphStructure>(report->methods[0].graph, report->modules);
        const auto opSizes = opSizesFor(*structure);
        const auto collapsedWidths = collapsedWidthsFor(*structure);
        SceneLayouter layouter(structure, opSizes, collapsedWidths);

        const SceneLayout collapsed = layouter.layout({kRootGroup});
        QCOMPARE(collapsed.groupsLaidOut, 1);
        QCOMPARE(collapsed.nodesLaidOut, 3);  // a, c and the add
        const Box closedA = findUnit(collapsed, groupUnit(kGroupA))->box;
        QCOMPARE(closedA.width, collapsedWidths[kGroupA]);
        QCOMPARE(closedA.height, BoxMetrics::collapsedHeight);

        // Expanding a lays out a and, as a's box grew, the root again; c stays untouched.
        const SceneLayout opened = layouter.layout({kRootGroup, kGroupA});
        QCOMPARE(opened.groupsLaidOut, 2);
        QCOMPARE(opened.nodesLaidOut, 2 + 3);
        const PlacedUnit* openA = findUnit(opened, groupUnit(kGroupA));
        QVERIFY(openA->expanded);
        const PlacedUnit* conv = findUnit(opened, kConv);
        const PlacedUnit* ab = findUnit(opened, groupUnit(kGroupAB));
        QVERIFY(conv && ab);
        QCOMPARE(conv->group, int(kGroupA));
        QCOMPARE(ab->group, int(kGroupA));
        // The open box holds its two children stacked (conv feeds a.b) plus header and padding.
        QVERIFY(openA->box.height >= conv->box.height + ab->box.height + BoxMetrics::header + 2 * BoxMetrics::padding);
        QVERIFY(openA->box.width >= std::max(conv->box.width, ab->box.width) + 2 * BoxMetrics::padding);
        QVERIFY(opened.bounds.height > collapsed.bounds.height);
        QCOMPARE(findUnit(opened, groupUnit(kGroupC))->box.width, collapsedWidths[kGroupC]);

        // Collapsing again restores the first scene from the cache, box for box.
        const SceneLayout again = layouter.layout({kRootGroup});
        QCOMPARE(again.groupsLaidOut, 0);
        QCOMPARE(again.nodesLaidOut, 0);
        QCOMPARE(sortedUnits(again), sortedUnits(collapsed));
        for (const PlacedUnit& placed : collapsed.units) {
            const Box& before = placed.box;
            const Box& after = findUnit(again, placed.unit)->box;
            QCOMPARE(describe(after), describe(before));
        }
    }

    void sceneLayoutHonoursCancellation() {
        const auto report = graphReport();
        const auto structure = std::make_shared<const GraphStructure>(report->methods[0].graph, report->modules);
        SceneLayouter layouter(structure, opSizesFor(*structure), collapsedWidthsFor(*structure));
        QVERIFY_THROWS_EXCEPTION(ptl::Cancelled, layouter.layout({kRootGroup}, [] { return true; }));
        // A cancelled layout leaves nothing half-done behind: the next one works.
        QCOMPARE(layouter.layout({kRootGroup}).units.size(), size_t(4));
    }

    // The widget itself, fed a report directly: its first view, collapse all, expanding a deep
    // group (which opens its ancestors), collapsing one, and revealing a node inside a block.
    void graphWidgetCollapsesAndExpandsGroups() {
        GraphWidget widget;
        widget.resize(800, 600);
        const auto report = graphReport();
        QVERIFY(laidOutAfter(widget, [&] { widget.setReport(report); }));
        QVERIFY(widget.structure());
        QCOMPARE(int(widget.structure()->groups().size()), int(kGroupCount));
        QCOMPARE(widget.lastLayout().units, 12);  // a graph this small starts fully expanded

        QVERIFY(laidOutAfter(widget, [&] { widget.collapseAll(); }));
        QCOMPARE(widget.lastLayout().units, 4);  // root, a, c, add

        QVERIFY(laidOutAfter(widget, [&] { widget.expandGroup(kGroupAB, true); }));
        QCOMPARE(widget.lastLayout().units, 7);  // + a's conv and a.b box, + a.b's relu

        QVERIFY(laidOutAfter(widget, [&] { widget.expandGroup(kGroupA, false); }));
        QCOMPARE(widget.lastLayout().units, 4);

        QSignalSpy selected(&widget, &GraphWidget::nodeSelected);
        QVERIFY(laidOutAfter(widget, [&] { widget.revealNode(kElseAbs); }));
        QCOMPARE(widget.lastLayout().units, 8);  // + the If in c, its two blocks, and abs in else
        QCOMPARE(widget.selectedNode(), int(kElseAbs));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().first().toInt(), int(kElseAbs));
    }

    // The worker's full report can arrive before its early graph is laid out: the first view is
    // still the readable start, not a closed root box.
    void graphWidgetUpdateBeforeFirstLayoutShowsTheStart() {
        GraphWidget widget;
        widget.resize(800, 600);
        QVERIFY(laidOutAfter(widget, [&] {
            widget.setReport(graphReport());
            widget.updateReport(graphReport());
        }));
        QVERIFY(widget.isExpanded(kRootGroup));
        QCOMPARE(widget.lastLayout().units, 12);
    }

    // Node ids of one report mean nothing in the next: a reveal asked for while the first was
    // being laid out selects nothing in the second.
    void graphWidgetForgetsTargetsOfThePreviousReport() {
        GraphWidget widget;
        widget.resize(800, 600);
        QVERIFY(laidOutAfter(widget, [&] {
            widget.setReport(graphReport());
            widget.revealNode(kElseAbs);  // pending: nothing is laid out yet
            widget.setReport(graphReport());
        }));
        QVERIFY(QTest::qWaitFor([&] { return !widget.layoutPending(); }, 30000));
        QTest::qWait(50);
        QCOMPARE(widget.selectedNode(), -1);
        QVERIFY(widget.view()->scene()->selectedItems().isEmpty());
    }

    // Fit to Window on a graph far taller than the window stops where its boxes still show, at
    // its top, rather than drawing a strip under a pixel wide.
    void graphWidgetFitKeepsBoxesVisible() {
        GraphWidget widget;
        widget.resize(800, 600);
        widget.show();
        QVERIFY(laidOutAfter(widget, [&] { widget.setReport(chainReport(240)); }));
        QVERIFY(widget.view()->scene()->sceneRect().height() > 20 * 600);
        widget.fitToView();
        const QList<QGraphicsItem*> shown = widget.view()->items(widget.view()->viewport()->rect());
        QVERIFY(shown.size() > 10);
        double narrowest = 1e9;
        for (const QGraphicsItem* item : shown)
            if (item->flags() & QGraphicsItem::ItemIsSelectable)  // boxes, not edges
                narrowest = std::min(narrowest, widget.view()->mapFromScene(item->sceneBoundingRect()).boundingRect().width() * 1.0);
        QVERIFY2(narrowest >= 6, qPrintable(QStringLiteral("boxes %1 px wide").arg(narrowest)));
    }

    // A node revealed while the view is zoomed far out (after Fit to Window on a big graph) is
    // shown at a size whose text is drawn, inside the view.
    void graphWidgetRevealZoomsToReadable() {
        GraphWidget widget;
        widget.resize(800, 600);
        widget.show();
        QVERIFY(laidOutAfter(widget, [&] { widget.setReport(graphReport()); }));
        widget.view()->setTransform(QTransform::fromScale(0.05, 0.05));
        widget.revealNode(kConv);  // everything is expanded: selected at once
        QCOMPARE(widget.selectedNode(), int(kConv));
        QVERIFY2(widget.view()->transform().m11() >= 0.8, qPrintable(QString::number(widget.view()->transform().m11())));
        const auto selected = widget.view()->scene()->selectedItems();
        QCOMPARE(selected.size(), 1);
        const QRect shown = widget.view()->mapFromScene(selected.front()->sceneBoundingRect()).boundingRect();
        QVERIFY(widget.view()->viewport()->rect().contains(shown));
    }
};

QTEST_MAIN(ModelsTest)
#include "tst_models.moc"
