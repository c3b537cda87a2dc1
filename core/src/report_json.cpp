#include "ptl/report_json.h"

#include <cstdio>
#include <map>

namespace ptl {

NLOHMANN_JSON_SERIALIZE_ENUM(Severity, {{Severity::Info, "info"},
                                        {Severity::Warning, "warning"},
                                        {Severity::Error, "error"}})

// Graph records are the bulk of a report (tens of thousands of nodes on big models): fields at
// their default are left out, and read back as defaults.
template <typename T>
void put(nlohmann::json& json, const char* key, const T& value, const T& fallback = T()) {
    if (!(value == fallback)) json[key] = value;
}

template <typename T>
void take(const nlohmann::json& json, const char* key, T& value) {
    const auto found = json.find(key);
    if (found != json.end() && !found->is_null()) found->get_to(value);
}

void to_json(nlohmann::json& json, const SourceLocation& source) {
    json = nlohmann::json::object();
    put(json, "file", source.file);
    put(json, "line", source.line);
    put(json, "column", source.column);
    put(json, "text", source.text);
    put(json, "traced", source.traced);
}

void from_json(const nlohmann::json& json, SourceLocation& source) {
    take(json, "file", source.file);
    take(json, "line", source.line);
    take(json, "column", source.column);
    take(json, "text", source.text);
    take(json, "traced", source.traced);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceSnippet, file, firstLine, text)
void to_json(nlohmann::json& json, const Value& value) {
    json = {{"id", value.id}, {"name", value.name}, {"type", value.type}};
    put(json, "shapeKnown", value.shapeKnown);
    put(json, "shape", value.shape);
    put(json, "dtype", value.dtype);
    put(json, "producer", value.producer, -1);
}

void from_json(const nlohmann::json& json, Value& value) {
    take(json, "id", value.id);
    take(json, "name", value.name);
    take(json, "type", value.type);
    take(json, "shapeKnown", value.shapeKnown);
    take(json, "shape", value.shape);
    take(json, "dtype", value.dtype);
    take(json, "producer", value.producer);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Block, inputs, outputs, nodes)
void to_json(nlohmann::json& json, const Node& node) {
    json = {{"id", node.id}, {"kind", node.kind}, {"inputs", node.inputs}, {"outputs", node.outputs}};
    put(json, "schema", node.schema);
    put(json, "attributes", node.attributes);
    put(json, "scope", node.scope);
    if (node.source.known()) json["source"] = node.source;
    put(json, "parent", node.parent, -1);
    put(json, "parentBlock", node.parentBlock, -1);
    if (!node.blocks.empty()) json["blocks"] = node.blocks;
}

void from_json(const nlohmann::json& json, Node& node) {
    take(json, "id", node.id);
    take(json, "kind", node.kind);
    take(json, "inputs", node.inputs);
    take(json, "outputs", node.outputs);
    take(json, "schema", node.schema);
    take(json, "attributes", node.attributes);
    take(json, "scope", node.scope);
    take(json, "source", node.source);
    take(json, "parent", node.parent);
    take(json, "parentBlock", node.parentBlock);
    take(json, "blocks", node.blocks);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Graph, nodes, values, inputs, outputs, topNodes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Method, name, origin, signature, graph)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ModuleInfo, path, type, parameters, bytes,
                                                totalParameters, totalBytes)
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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Report, tool, file, fileBytes, format, container,
                                                fileFormatVersion, bytecodeVersion, methods,
                                                modules, tensors, extraFiles, inputs, operators,
                                                quantizedLayers, roundTrip, findings, sources)

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OpCountChange, op, before, after)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OpError, index, op, floatOp, module, sqnrDb)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Verification, compared, maxAbsDiff, tolerance, inputs,
                                                quantizationMaxAbsError, quantizationCosine, top1Agreement,
                                                errorSamples, opErrors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VariantSize, variant, bytes, moduleBytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConvertResult, input, output, opsYaml, inputBytes, outputBytes,
                                                bytecodeVersion, quantization, backend, observer, calibrationBatches,
                                                warnings,
                                                optimizations, opChanges, operators, sizes, verification)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BenchEnvironment, cpu, engine, quantizedEngine, threads)
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
    return json;
}

Report reportFromJson(const nlohmann::json& json) { return json.get<Report>(); }

bool sameReport(const Report& a, const Report& b) { return toJson(a) == toJson(b); }

}  // namespace ptl
