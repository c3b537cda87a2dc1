// A bounds-checked reader of the zip container TorchScript and Lite models are stored in.
// It reads the central directory only and refuses hostile or broken archives (truncation,
// entries past the end, zip bombs) before LibTorch's own reader touches the file.
#pragma once

#include "ptl/report.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace ptl {

struct ZipEntry {
    std::string name;
    uint16_t method = 0;              // 0 stored, 8 deflated
    uint64_t compressedSize = 0;
    uint64_t uncompressedSize = 0;
    uint64_t localHeaderOffset = 0;
    uint64_t dataOffset = 0;          // of the stored bytes, past the local header
    uint32_t crc32 = 0;               // of the uncompressed bytes, from the central directory
};

class ZipArchive {
public:
    // Throws std::runtime_error with a user-facing problem description.
    explicit ZipArchive(const std::string& path);

    const std::vector<ZipEntry>& entries() const { return entries_; }
    const ZipEntry* find(const std::string& name) const;
    // Reads (and inflates) one entry, refusing entries larger than maxBytes.
    std::string read(const ZipEntry& entry, uint64_t maxBytes) const;
    // Streams every entry through inflate and CRC-32: damage LibTorch's reader would not notice.
    void verifyContents() const;

    static constexpr uint64_t kMaxEntries = 1'000'000;
    static constexpr uint64_t kMaxExpansion = 200;              // deflate ratio considered a bomb
    static constexpr uint64_t kMaxTotalBytes = 64ull << 30;    // 64 GiB declared in all
    // Models store tensors uncompressed and deflate only code and debug info: all entries
    // together expand to at most this many times the file, plus a margin for small files.
    static constexpr uint64_t kMaxArchiveExpansion = 20;
    static constexpr uint64_t kExpansionMargin = 64ull << 20;

private:
    uint64_t fileSize_ = 0;
    mutable std::ifstream in_;
    std::vector<ZipEntry> entries_;
    std::unordered_map<std::string, size_t> byName_;

    std::string readAt(uint64_t offset, uint64_t size) const;
    void readCentralDirectory();
    void checkEntry(ZipEntry& entry) const;
    void checkLayout(uint64_t totalBytes) const;
    uint64_t dataOffset(const ZipEntry& entry) const;
    void checkLocalHeader(const ZipEntry& entry) const;
    void verifyEntry(const ZipEntry& entry) const;
};


}  // namespace ptl
