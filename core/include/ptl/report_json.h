// JSON serialization of the report, both ways. The same document is the CLI's --json output
// and the worker protocol's result; docs/report-schema.md describes it.
#pragma once

#include "ptl/convert.h"
#include "ptl/report.h"

#include <nlohmann/json.hpp>

namespace ptl {

nlohmann::json toJson(const Report& report);
Report reportFromJson(const nlohmann::json& json);  // throws nlohmann::json::exception

// Reports are equal when they serialize to the same document.
bool sameReport(const Report& a, const Report& b);

// The CLI's --json output of convert and bench.
nlohmann::json toJson(const ConvertResult& result);
nlohmann::json toJson(const BenchResult& result);

}  // namespace ptl
