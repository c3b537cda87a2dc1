// JSON text of data that may hold bytes that are not UTF-8 (a path with \xff, a zip entry's name,
// a string from a model's debug pickle): such bytes become U+FFFD instead of aborting the dump.
// Every JSON the CLI and the worker print goes through here.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ptl::cli {

inline std::string jsonText(const nlohmann::json& value, int indent = -1) {
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ptl::cli
