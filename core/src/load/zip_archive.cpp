#include "zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace ptl {

namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;

uint64_t le(const std::string& bytes, size_t offset, int width) {
    if (offset + width > bytes.size()) throw std::runtime_error("the zip directory is truncated");
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i)
        value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
    return value;
}

[[noreturn]] void fail(const std::string& problem) { throw std::runtime_error(problem); }

}  // namespace

ZipArchive::ZipArchive(const std::string& path) : in_(path, std::ios::binary) {
    if (!in_) fail("cannot be opened");
    in_.seekg(0, std::ios::end);
    fileSize_ = static_cast<uint64_t>(in_.tellg());
    readCentralDirectory();
}

std::string ZipArchive::readAt(uint64_t offset, uint64_t size) const {
    if (offset > fileSize_ || size > fileSize_ - offset) fail("the zip archive is truncated");
    std::string bytes(size, '\0');
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(bytes.data(), static_cast<std::streamsize>(size));
    if (static_cast<uint64_t>(in_.gcount()) != size) fail("read error");
    return bytes;
}

void ZipArchive::readCentralDirectory() {
    // The end-of-central-directory record sits in the last 22 bytes plus an optional comment.
    const uint64_t tailSize = std::min<uint64_t>(fileSize_, 22 + 65535);
    const std::string tail = readAt(fileSize_ - tailSize, tailSize);
    size_t eocd = std::string::npos;
    for (size_t i = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; i-- > 0;) {
        if (le(tail, i, 4) == kEndOfCentralDirectory) {
            eocd = i;
            break;
        }
    }
    if (eocd == std::string::npos)
        fail("the zip archive has no central directory: the file is truncated or damaged");

    uint64_t entryCount = le(tail, eocd + 10, 2);
    uint64_t directorySize = le(tail, eocd + 12, 4);
    uint64_t directoryOffset = le(tail, eocd + 16, 4);
    const uint64_t eocdOffset = fileSize_ - tailSize + eocd;
    if (entryCount == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF) {
        if (eocdOffset < 20) fail("the zip64 directory locator is missing");
        const std::string locator = readAt(eocdOffset - 20, 20);
        if (le(locator, 0, 4) != kZip64Locator) fail("the zip64 directory locator is missing");
        const std::string end64 = readAt(le(locator, 8, 8), 56);
        if (le(end64, 0, 4) != kZip64End) fail("the zip64 directory record is damaged");
        entryCount = le(end64, 32, 8);
        directorySize = le(end64, 40, 8);
        directoryOffset = le(end64, 48, 8);
    }
    if (entryCount > kMaxEntries) fail("the zip archive declares " + std::to_string(entryCount) + " entries");
    if (directoryOffset > fileSize_ || directorySize > fileSize_ - directoryOffset)
        fail("the zip central directory points past the end of the file: the file is truncated");

    const std::string directory = readAt(directoryOffset, directorySize);
    size_t at = 0;
    uint64_t totalBytes = 0;
    for (uint64_t i = 0; i < entryCount; ++i) {
        if (le(directory, at, 4) != kCentralHeader) fail("the zip central directory is damaged");
        ZipEntry entry;
        entry.method = static_cast<uint16_t>(le(directory, at + 10, 2));
        entry.crc32 = static_cast<uint32_t>(le(directory, at + 16, 4));
        entry.compressedSize = le(directory, at + 20, 4);
        entry.uncompressedSize = le(directory, at + 24, 4);
        const size_t nameLength = le(directory, at + 28, 2);
        const size_t extraLength = le(directory, at + 30, 2);
        const size_t commentLength = le(directory, at + 32, 2);
        entry.localHeaderOffset = le(directory, at + 42, 4);
        if (at + 46 + nameLength + extraLength > directory.size())
            fail("the zip central directory is damaged");
        entry.name = directory.substr(at + 46, nameLength);
        // Zip64 extra field: 64-bit values for whichever 32-bit fields are saturated.
        for (size_t extra = at + 46 + nameLength; extra + 4 <= at + 46 + nameLength + extraLength;) {
            const uint64_t id = le(directory, extra, 2);
            const uint64_t size = le(directory, extra + 2, 2);
            if (id == 0x0001) {
                size_t field = extra + 4;
                if (entry.uncompressedSize == 0xFFFFFFFF) entry.uncompressedSize = le(directory, field, 8), field += 8;
                if (entry.compressedSize == 0xFFFFFFFF) entry.compressedSize = le(directory, field, 8), field += 8;
                if (entry.localHeaderOffset == 0xFFFFFFFF) entry.localHeaderOffset = le(directory, field, 8);
            }
            extra += 4 + size;
        }
        at += 46 + nameLength + extraLength + commentLength;
        checkEntry(entry);
        totalBytes += entry.uncompressedSize;
        if (totalBytes > kMaxTotalBytes)
            fail("the zip archive declares " + humanBytes(totalBytes) + " of content, over the " +
                 humanBytes(kMaxTotalBytes) + " limit");
        // LibTorch's reader and ours could pick different copies of a name: refuse the ambiguity.
        if (!byName_.emplace(entry.name, entries_.size()).second)
            fail("entry '" + entry.name + "' appears twice in the zip archive: refusing an ambiguous archive");
        entries_.push_back(std::move(entry));
    }
    checkLayout(totalBytes);
}

