// The pickle stack machine; see pickle_scan.h. It follows LibTorch 1.13's Unpickler
// (torch/csrc/jit/serialization/unpickler.cpp) opcode by opcode, but carries only what a check
// needs: ints, strings, tuples, the storages of tensors, and how deep containers nest.
#include "pickle_scan.h"

#include "common/torch_text.h"
#include "ptl/report.h"

#include <c10/core/ScalarType.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace ptl {

namespace {

enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Callable, Storage, Tensor, Other };

struct Value;
using Items = std::vector<Value>;

// A list or dict; shared through the memo, so filling it is seen by every reference.
struct Container {
    int depth = 1;
    bool sealed = false;  // inside another value: filling it now would hide its depth from the parent
    Items items;  // a list's items when the reader keeps them (a dict's never are)
};

struct Value {
    Kind kind = Kind::None;
    int depth = 1;                          // of everything but lists and dicts (see depthOf)
    int64_t number = 0;                     // Int; a Storage's scalar type
    uint64_t count = 0;                     // a Storage's element count
    std::string_view text;                  // String; a Callable's global; a Storage's key
    std::shared_ptr<const Items> items;     // Tuple
    std::shared_ptr<Container> container;   // List, Dict
};

Value scalar(Kind kind, int64_t number = 0) {
    Value value;
    value.kind = kind;
    value.number = number;
    return value;
}

int depthOf(const Value& value) { return value.container ? value.container->depth : value.depth; }

uint64_t littleEndian(const std::string& bytes, size_t at, int width) {
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
    return value;
}

