// Checking code/*.debug_pkl source ranges; see debug_record.h.
#include "load/debug_record.h"

#include <vector>

namespace ptl::detail {

namespace {

using Kind = PickleValue::Kind;
using Items = std::vector<PickleValue>;

constexpr const char* kFormatWithStringTable = "FORMAT_WITH_STRING_TABLE";

const Items* itemsOf(const PickleValue& value, Kind kind) {
    return value.kind == kind ? value.items.get() : nullptr;
}

// The texts a source is made of: a string table, or (older files) none, each source carrying its text.
class SourceReader {
public:
    explicit SourceReader(const Items* table) : table_(table) {}

    // The length of the source's text, or -1 with `problem` set.
    int64_t length(const PickleValue& source, std::string& problem) const {
        const Items* parts = itemsOf(source, Kind::Tuple);
        if (!parts || parts->size() != 3 || (*parts)[2].kind != Kind::Int) {
            problem = "a source that is not (text, file name, first line)";
            return -1;
        }
        if (!table_) {
            const PickleValue& file = (*parts)[1];
            if ((*parts)[0].kind != Kind::String || (file.kind != Kind::String && file.kind != Kind::None)) {
                problem = "a source whose text or file name is not a string";
                return -1;
            }
            return static_cast<int64_t>((*parts)[0].text.size());
        }
        const Items* pieces = itemsOf((*parts)[0], Kind::List);
        if (!pieces || !inTable((*parts)[1])) {
            problem = "a source whose text or file name is not in the string table";
            return -1;
        }
        int64_t total = 0;
        for (const PickleValue& piece : *pieces) {
            if (!inTable(piece)) {
                problem = "a source text index outside the string table of " + std::to_string(table_->size());
                return -1;
            }
            total += static_cast<int64_t>((*table_)[static_cast<size_t>(piece.number)].text.size());
        }
        return total;
    }

private:
    bool inTable(const PickleValue& index) const {
        return index.kind == Kind::Int && index.number >= 0 && static_cast<uint64_t>(index.number) < table_->size();
    }

    const Items* table_;
};

// One (offset, range[, tag]) record, range being (source, start, end). LibTorch reads fields 0 and 1
// without counting them.
std::string recordProblem(const PickleValue& record, const SourceReader& sources) {
    const Items* row = itemsOf(record, Kind::Tuple);
    if (!row || row->size() < 2 || (*row)[0].kind != Kind::Int) return "a record that is not (offset, range, tag)";
    const Items* range = itemsOf((*row)[1], Kind::Tuple);
    if (!range || range->size() != 3 || (*range)[1].kind != Kind::Int || (*range)[2].kind != Kind::Int)
        return "a record whose range is not (source, start, end)";
    std::string problem;
    const int64_t length = sources.length((*range)[0], problem);
    if (length < 0) return problem;
    const int64_t start = (*range)[1].number;
    const int64_t end = (*range)[2].number;
    // TorchScript itself writes 0..1 on a source with no text (generated code); no text is read there.
    if (length == 0 && start == 0 && end <= 1) return {};
    if (start < 0 || end < start || end > length)
        return "a source range " + std::to_string(start) + ".." + std::to_string(end) + " outside its " +
               std::to_string(length) + "-character source";
    return {};
}

}  // namespace

std::string debugRecordProblem(const PickleValue& debugInfo) {
    const Items* top = itemsOf(debugInfo, Kind::Tuple);
    if (!top || top->empty()) return "is not a tuple of source range records";
    const Items* records = top;
    const Items* table = nullptr;
    if ((*top)[0].kind == Kind::String && (*top)[0].text == kFormatWithStringTable) {
        table = top->size() >= 3 ? itemsOf((*top)[1], Kind::Tuple) : nullptr;
        records = top->size() >= 3 ? itemsOf((*top)[2], Kind::Tuple) : nullptr;
        if (!table || !records) return "has no string table and records after its format tag";
        for (const PickleValue& text : *table)
            if (text.kind != Kind::String) return "has a string table entry that is not a string";
        // LibTorch keeps to the old layout when the table is empty.
        if (table->empty()) table = nullptr;
    }
    const SourceReader sources(table);
    for (size_t i = 0; i < records->size(); ++i) {
        const std::string problem = recordProblem((*records)[i], sources);
        if (!problem.empty()) return "has " + problem + " (record " + std::to_string(i) + ")";
    }
    return {};
}

}  // namespace ptl::detail
