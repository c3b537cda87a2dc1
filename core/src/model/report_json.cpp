#include "ptl/report_json.h"

#include "ptl/round_trip.h"

#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

namespace ptl {

NLOHMANN_JSON_SERIALIZE_ENUM(Severity, {{Severity::Info, "info"},
                                        {Severity::Warning, "warning"},
                                        {Severity::Error, "error"}})

// Graph records are the bulk of a report (tens of thousands of nodes on big models): fields at
// their default are left out, and read back as defaults. Each record's field list is written once,
// as member pointers, and walked in both directions.
bool operator==(const SourceLocation& a, const SourceLocation& b) {
    return a.file == b.file && a.line == b.line && a.column == b.column && a.text == b.text && a.traced == b.traced;
}
bool operator==(const OpCost& a, const OpCost& b) {
    return a.macs == b.macs && a.weightBytes == b.weightBytes && a.activationBytes == b.activationBytes;
}
bool operator==(const Block& a, const Block& b) {
    return a.inputs == b.inputs && a.outputs == b.outputs && a.nodes == b.nodes;
}

template <typename Record, typename Field>
struct CompactField {
    const char* key;
    Field Record::*member;
};

template <typename Record, typename Field>
constexpr CompactField<Record, Field> field(const char* key, Field Record::*member) {
    return {key, member};
}

template <typename Record, typename... Fields>
void putCompact(nlohmann::json& json, const Record& record, const CompactField<Record, Fields>&... fields) {
    static const Record defaults{};
    json = nlohmann::json::object();
    auto put = [&](const auto& field) {
        if (!(record.*field.member == defaults.*field.member)) json[field.key] = record.*field.member;
    };
    (put(fields), ...);
}

template <typename Record, typename... Fields>
void takeCompact(const nlohmann::json& json, Record& record, const CompactField<Record, Fields>&... fields) {
    auto take = [&](const auto& field) {
        const auto found = json.find(field.key);
        if (found != json.end() && !found->is_null()) found->get_to(record.*field.member);
    };
    (take(fields), ...);
}

#define PTL_COMPACT_JSON(Record, ...)                                                              \
    void to_json(nlohmann::json& json, const Record& record) { putCompact(json, record, __VA_ARGS__); } \
    void from_json(const nlohmann::json& json, Record& record) { takeCompact(json, record, __VA_ARGS__); }

PTL_COMPACT_JSON(SourceLocation, field("file", &SourceLocation::file), field("line", &SourceLocation::line),
                 field("column", &SourceLocation::column), field("text", &SourceLocation::text),
                 field("traced", &SourceLocation::traced))
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceSnippet, file, firstLine, text)
PTL_COMPACT_JSON(Value, field("id", &Value::id), field("name", &Value::name), field("type", &Value::type),
                 field("shapeKnown", &Value::shapeKnown), field("shape", &Value::shape), field("dtype", &Value::dtype),
                 field("producer", &Value::producer))
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Block, inputs, outputs, nodes)
PTL_COMPACT_JSON(OpCost, field("macs", &OpCost::macs), field("weightBytes", &OpCost::weightBytes),
                 field("activationBytes", &OpCost::activationBytes))
