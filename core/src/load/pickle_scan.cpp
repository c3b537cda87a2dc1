#include "pickle_scan.h"

#include <cstdint>
#include <stdexcept>

namespace ptl {

namespace {

enum class Arg { None, Fixed, Length, Line, TwoLines };

struct OpInfo {
    Arg arg = Arg::None;
    int width = 0;  // bytes of a fixed argument, or of the length prefix
    bool known = false;
};

const OpInfo* opcodeTable() {
    static OpInfo table[256];
    static bool ready = false;
    if (ready) return table;
    auto set = [](const char* ops, Arg arg, int width) {
        for (const char* op = ops; *op; ++op) table[static_cast<unsigned char>(*op)] = {arg, width, true};
    };
    set("(.012N}a]bde)ltsuRQo", Arg::None, 0);
    set("\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98", Arg::None, 0);
    set("Khq\x80\x82", Arg::Fixed, 1);
    set("M\x83", Arg::Fixed, 2);
    set("Jjr\x84", Arg::Fixed, 4);
    set("G\x95", Arg::Fixed, 8);
    set("U\x8c" "C\x8a", Arg::Length, 1);
    set("TXB\x8b", Arg::Length, 4);
    set("\x8d\x8e\x96", Arg::Length, 8);
    set("ILSVFgpP", Arg::Line, 0);
    set("ci", Arg::TwoLines, 0);
    ready = true;
    return table;
}

uint64_t littleEndian(const std::string& bytes, size_t at, int width) {
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    return value;
}

[[noreturn]] void damaged(const std::string& what, size_t offset) {
    throw std::runtime_error("the pickle is damaged (" + what + " at byte " + std::to_string(offset) + ")");
}

}  // namespace

PickleScan scanPickle(const std::string& bytes) {
    const OpInfo* table = opcodeTable();
    PickleScan scan;
    std::string lastStrings[2];  // operands of STACK_GLOBAL
    size_t at = 0;
    if (bytes.empty()) damaged("no data", 0);
    while (at < bytes.size()) {
        const size_t start = at;
        const unsigned char op = static_cast<unsigned char>(bytes[at++]);
        const OpInfo& info = table[op];
        if (!info.known) damaged("unknown opcode " + std::to_string(op), start);
        if (op == '.') return scan;
        switch (info.arg) {
        case Arg::None:
            if (op == 0x93) scan.globals.push_back(lastStrings[0] + "." + lastStrings[1]);
            break;
        case Arg::Fixed:
            if (at + info.width > bytes.size()) damaged("truncated operand", start);
            at += info.width;
            break;
        case Arg::Length: {
            if (at + info.width > bytes.size()) damaged("truncated length", start);
            const uint64_t length = littleEndian(bytes, at, info.width);
            at += info.width;
            if (length > bytes.size() - at) damaged("string runs past the end", start);
            if (op == 0x8c || op == 'X' || op == 0x8d) {
                lastStrings[0] = lastStrings[1];
                lastStrings[1] = bytes.substr(at, length);
            }
            at += length;
            break;
        }
        case Arg::Line:
        case Arg::TwoLines: {
            const size_t first = bytes.find('\n', at);
            if (first == std::string::npos) damaged("unterminated operand", start);
            size_t end = first;
            if (info.arg == Arg::TwoLines) {
                end = bytes.find('\n', first + 1);
                if (end == std::string::npos) damaged("unterminated operand", start);
                if (op == 'c' || op == 'i')
                    scan.globals.push_back(bytes.substr(at, first - at) + "." +
                                           bytes.substr(first + 1, end - first - 1));
            }
            at = end + 1;
            break;
        }
        }
    }
    damaged("no STOP opcode", bytes.size());
}

bool isTorchScriptGlobal(const std::string& global) {
    static const char* prefixes[] = {"__torch__.", "torch._utils._rebuild_", "torch.jit._pickle.",
                                     "collections.OrderedDict", "torch.per_", "torch.device"};
    for (const char* prefix : prefixes)
        if (global.rfind(prefix, 0) == 0) return true;
    // Storage classes of the tensors: torch.FloatStorage, torch.QInt8Storage, ...
    const std::string storage = "Storage";
    return global.rfind("torch.", 0) == 0 && global.find('.', 6) == std::string::npos &&
           global.size() > storage.size() && global.compare(global.size() - storage.size(), storage.size(), storage) == 0;
}

}  // namespace ptl