// Entries that share bytes expand one stream many times; each must own its range of the file.
void ZipArchive::checkLayout(uint64_t totalBytes) const {
    if (totalBytes > kExpansionMargin + kMaxArchiveExpansion * fileSize_)
        fail("the zip archive would expand " + humanBytes(fileSize_) + " to " + humanBytes(totalBytes) +
             ": refusing a likely zip bomb");
    std::vector<const ZipEntry*> byOffset;
    byOffset.reserve(entries_.size());
    for (const ZipEntry& entry : entries_) byOffset.push_back(&entry);
    std::sort(byOffset.begin(), byOffset.end(),
              [](const ZipEntry* a, const ZipEntry* b) {
                  return a->localHeaderOffset != b->localHeaderOffset ? a->localHeaderOffset < b->localHeaderOffset
                                                                      : a->name < b->name;
              });
    for (size_t i = 1; i < byOffset.size(); ++i) {
        const ZipEntry& before = *byOffset[i - 1];
        if (before.dataOffset + before.compressedSize > byOffset[i]->localHeaderOffset)
            fail("entries '" + before.name + "' and '" + byOffset[i]->name +
                 "' overlap in the file: refusing a likely zip bomb");
    }
}

void ZipArchive::checkEntry(ZipEntry& entry) const {
    const std::string name = "entry '" + entry.name + "'";
    if (entry.method != 0 && entry.method != 8)
        fail(name + " uses zip compression method " + std::to_string(entry.method) +
             ", which PyTorch cannot read");
    if (entry.localHeaderOffset > fileSize_ || entry.compressedSize > fileSize_)
        fail(name + " lies past the end of the file: the file is truncated");
    if (entry.method == 0 && entry.uncompressedSize != entry.compressedSize)
        fail(name + " declares " + humanBytes(entry.uncompressedSize) + " but stores " +
             humanBytes(entry.compressedSize) + ": the archive is damaged");
    if (entry.method == 8 && entry.uncompressedSize > kMaxExpansion * std::max<uint64_t>(entry.compressedSize, 1))
        fail(name + " would expand " + humanBytes(entry.compressedSize) + " to " +
             humanBytes(entry.uncompressedSize) + ": refusing a likely zip bomb");
    entry.dataOffset = dataOffset(entry);
    if (entry.dataOffset + entry.compressedSize > fileSize_)
        fail(name + " lies past the end of the file: the file is truncated");
}

uint64_t ZipArchive::dataOffset(const ZipEntry& entry) const {
    const std::string header = readAt(entry.localHeaderOffset, 30);
    if (le(header, 0, 4) != kLocalHeader) fail("entry '" + entry.name + "' has a damaged header");
    return entry.localHeaderOffset + 30 + le(header, 26, 2) + le(header, 28, 2);
}

const ZipEntry* ZipArchive::find(const std::string& name) const {
    const auto found = byName_.find(name);
    return found == byName_.end() ? nullptr : &entries_[found->second];
}