PTL_COMPACT_JSON(Node, field("id", &Node::id), field("kind", &Node::kind), field("inputs", &Node::inputs),
                 field("outputs", &Node::outputs), field("schema", &Node::schema),
                 field("attributes", &Node::attributes), field("scope", &Node::scope), field("source", &Node::source),
                 field("parent", &Node::parent), field("parentBlock", &Node::parentBlock),
                 field("blocks", &Node::blocks), field("cost", &Node::cost))
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Graph, nodes, values, inputs, outputs, topNodes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Method, name, origin, signature, graph)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ModuleInfo, path, type, parameters, bytes,
                                                totalParameters, totalBytes, cost, totalCost)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ComputeCost, measured, total, peakActivationBytes, peakNode,
                                                peakScope)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TensorStats, known, min, max, mean, std, zeroFraction, histogram)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TensorInfo, name, kind, shape, dtype, bytes, stats)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ExtraFile, name, bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(InputInfo, argument, type, shape, dtype, source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(QuantizedLayer, module, kind, weightDtype,
                                                weightQScheme, channels, weightScaleMin,
                                                weightScaleMax, weightZeroPointMin,
                                                weightZeroPointMax, outputScale, outputZeroPoint,
                                                activationP99)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RoundTrip, attempted, exported, reloaded, compared,
                                                matched, maxAbsDiff, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Finding, id, severity, category, message, advice,
                                                method, nodes, source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SweepDecision, node, kind, taken)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SweepPoint, label, inputs, sample, ran, error, errorNode, decisions,
                                                outputShapes, diverged, divergedNodes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ShapeSweep, requested, spec, points, problem)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Report, tool, file, fileBytes, format, container,
                                                fileFormatVersion, bytecodeVersion, methods,
                                                modules, tensors, extraFiles, inputs, operators,
                                                quantizedLayers, roundTrip, compute, findings, sources)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OpCountChange, op, before, after)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OpError, index, op, floatOp, module, sqnrDb)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Verification, compared, maxAbsDiff, tolerance, inputs,
                                                quantizationMaxAbsError, quantizationCosine, top1Agreement,
                                                errorSamples, opErrors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VariantSize, variant, bytes, moduleBytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConvertResult, input, output, opsYaml, inputBytes, outputBytes,
                                                bytecodeVersion, quantization, backend, observer, calibrationBatches,
                                                keptFloat,
                                                warnings,
                                                optimizations, opChanges, operators, sizes, verification)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BenchEnvironment, cpu, engine, quantizedEngine, threads, libtorch)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BenchResult, model, environment, inputs, warmup, samplesMs, p50, p90,
                                                min, max, mean)

std::string describeEnvironment(const BenchEnvironment& environment) {
    return environment.cpu + ", " + std::to_string(environment.threads) +
           (environment.threads == 1 ? " thread, " : " threads, ") + environment.engine + ", quantized engine " +
           environment.quantizedEngine + " (host latency, not phone latency)";
}

nlohmann::json toJson(const ConvertResult& result) { return result; }
nlohmann::json toJson(const BenchResult& result) {
    nlohmann::json json = result;
    json["measuredOn"] = describeEnvironment(result.environment);
    return json;
}
ConvertResult convertResultFromJson(const nlohmann::json& json) { return json.get<ConvertResult>(); }
BenchResult benchResultFromJson(const nlohmann::json& json) { return json.get<BenchResult>(); }

std::string humanBytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    if (unit == 0)
        std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

std::string describeRoundTrip(const RoundTrip& trip) {
    if (!trip.attempted) return "";
    if (!trip.reloaded) return "round trip failed: " + trip.error;
    if (!trip.compared) return "exports and reloads; outputs not compared (no sample inputs)";
    if (!trip.matched) return "outputs differ: " + trip.error;
    std::ostringstream text;
    text << "round trip ok, max abs difference " << trip.maxAbsDiff;
    return text.str();
}

std::string humanMacs(int64_t macs) {
    const char* units[] = {"", " k", " M", " G", " T"};
    double value = static_cast<double>(macs);
    int unit = 0;
    while (value >= 1000 && unit < 4) {
        value /= 1000;
        ++unit;
    }
    char text[32];
    if (unit == 0)
        std::snprintf(text, sizeof text, "%lld MACs", static_cast<long long>(macs));
    else
        std::snprintf(text, sizeof text, "%.1f%s MACs", value, units[unit]);
    return text;
}

const char* severityName(Severity severity) {
    switch (severity) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
    }
    return "info";
}

bool parseSeverity(const std::string& name, Severity& out) {
    static const std::map<std::string, Severity> names{
        {"info", Severity::Info}, {"warning", Severity::Warning}, {"error", Severity::Error}};
    const auto it = names.find(name);
    if (it == names.end()) return false;
    out = it->second;
    return true;
}

nlohmann::json toJson(const Report& report) {
    nlohmann::json json = report;
    json["schema"] = "ptl-studio.report/1";
    if (report.sweep.requested) json["sweep"] = report.sweep;  // absent unless asked for
    // Derived from the rest, for readers of --json; reportFromJson ignores it.
    json["exportReadiness"] = toJson(exportReadiness(report));
    return json;
}

