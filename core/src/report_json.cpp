#include "ptl/report_json.h"

#include <map>

namespace ptl {

NLOHMANN_JSON_SERIALIZE_ENUM(Severity, {{Severity::Info, "info"},
                                        {Severity::Warning, "warning"},
                                        {Severity::Error, "error"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceLocation, file, line, column, text, traced)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceSnippet, file, firstLine, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Value, id, name, type, shapeKnown, shape, dtype,
                                                producer)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Block, inputs, outputs, nodes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Node, id, kind, schema, inputs, outputs, attributes,
                                                scope, source, parent, parentBlock, blocks)
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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Verification, compared, maxAbsDiff, tolerance, inputs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConvertResult, input, output, opsYaml, inputBytes, outputBytes,
                                                bytecodeVersion, optimizations, opChanges, operators, verification)
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
