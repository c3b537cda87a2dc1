// SHA-256 (FIPS 180-4) of files and folders, for the review report's reproducibility section.
#include "ptl/handoff.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace ptl {

namespace {

constexpr std::array<uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t rotateRight(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

// Streaming SHA-256, so that large models are hashed without holding them in memory.
class Sha256 {
public:
    void update(const unsigned char* data, size_t size) {
        for (size_t i = 0; i < size; ++i) {
            block_[blockSize_++] = data[i];
            if (blockSize_ == 64) {
                compress();
                blockSize_ = 0;
            }
        }
        bits_ += uint64_t(size) * 8;
    }

    std::string hex() {
        const uint64_t bits = bits_;
        const unsigned char one = 0x80, zero = 0;
        update(&one, 1);
        while (blockSize_ != 56) update(&zero, 1);
        unsigned char length[8];
        for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
        update(length, 8);
        std::string text;
        char digits[9];
        for (const uint32_t word : state_) {
            std::snprintf(digits, sizeof digits, "%08x", word);
            text += digits;
        }
        return text;
    }

private:
    std::array<uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::array<unsigned char, 64> block_{};
    size_t blockSize_ = 0;
    uint64_t bits_ = 0;

    void compress() {
        std::array<uint32_t, 64> w{};
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(block_[4 * i]) << 24 | uint32_t(block_[4 * i + 1]) << 16 | uint32_t(block_[4 * i + 2]) << 8 |
                   uint32_t(block_[4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            const uint32_t s0 = rotateRight(w[i - 15], 7) ^ rotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
            const uint32_t s1 = rotateRight(w[i - 2], 17) ^ rotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        std::array<uint32_t, 8> v = state_;
        for (int i = 0; i < 64; ++i) {
            const uint32_t s1 = rotateRight(v[4], 6) ^ rotateRight(v[4], 11) ^ rotateRight(v[4], 25);
            const uint32_t choice = (v[4] & v[5]) ^ (~v[4] & v[6]);
            const uint32_t t1 = v[7] + s1 + choice + kRoundConstants[i] + w[i];
            const uint32_t s0 = rotateRight(v[0], 2) ^ rotateRight(v[0], 13) ^ rotateRight(v[0], 22);
            const uint32_t majority = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            v = {t1 + s0 + majority, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
        }
        for (int i = 0; i < 8; ++i) state_[i] += v[i];
    }
};

// Digest of one file's bytes; false when it cannot be read.
bool hashFile(const std::filesystem::path& path, std::string& digest, int64_t& bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    Sha256 hash;
    std::array<char, 1 << 16> buffer;
    bytes = 0;
    while (in) {
        in.read(buffer.data(), buffer.size());
        const std::streamsize got = in.gcount();
        hash.update(reinterpret_cast<const unsigned char*>(buffer.data()), size_t(got));
        bytes += got;
    }
    if (in.bad()) return false;
    digest = hash.hex();
    return true;
}

}  // namespace

std::string sha256Hex(const std::string& bytes) {
    Sha256 hash;
    hash.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return hash.hex();
}

FileDigest digestPath(const std::string& role, const std::string& path) {
    namespace fs = std::filesystem;
    FileDigest digest{role, path, "", 0, ""};
    std::error_code error;
    if (fs::is_directory(path, error)) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(path, error))
            if (entry.is_regular_file(error)) files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        std::string listing;  // "name sha256\n" per file: renaming or changing any file changes it
        for (const fs::path& file : files) {
            std::string fileDigest;
            int64_t bytes = 0;
            if (!hashFile(file, fileDigest, bytes)) {
                digest.problem = "cannot read " + file.string();
                return digest;
            }
            listing += file.filename().string() + " " + fileDigest + "\n";
            digest.bytes += bytes;
        }
        digest.sha256 = sha256Hex(listing);
        return digest;
    }
    if (!hashFile(path, digest.sha256, digest.bytes)) digest.problem = "cannot read it";
    return digest;
}

}  // namespace ptl