nlohmann::json toJson(const ExportReadiness& readiness) {
    nlohmann::json items = nlohmann::json::array();
    for (const ExportItem& item : readiness.items)
        items.push_back({{"kind", item.kind}, {"impact", exportImpactName(item.impact)}, {"title", item.title},
                         {"detail", item.detail}, {"action", item.action}, {"finding", item.findingId},
                         {"category", item.findingCategory}, {"method", item.method}, {"nodes", item.nodes},
                         {"source", item.source}});
    nlohmann::json dims = nlohmann::json::array();
    for (const DynamicDim& dim : readiness.dynamicDims)
        dims.push_back({{"argument", dim.argument}, {"dim", dim.dim}, {"sampleSize", dim.sampleSize}, {"name", dim.name}});
    return {{"ready", readiness.ready}, {"summary", readiness.summary}, {"items", items}, {"dynamicDims", dims},
            {"exportCode", readiness.exportCode}, {"checked", readiness.checked}};
}

namespace {

// A node as [kind, scope, inputs, outputs, attributes, parent, parentBlock, blocks, schema, source,
// cost], a block as [inputs, outputs, nodes], a value as [name, type, producer, shape or null, dtype];
// ids are positions.
nlohmann::json compactGraphJson(const Graph& graph) {
    nlohmann::json nodes = nlohmann::json::array(), values = nlohmann::json::array();
    for (const Node& node : graph.nodes) {
        nlohmann::json blocks = nlohmann::json::array();
        for (const Block& block : node.blocks) blocks.push_back({block.inputs, block.outputs, block.nodes});
        nodes.push_back({node.kind, node.scope, node.inputs, node.outputs, node.attributes, node.parent,
                         node.parentBlock, std::move(blocks), node.schema, node.source, node.cost});
    }
    for (const Value& value : graph.values)
        values.push_back({value.name, value.type, value.producer,
                          value.shapeKnown ? nlohmann::json(value.shape) : nlohmann::json(), value.dtype});
    return {{"nodes", std::move(nodes)}, {"values", std::move(values)}, {"inputs", graph.inputs},
            {"outputs", graph.outputs}, {"topNodes", graph.topNodes}};
}

Graph graphFromCompactJson(const nlohmann::json& json) {
    Graph graph;
    const nlohmann::json& nodes = json.at("nodes");
    graph.nodes.resize(nodes.size());
    for (size_t id = 0; id < nodes.size(); ++id) {
        const nlohmann::json& fields = nodes[id];
        Node& node = graph.nodes[id];
        node.id = static_cast<int>(id);
        fields.at(0).get_to(node.kind);
        fields.at(1).get_to(node.scope);
        fields.at(2).get_to(node.inputs);
        fields.at(3).get_to(node.outputs);
        fields.at(4).get_to(node.attributes);
        fields.at(5).get_to(node.parent);
        fields.at(6).get_to(node.parentBlock);
        for (const nlohmann::json& block : fields.at(7))
            node.blocks.push_back({block.at(0).get<std::vector<int>>(), block.at(1).get<std::vector<int>>(),
                                   block.at(2).get<std::vector<int>>()});
        fields.at(8).get_to(node.schema);
        fields.at(9).get_to(node.source);
        fields.at(10).get_to(node.cost);
    }
    const nlohmann::json& values = json.at("values");
    graph.values.resize(values.size());
    for (size_t id = 0; id < values.size(); ++id) {
        const nlohmann::json& fields = values[id];
        Value& value = graph.values[id];
        value.id = static_cast<int>(id);
        fields.at(0).get_to(value.name);
        fields.at(1).get_to(value.type);
        fields.at(2).get_to(value.producer);
        value.shapeKnown = !fields.at(3).is_null();
        if (value.shapeKnown) fields.at(3).get_to(value.shape);
        fields.at(4).get_to(value.dtype);
    }
    json.at("inputs").get_to(graph.inputs);
    json.at("outputs").get_to(graph.outputs);
    json.at("topNodes").get_to(graph.topNodes);
    return graph;
}

}  // namespace

