// JSON serialization of the report, both ways. The same document is the CLI's --json output
// and the worker protocol's result; docs/report-schema.md describes it.
#pragma once

#include "ptl/compare.h"
#include "ptl/convert.h"
#include "ptl/export_readiness.h"
#include "ptl/report.h"

#include <nlohmann/json.hpp>

namespace ptl {

// With "exportReadiness" (export_readiness.h) added: derived, so reportFromJson ignores it.
nlohmann::json toJson(const Report& report);
Report reportFromJson(const nlohmann::json& json);  // throws nlohmann::json::exception

nlohmann::json toJson(const ExportReadiness& readiness);

// The worker's early graph events (docs/worker-protocol.md) on a report from JobControl::graphReady
// and graphDetailsReady: the file, module tree and forward's graph as they are, without tensors,
// the graphs in a compact form (nodes and values as arrays of fields: a big graph is written and
// read in less than half the time); then forward's schemas, source locations and sources, which
// withNodeDetails puts into a copy of the early report. The readers throw std::exception.
nlohmann::json earlyGraphJson(const Report& partial);
Report earlyGraphFromJson(const nlohmann::json& json);
nlohmann::json nodeDetailsJson(const Report& partial);
Report withNodeDetails(const Report& early, const nlohmann::json& details);

// Reports are equal when they serialize to the same document.
bool sameReport(const Report& a, const Report& b);

// The CLI's --json output of convert and bench.
nlohmann::json toJson(const ConvertResult& result);
nlohmann::json toJson(const BenchResult& result);
ConvertResult convertResultFromJson(const nlohmann::json& json);  // throws nlohmann::json::exception
BenchResult benchResultFromJson(const nlohmann::json& json);

// compare's result (the CLI's compare --json and the worker's compare result).
nlohmann::json toJson(const Comparison& comparison);
Comparison comparisonFromJson(const nlohmann::json& json);  // throws nlohmann::json::exception
nlohmann::json toJson(const ShapeSweep& sweep);             // as it appears in a report's "sweep"

// The worker's convert and bench requests (docs/worker-protocol.md). Reading throws
// std::invalid_argument for unknown names and nlohmann::json::exception for wrong types.
nlohmann::json toJson(const ConvertOptions& options);
ConvertOptions convertOptionsFromJson(const nlohmann::json& json);
nlohmann::json toJson(const BenchOptions& options);
BenchOptions benchOptionsFromJson(const nlohmann::json& json);

}  // namespace ptl