// Storage classes by the name LibTorch's unpickler resolves them from ("torch.FloatStorage").
std::optional<c10::ScalarType> storageType(std::string_view name) {
#define PTL_STORAGE_NAME(_, type) \
    if (name == #type "Storage") return c10::k##type;
    AT_FORALL_SCALAR_TYPES_WITH_COMPLEX_AND_QINTS(PTL_STORAGE_NAME)
#undef PTL_STORAGE_NAME
    return std::nullopt;
}

bool isStorageType(int64_t type) {
#define PTL_STORAGE_TYPE(_, name) \
    if (type == static_cast<int64_t>(c10::k##name)) return true;
    AT_FORALL_SCALAR_TYPES_WITH_COMPLEX_AND_QINTS(PTL_STORAGE_TYPE)
#undef PTL_STORAGE_TYPE
    return false;
}

// Quantization schemes LibTorch accepts as "torch.<name>" globals.
bool isQScheme(std::string_view name) {
    for (const char* scheme : {"per_tensor_affine", "per_channel_affine", "per_tensor_symmetric",
                               "per_channel_symmetric", "per_channel_affine_float_qparams"})
        if (name == scheme) return true;
    return false;
}

class Machine {
public:
    Machine(const std::string& bytes, const StorageRecords* storages) : bytes_(bytes), storages_(storages) {}

    // readPickle needs lists' items; a scan does not, and a list can be a large share of the file.
    void keepListItems() { keepListItems_ = true; }

    // The value STOP found on the stack; valid after run().
    const Value& result() const { return stack_.front(); }

    PickleScan run() {
        if (bytes_.empty()) damaged("no data");
        while (at_ < bytes_.size()) {
            start_ = at_;
            const unsigned char op = static_cast<unsigned char>(bytes_[at_++]);
            if (start_ == 0 && op != 0x80 && isKnown(op)) damaged("no PROTO opcode");
            if (op == '.') return stop();
            step(op);
        }
        at_ = start_ = bytes_.size();
        damaged("no STOP opcode");
    }

private:
    const std::string& bytes_;
    const StorageRecords* storages_;
    bool keepListItems_ = false;
    size_t at_ = 0;
    size_t start_ = 0;  // of the current opcode, for messages
    std::vector<Value> stack_;
    std::vector<size_t> marks_;
    std::vector<Value> memo_;
    std::vector<bool> memoSet_;
    std::deque<std::string> names_;  // owns the Callables' names
    PickleScan scan_;
    int tensors_ = 0;

    [[noreturn]] void damaged(const std::string& what) const {
        throw std::runtime_error("the pickle is damaged (" + what + " at byte " + std::to_string(start_) + ")");
    }

    // The opcodes LibTorch's unpickler implements; it refuses every other one.
    static bool isKnown(unsigned char op) {
        static const std::string_view known("()]}NKMJXGtldeusqrhj.cRbQ\x80\x81\x85\x86\x87\x88\x89\x8a", 34);
        return known.find(static_cast<char>(op)) != std::string_view::npos;
    }

    uint64_t operand(int width) {
        if (at_ + width > bytes_.size()) damaged("truncated operand");
        const uint64_t value = littleEndian(bytes_, at_, width);
        at_ += width;
        return value;
    }

    std::string_view text(uint64_t length) {
        if (length > bytes_.size() - at_) damaged("string runs past the end");
        const std::string_view value(bytes_.data() + at_, length);
        at_ += length;
        return value;
    }

    std::string_view line() {
        const size_t end = bytes_.find('\n', at_);
        if (end == std::string::npos) damaged("unterminated operand");
        const std::string_view value(bytes_.data() + at_, end - at_);
        at_ = end + 1;
        return value;
    }

    void need(size_t values, const char* op) const {
        if (stack_.size() < values) damaged(std::string(op) + " on a stack of " + std::to_string(stack_.size()));
    }

    Value pop() {
        Value value = std::move(stack_.back());
        stack_.pop_back();
        return value;
    }

    size_t popMark(const char* op) {
        if (marks_.empty()) damaged(std::string(op) + " without MARK");
        const size_t mark = marks_.back();
        marks_.pop_back();
        if (mark > stack_.size()) damaged(std::string(op) + " after its MARK was popped");
        return mark;
    }

    // Where a value goes into another, its depth counts and it may no longer be filled.
    int enclose(const Value& item, int depth) {
        if (item.container) item.container->sealed = true;
        depth = std::max(depth, depthOf(item) + 1);
        if (depth > kMaxPickleNesting)
            throw std::runtime_error("the pickle nests values more than " + std::to_string(kMaxPickleNesting) +
                                     " deep (at byte " + std::to_string(start_) + "), which LibTorch cannot read");
        return depth;
    }

    Value tuple(size_t from) {
        Value value = scalar(Kind::Tuple);
        for (size_t i = from; i < stack_.size(); ++i) value.depth = enclose(stack_[i], value.depth);
        value.items = std::make_shared<const Items>(std::make_move_iterator(stack_.begin() + from),
                                                    std::make_move_iterator(stack_.end()));
        stack_.resize(from);
        return value;
    }

    static Value container(Kind kind) {
        Value value = scalar(kind);
        value.container = std::make_shared<Container>();
        return value;
    }

    // Moves stack[from..] into the list or dict at `target`.
    void fill(Value& target, size_t from, Kind kind, const char* op) {
        if (target.kind != kind) damaged(std::string(op) + " on a value that is not a " + (kind == Kind::List ? "list" : "dict"));
        if (kind == Kind::Dict && (stack_.size() - from) % 2 != 0) damaged(std::string(op) + " with a key but no value");
        if (target.container->sealed) damaged(std::string(op) + " on a container already inside another value");
        for (size_t i = from; i < stack_.size(); ++i) {
            if (stack_[i].container == target.container) damaged(std::string(op) + " puts a container into itself");
            target.container->depth = enclose(stack_[i], target.container->depth);
        }
        if (kind == Kind::List && keepListItems_)
            target.container->items.insert(target.container->items.end(), std::make_move_iterator(stack_.begin() + from),
                                           std::make_move_iterator(stack_.end()));
        stack_.resize(from);
    }

    void memoize(uint64_t index) {
        need(1, "BINPUT");
        // The pickler numbers memo slots from 0; a larger slot than the pickle has bytes only allocates.
        if (index > bytes_.size()) damaged("memo slot " + std::to_string(index) + " out of range");
        if (index >= memo_.size()) memo_.resize(index + 1), memoSet_.resize(index + 1);
        memo_[index] = stack_.back();
        memoSet_[index] = true;
    }

    void recall(uint64_t index) {
        if (index >= memo_.size() || !memoSet_[index]) damaged("memo slot " + std::to_string(index) + " is undefined");
        stack_.push_back(memo_[index]);
    }

    void global() {
        const std::string_view module = line();
        const std::string_view name = line();
        names_.push_back(std::string(module) + "." + std::string(name));
        scan_.globals.push_back(names_.back());
        // Like LibTorch, storage classes and quantization schemes become numbers right away.
        if (module == "torch" && name.size() > 7 && name.substr(name.size() - 7) == "Storage") {
            const std::optional<c10::ScalarType> type = storageType(name);
            if (!type) damaged("unknown storage class 'torch." + std::string(name) + "'");
            stack_.push_back(scalar(Kind::Int, static_cast<int64_t>(*type)));
        } else if (module == "torch" && isQScheme(name)) {
            stack_.push_back(scalar(Kind::Int));
        } else {
            Value callable = scalar(Kind::Callable);
            callable.text = names_.back();
            stack_.push_back(std::move(callable));
        }
    }

    void step(unsigned char op) {
        switch (op) {
        case 0x80:  // PROTO
            if (start_ != 0) damaged("unknown opcode 128");
            if (operand(1) != 2) damaged("pickle protocol other than 2");
            break;
        case '(': marks_.push_back(stack_.size()); break;
        case ')': {
            Value empty = scalar(Kind::Tuple);
            empty.items = std::make_shared<const Items>();
            stack_.push_back(std::move(empty));
            break;
        }
        case ']': stack_.push_back(container(Kind::List)); break;
        case '}': stack_.push_back(container(Kind::Dict)); break;
        case 'N': stack_.push_back(scalar(Kind::None)); break;
        case 0x88:
        case 0x89: stack_.push_back(scalar(Kind::Bool)); break;
        case 'K': stack_.push_back(scalar(Kind::Int, static_cast<int64_t>(operand(1)))); break;
        case 'M': stack_.push_back(scalar(Kind::Int, static_cast<int64_t>(operand(2)))); break;
        case 'J': stack_.push_back(scalar(Kind::Int, static_cast<int32_t>(operand(4)))); break;
        case 0x8a:  // LONG1: LibTorch reads 8-byte ones only
            if (operand(1) != 8) damaged("LONG1 of a length other than 8");
            stack_.push_back(scalar(Kind::Int, static_cast<int64_t>(operand(8))));
            break;
        case 'G':
            operand(8);
            stack_.push_back(scalar(Kind::Float));
            break;
        case 'X': {
            Value value = scalar(Kind::String);
            value.text = text(operand(4));
            stack_.push_back(std::move(value));
            break;
        }
        case 't': {
            const size_t mark = popMark("TUPLE");
            stack_.push_back(tuple(mark));
            break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {
            const size_t size = op - 0x84u;
            need(size, op == 0x85 ? "TUPLE1" : op == 0x86 ? "TUPLE2" : "TUPLE3");
            stack_.push_back(tuple(stack_.size() - size));
            break;
        }
        case 'l': {
            const size_t mark = popMark("LIST");
            Value list = container(Kind::List);
            fill(list, mark, Kind::List, "LIST");
            stack_.push_back(std::move(list));
            break;
        }
        case 'd': {
            const size_t mark = popMark("DICT");
            Value dict = container(Kind::Dict);
            fill(dict, mark, Kind::Dict, "DICT");
            stack_.push_back(std::move(dict));
            break;
        }
        case 'e':
        case 'u': {
            const char* name = op == 'e' ? "APPENDS" : "SETITEMS";
            const size_t mark = popMark(name);
            if (mark == 0) damaged(std::string(name) + " without a container");
            fill(stack_[mark - 1], mark, op == 'e' ? Kind::List : Kind::Dict, name);
            break;
        }
        case 's':
            need(3, "SETITEM");
            fill(stack_[stack_.size() - 3], stack_.size() - 2, Kind::Dict, "SETITEM");
            break;
        case 'q': memoize(operand(1)); break;
        case 'r': memoize(operand(4)); break;
        case 'h': recall(operand(1)); break;
        case 'j': recall(operand(4)); break;
        case 'c': global(); break;
        case 0x81:  // NEWOBJ: LibTorch drops the argument tuple; BUILD then calls the class
            need(1, "NEWOBJ");
            stack_.pop_back();
            break;
        case 'R':
        case 'b': {
            need(2, op == 'R' ? "REDUCE" : "BUILD");
            Value args = pop();
            const Value callable = pop();
            if (callable.kind != Kind::Callable) damaged(std::string(op == 'R' ? "REDUCE" : "BUILD") + " without a global to call");
            stack_.push_back(call(callable.text, std::move(args)));
            break;
        }
        case 'Q':
            need(1, "BINPERSID");
            stack_.push_back(storage(pop()));
            break;
        default: damaged("unknown opcode " + std::to_string(op));
        }
    }

    PickleScan stop() {
        if (stack_.size() != 1) damaged("STOP with " + std::to_string(stack_.size()) + " values on the stack");
        scan_.nesting = depthOf(stack_.front());
        return std::move(scan_);
    }

    // ---- what the called globals make of their arguments --------------------------------------

    const Items& argsOf(const Value& args, std::string_view callable, size_t minimum) const {
        if (args.kind != Kind::Tuple || args.items->size() < minimum)
            damaged("malformed arguments to " + std::string(callable));
        return *args.items;
    }

    Value call(std::string_view callable, Value args) {
        if (callable == "torch._utils._rebuild_tensor_v2") return rebuildTensor(argsOf(args, callable, 5));
        if (callable == "torch._utils._rebuild_qtensor") return rebuildTensor(argsOf(args, callable, 6));
        if (callable.substr(0, 24) == "torch.jit._pickle.build_" && callable != "torch.jit._pickle.build_tensor_from_id") {
            const Items& items = argsOf(args, callable, 1);
            if (items[0].kind != Kind::List) damaged("malformed arguments to " + std::string(callable));
            return items[0];
        }
        if (callable == "torch.jit._pickle.restore_type_tag") {
            const Items& items = argsOf(args, callable, 2);
            if (items[1].kind != Kind::String) damaged("malformed arguments to " + std::string(callable));
            checkTypeName(items[1].text);
            return items[0];
        }
        if (callable == "collections.OrderedDict") return scalar(Kind::None);
        // A module or class object built from its state, a device, anything else: one level deeper.
        Value result = scalar(Kind::Other);
        result.depth = enclose(args, 1);
        return result;
    }

    // LibTorch parses type names recursively: "List[List[...]]" nests like a value.
    void checkTypeName(std::string_view name) {
        int depth = 0;
        for (char c : name) {
            if (c == '[' || c == '(') ++depth;
            if (c == ']' || c == ')') --depth;
            if (depth > kMaxPickleNesting)
                throw std::runtime_error("the pickle names a type nested more than " + std::to_string(kMaxPickleNesting) +
                                         " deep (at byte " + std::to_string(start_) + "), which LibTorch cannot read");
        }
    }

    std::string storageName(const Value& storage) const {
        return "'" + (storages_ ? storages_->folder : std::string()) + std::string(storage.text) + "'";
    }

    std::string elementsText(const Value& storage) const {
        return std::to_string(storage.count) + " " + detail::dtypeName(static_cast<c10::ScalarType>(storage.number)) +
               (storage.count == 1 ? " element" : " elements");
    }

    // BINPERSID ('storage', scalar type, key, location, element count): a tensor's storage record.
    Value storage(const Value& id) {
        if (id.kind != Kind::Tuple || id.items->size() < 5) damaged("malformed persistent id");
        const Items& fields = *id.items;
        if (fields[0].kind != Kind::String || fields[0].text != "storage" || fields[1].kind != Kind::Int ||
            !isStorageType(fields[1].number) || fields[2].kind != Kind::String || fields[3].kind != Kind::String ||
            fields[4].kind != Kind::Int || fields[4].number < 0)
            damaged("malformed persistent id");
        Value storage = scalar(Kind::Storage, fields[1].number);
        storage.count = static_cast<uint64_t>(fields[4].number);
        storage.text = fields[2].text;
        const uint64_t itemSize = c10::elementSize(static_cast<c10::ScalarType>(storage.number));
        if (storage.count > (uint64_t(1) << 62) / itemSize)
            throw std::runtime_error("storage " + storageName(storage) + " declares " + std::to_string(storage.count) +
                                     " elements, more than any file can hold");
        // LibTorch reads no record for an empty storage.
        if (storages_ && storage.count > 0) {
            const uint64_t needed = storage.count * itemSize;
            const std::optional<uint64_t> held = storages_->bytesOf(std::string(storage.text));
            if (!held) throw std::runtime_error("storage " + storageName(storage) + " is missing from the archive");
            if (*held != needed)
                throw std::runtime_error("storage " + storageName(storage) + " holds " + humanBytes(*held) + ", but " +
                                         elementsText(storage) + " (" + humanBytes(needed) + ") are declared for it");
        }
        return storage;
    }

    // (storage, offset, sizes, strides, ...): the view must lie inside the storage.
    Value rebuildTensor(const Items& args) {
        const int index = tensors_++;
        const Value& storage = args[0];
        if (storage.kind != Kind::Storage || args[1].kind != Kind::Int || args[2].kind != Kind::Tuple ||
            args[3].kind != Kind::Tuple || args[2].items->size() != args[3].items->size())
            damaged("malformed tensor record");
        const std::string tensor = "tensor #" + std::to_string(index) + " (storage " + storageName(storage) + ")";
        const Items& sizes = *args[2].items;
        const Items& strides = *args[3].items;
        if (args[1].number < 0) throw std::runtime_error(tensor + " starts at a negative offset");
        for (size_t dim = 0; dim < sizes.size(); ++dim) {
            if (sizes[dim].kind != Kind::Int || strides[dim].kind != Kind::Int) damaged("malformed tensor record");
            if (sizes[dim].number < 0) throw std::runtime_error(tensor + " has a negative size");
            if (strides[dim].number < 0) throw std::runtime_error(tensor + " has a negative stride");
        }
        const bool empty = std::any_of(sizes.begin(), sizes.end(), [](const Value& size) { return size.number == 0; });
        // The last element the view touches; every term is >= 0, so stop as soon as it is past the end.
        __int128 last = args[1].number;
        for (size_t dim = 0; dim < sizes.size() && !empty && last < static_cast<__int128>(storage.count); ++dim)
            last += static_cast<__int128>(sizes[dim].number - 1) * strides[dim].number;
        if (!empty && last >= static_cast<__int128>(storage.count))
            throw std::runtime_error(tensor + " reaches past the end of its " + elementsText(storage) +
                                     ": its view lies outside the storage");
        return scalar(Kind::Tensor);
    }
};

// Tuples become shared item lists once each, however often the memo repeats them: a pickle of
// a few bytes can name a tuple of tuples 2^60 times over.
class ValueCopier {
public:
    PickleValue copy(const Value& value) {
        PickleValue copied;
        switch (value.kind) {
        case Kind::Int: copied.kind = PickleValue::Kind::Int; copied.number = value.number; break;
        case Kind::String: copied.kind = PickleValue::Kind::String; copied.text = std::string(value.text); break;
        case Kind::Tuple: copied.kind = PickleValue::Kind::Tuple; copied.items = itemsOf(*value.items); break;
        case Kind::List: copied.kind = PickleValue::Kind::List; copied.items = itemsOf(value.container->items); break;
        case Kind::None: copied.kind = PickleValue::Kind::None; break;
        default: break;
        }
        return copied;
    }

private:
    std::shared_ptr<const std::vector<PickleValue>> itemsOf(const Items& items) {
        auto& copied = copies_[&items];
        if (!copied) {
            // Nesting is at most kMaxPickleNesting deep (the scan refused deeper), so recursion is bounded.
            auto list = std::make_shared<std::vector<PickleValue>>();
            list->reserve(items.size());
            for (const Value& item : items) list->push_back(copy(item));
            copied = std::move(list);
        }
        return copied;
    }

    std::map<const Items*, std::shared_ptr<const std::vector<PickleValue>>> copies_;
};

}  // namespace

PickleScan scanPickle(const std::string& bytes, const StorageRecords* storages) {
    return Machine(bytes, storages).run();
}

PickleValue readPickle(const std::string& bytes, PickleScan* scan) {
    Machine machine(bytes, nullptr);
    machine.keepListItems();
    PickleScan found = machine.run();
    if (scan) *scan = std::move(found);
    return ValueCopier().copy(machine.result());
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