nlohmann::json earlyGraphJson(const Report& partial) {
    nlohmann::json methods = nlohmann::json::array();
    for (const Method& method : partial.methods)
        methods.push_back({{"name", method.name}, {"origin", method.origin}, {"signature", method.signature},
                           {"graph", compactGraphJson(method.graph)}});
    return {{"tool", partial.tool}, {"file", partial.file}, {"fileBytes", partial.fileBytes},
            {"format", partial.format}, {"container", partial.container},
            {"fileFormatVersion", partial.fileFormatVersion}, {"bytecodeVersion", partial.bytecodeVersion},
            {"methods", std::move(methods)}, {"modules", partial.modules}, {"extraFiles", partial.extraFiles}};
}

Report earlyGraphFromJson(const nlohmann::json& json) {
    Report report;
    json.at("tool").get_to(report.tool);
    json.at("file").get_to(report.file);
    json.at("fileBytes").get_to(report.fileBytes);
    json.at("format").get_to(report.format);
    json.at("container").get_to(report.container);
    json.at("fileFormatVersion").get_to(report.fileFormatVersion);
    json.at("bytecodeVersion").get_to(report.bytecodeVersion);
    for (const nlohmann::json& method : json.at("methods"))
        report.methods.push_back({method.at("name").get<std::string>(), method.at("origin").get<std::string>(),
                                  method.at("signature").get<std::string>(), graphFromCompactJson(method.at("graph"))});
    json.at("modules").get_to(report.modules);
    json.at("extraFiles").get_to(report.extraFiles);
    return report;
}

nlohmann::json nodeDetailsJson(const Report& partial) {
    nlohmann::json schemas = nlohmann::json::array(), sources = nlohmann::json::array();
    if (!partial.methods.empty())
        for (const Node& node : partial.methods.front().graph.nodes) {
            schemas.push_back(node.schema);
            sources.push_back(node.source);
        }
    return {{"schemas", std::move(schemas)}, {"sources", std::move(sources)}, {"snippets", partial.sources}};
}

Report withNodeDetails(const Report& early, const nlohmann::json& details) {
    const nlohmann::json& schemas = details.at("schemas");
    const nlohmann::json& sources = details.at("sources");
    const size_t nodes = early.methods.empty() ? 0 : early.methods.front().graph.nodes.size();
    if (schemas.size() != nodes || sources.size() != nodes)
        throw std::invalid_argument("the node details are not those of the graph shown");
    Report report = early;
    for (size_t id = 0; id < nodes; ++id) {
        Node& node = report.methods.front().graph.nodes[id];
        schemas[id].get_to(node.schema);
        node.source = sources[id].get<SourceLocation>();
    }
    details.at("snippets").get_to(report.sources);
    return report;
}

Report reportFromJson(const nlohmann::json& json) {
    Report report = json.get<Report>();
    const auto sweep = json.find("sweep");
    if (sweep != json.end() && sweep->is_object()) sweep->get_to(report.sweep);
    return report;
}

nlohmann::json toJson(const ShapeSweep& sweep) { return sweep; }

void to_json(nlohmann::json& json, const OpCountDiff& diff) {
    json = {{"op", diff.op}, {"a", diff.a}, {"b", diff.b}, {"delta", diff.delta()}};
}
void from_json(const nlohmann::json& json, OpCountDiff& diff) {
    diff.op = json.value("op", "");
    diff.a = json.value("a", int64_t{0});
    diff.b = json.value("b", int64_t{0});
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ModuleDiff, path, change, typeA, typeB, ops, tensors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ComparedModel, file, format, origin, fileBytes, parameters, nodes,
                                                inputs, inputProblem)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ComparedPoint, label, inputs, a, b, compared, maxAbsDiff, cosine)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Comparison, tool, a, b, ops, modules, sweepSpec, points,
                                                outputProblem)

nlohmann::json toJson(const Comparison& comparison) {
    nlohmann::json json = comparison;
    json["schema"] = "ptl-studio.compare/1";
    return json;
}
Comparison comparisonFromJson(const nlohmann::json& json) { return json.get<Comparison>(); }

bool sameReport(const Report& a, const Report& b) { return toJson(a) == toJson(b); }

}  // namespace ptl
