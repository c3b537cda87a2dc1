// Runs a pickle on a stack machine that mirrors LibTorch's unpickler without building anything:
// truncation, garbage, stack and mark underflow, undefined memo slots, nesting too deep for
// LibTorch's recursive code, and tensors whose view lies outside their storage record are found
// here, so a hostile or damaged pickle is refused with a clear message before LibTorch reads it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ptl {

struct PickleScan {
    std::vector<std::string> globals;  // "module.name" for every GLOBAL
    int nesting = 0;                   // deepest container nesting of the result
};

// What a pickle holds, as far as a check reads it: ints, strings, None, tuples and lists (Lite
// bytecode and debug information are made of them); any other value is Other, without its content.
struct PickleValue {
    enum class Kind { Int, String, None, Tuple, List, Other };
    Kind kind = Kind::Other;
    int64_t number = 0;                                     // Int
    std::string text;                                       // String
    std::shared_ptr<const std::vector<PickleValue>> items;  // Tuple, List; shared where the pickle's memo shares it
};

// Where the tensors' storage records of one pickle live ("data/" for data.pkl, "constants/" for
// constants.pkl and bytecode.pkl) and their sizes; nullopt when the archive has no such record.
struct StorageRecords {
    std::string folder;
    std::function<std::optional<uint64_t>(const std::string& name)> bytesOf;
};

// Containers nested deeper than this are refused: LibTorch builds and frees them recursively.
// tests/bench/load_limits.py measured LibTorch 1.13 on an 8 MiB stack (main thread and a worker
// thread alike): it survives about 100,000 nested tuples and 127,000 nested lists, and 1M
// overflow it. Each module of a chain adds two levels (object and state dict); real models
// stay below 100.
constexpr int kMaxPickleNesting = 2000;

// Throws std::runtime_error naming the problem (and the byte offset for damaged data). With
// storages, every rebuilt tensor is checked against its storage record.
PickleScan scanPickle(const std::string& bytes, const StorageRecords* storages = nullptr);

// The value the pickle makes, after the same checks as scanPickle (which throw the same way);
// what the scan found goes to `scan` when given.
PickleValue readPickle(const std::string& bytes, PickleScan* scan = nullptr);

// Globals that TorchScript's own pickler writes; anything else means the file was not
// produced by torch.jit.save / _save_for_lite_interpreter.
bool isTorchScriptGlobal(const std::string& global);

}  // namespace ptl