std::string ZipArchive::read(const ZipEntry& entry, uint64_t maxBytes) const {
    if (entry.uncompressedSize > maxBytes)
        fail("entry '" + entry.name + "' declares " + humanBytes(entry.uncompressedSize) +
             ", over the " + humanBytes(maxBytes) + " limit for it");
    const std::string stored = readAt(entry.dataOffset, entry.compressedSize);
    if (entry.method == 0) return stored;

    std::string out(entry.uncompressedSize, '\0');
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) fail("cannot inflate entry '" + entry.name + "'");
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stored.data()));
    stream.avail_in = static_cast<uInt>(stored.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int status = inflate(&stream, Z_FINISH);
    const uint64_t produced = stream.total_out;
    inflateEnd(&stream);
    if (status != Z_STREAM_END || produced != entry.uncompressedSize)
        fail("entry '" + entry.name + "' does not inflate to its declared size: the archive is damaged");
    return out;
}

void ZipArchive::verifyContents() const {
    for (const ZipEntry& entry : entries_) verifyEntry(entry);
}

void ZipArchive::checkLocalHeader(const ZipEntry& entry) const {
    const std::string header = readAt(entry.localHeaderOffset, 30);
    const std::string name = "entry '" + entry.name + "'";
    if (le(header, 0, 4) != kLocalHeader) fail(name + " has a damaged header");
    // Readers differ in which copy they trust (LibTorch's the central directory, others the local
    // header), so the two must agree: a disagreement is damage or a disguise.
    const uint64_t flags = le(header, 6, 2);
    if (flags & 0x1) fail(name + " is encrypted, which PyTorch cannot read");
    if (le(header, 8, 2) != entry.method)
        fail(name + ": its local header and the zip central directory disagree on the compression method");
    const bool sizesAfterData = flags & 0x8;  // a data descriptor follows: the header holds zeros
    const uint64_t localCompressed = le(header, 18, 4), localUncompressed = le(header, 22, 4);
    const bool zip64 = localCompressed == 0xFFFFFFFF || localUncompressed == 0xFFFFFFFF;
    if (!sizesAfterData && le(header, 14, 4) != entry.crc32)
        fail(name + ": its local header and the zip central directory disagree on the CRC-32");
    if (!sizesAfterData && !zip64 && (localCompressed != entry.compressedSize || localUncompressed != entry.uncompressedSize))
        fail(name + ": its local header and the zip central directory disagree on its size");
}

// In chunks, so a multi-gigabyte tensor record never sits in memory whole.
void ZipArchive::verifyEntry(const ZipEntry& entry) const {
    checkLocalHeader(entry);
    constexpr uint64_t kChunk = 1 << 20;
    const std::string damaged = "entry '" + entry.name + "' ";
    z_stream stream{};
    if (entry.method == 8 && inflateInit2(&stream, -MAX_WBITS) != Z_OK) fail("cannot inflate " + damaged);
    std::string out(entry.method == 8 ? kChunk : 0, '\0');
    uLong crc = crc32(0, nullptr, 0);
    uint64_t produced = 0;
    int status = Z_OK;
    for (uint64_t done = 0; done < entry.compressedSize || (entry.method == 8 && status == Z_OK);) {
        const uint64_t size = std::min(kChunk, entry.compressedSize - done);
        const std::string in = readAt(entry.dataOffset + done, size);
        done += size;
        if (entry.method == 0) {
            crc = crc32_z(crc, reinterpret_cast<const Bytef*>(in.data()), in.size());
            produced += in.size();
            continue;
        }
        stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        stream.avail_in = static_cast<uInt>(in.size());
        do {
            stream.next_out = reinterpret_cast<Bytef*>(out.data());
            stream.avail_out = static_cast<uInt>(out.size());
            status = inflate(&stream, Z_NO_FLUSH);
            const uint64_t chunk = out.size() - stream.avail_out;
            crc = crc32_z(crc, reinterpret_cast<const Bytef*>(out.data()), chunk);
            produced += chunk;
        } while (status == Z_OK && stream.avail_out == 0 && produced <= entry.uncompressedSize);
        if (status != Z_OK && status != Z_STREAM_END) break;
        if (produced > entry.uncompressedSize || (size == 0 && status == Z_OK)) break;
    }
    if (entry.method == 8) inflateEnd(&stream);
    if (produced != entry.uncompressedSize || (entry.method == 8 && status != Z_STREAM_END))
        fail(damaged + "does not inflate to its declared size: the archive is damaged");
    if (crc != entry.crc32) fail(damaged + "fails its CRC-32 check: the archive is damaged");
}

}  // namespace ptl
