#include "ptl/model_file.h"

#include "bytecode_record.h"
#include "debug_record.h"
#include "flatbuffer_check.h"
#include "pickle_scan.h"
#include "ptl/errors.h"
#include "source_scan.h"
#include "zip_archive.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

namespace ptl {

namespace {

namespace fs = std::filesystem;

// Pickles are small next to tensor data: a larger one is not read before LibTorch.
constexpr uint64_t kMaxPickleBytes = 512ull << 20;

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }
bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Names what a non-model file looks like, so the message helps the user who picked it.
std::string describeForeignContent(const std::string& head) {
    struct Magic {
        size_t offset;
        const char* bytes;
        const char* what;
    };
    static const Magic magics[] = {
        {0, "\x89PNG", "a PNG image"},       {0, "\xFF\xD8\xFF", "a JPEG image"},
        {0, "%PDF", "a PDF document"},       {0, "\x7F" "ELF", "an executable (ELF)"},
        {0, "\x1F\x8B", "a gzip archive"},   {0, "\x89HDF", "an HDF5 file (Keras?)"},
        {4, "TFL3", "a TensorFlow Lite model"}, {0, "GIF8", "a GIF image"},
    };
    for (const Magic& magic : magics) {
        const size_t length = std::strlen(magic.bytes);
        if (head.size() >= magic.offset + length && head.compare(magic.offset, length, magic.bytes) == 0)
            return std::string("not a PyTorch model: the content is ") + magic.what;
    }
    if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x80 && head[1] >= 2 && head[1] <= 5)
        return "a legacy torch.save() pickle, not a TorchScript model: export it with "
               "torch.jit.script or torch.jit.trace and save it again";
    bool text = true;
    for (unsigned char c : head)
        if (c < 0x09 || (c > 0x0D && c < 0x20)) text = false;
    if (text) return "not a PyTorch model: the content is text";
    char hex[64];
    std::snprintf(hex, sizeof hex, "%02X %02X %02X %02X", static_cast<unsigned char>(head[0]),
                  static_cast<unsigned char>(head.size() > 1 ? head[1] : 0),
                  static_cast<unsigned char>(head.size() > 2 ? head[2] : 0),
                  static_cast<unsigned char>(head.size() > 3 ? head[3] : 0));
    return std::string("not a PyTorch model: unrecognized content (starts with ") + hex + ")";
}

// Where a pickle's tensors keep their storages: data.pkl in data/, the constants and the Lite
// bytecode (which shares them) in constants/. Other pickles (debug info) have no tensors.
std::optional<std::string> storageFolder(const std::string& record) {
    if (record == "data.pkl") return "data/";
    if (record == "constants.pkl" || record == "bytecode.pkl") return "constants/";
    return std::nullopt;
}

void checkPickle(const ZipArchive& archive, const ZipEntry& entry, const std::string& prefix) {
    const std::string record = entry.name.substr(prefix.size());
    StorageRecords storages;
    const std::optional<std::string> folder = storageFolder(record);
    if (folder) {
        storages.folder = *folder;
        storages.bytesOf = [&](const std::string& key) -> std::optional<uint64_t> {
            const ZipEntry* storage = archive.find(prefix + *folder + key);
            if (!storage) return std::nullopt;
            return storage->uncompressedSize;
        };
    }
    PickleScan scan;
    std::string problem;
    try {
        const std::string bytes = archive.read(entry, kMaxPickleBytes);
        if (endsWith(record, ".debug_pkl"))
            problem = detail::debugRecordProblem(readPickle(bytes, &scan));
        else
            scan = scanPickle(bytes, folder ? &storages : nullptr);
    } catch (const std::runtime_error& error) {
        throw std::runtime_error("record '" + record + "': " + error.what());
    }
    for (const std::string& global : scan.globals)
        if (!isTorchScriptGlobal(global))
            throw std::runtime_error("record '" + record + "' references the Python global '" + global +
                                     "', which TorchScript never writes: refusing to load it");
    // After the globals: a record that would run a command is refused for that, not for its layout.
    if (!problem.empty()) throw std::runtime_error("record '" + record + "' " + problem);
}

// Every pickle LibTorch may read: the model's data, constants and bytecode, and the debug
// information next to its code. extra/ files are the user's and never unpickled.
void checkPickles(const ZipArchive& archive, const std::string& prefix) {
    for (const ZipEntry& entry : archive.entries()) {
        const std::string name = entry.name.substr(prefix.size());
        if (startsWith(name, "extra/")) continue;
        if (endsWith(name, ".pkl") || endsWith(name, ".debug_pkl")) checkPickle(archive, entry, prefix);
    }
}

ModelFile inspectZip(ModelFile file) {
    const ZipArchive archive(file.path);
    if (archive.entries().empty()) throw std::runtime_error("the zip archive is empty");
    const std::string& first = archive.entries().front().name;
    const std::string prefix = first.substr(0, first.find('/') + 1);
    auto record = [&](const std::string& name) { return archive.find(prefix + name); };

    const ZipEntry* data = record("data.pkl");
    const ZipEntry* bytecode = record("bytecode.pkl");
    // Newer writers keep the format version in ".data/version", older ones in "version".
    const ZipEntry* version = record(".data/version") ? record(".data/version") : record("version");
    if (!data && !bytecode && !version)
        throw std::runtime_error("a zip archive, but not a PyTorch model (no data.pkl, bytecode.pkl or version record)");
    if (!version) throw std::runtime_error("the archive has no 'version' record: it is incomplete");
    if (!data) throw std::runtime_error("the archive has no 'data.pkl' record: it is incomplete");

    for (const ZipEntry& entry : archive.entries()) {
        if (!startsWith(entry.name, prefix))
            throw std::runtime_error("entry '" + entry.name + "' is outside the archive's folder '" + prefix + "'");
        const std::string name = entry.name.substr(prefix.size());
        if (name == "code/" || startsWith(name, "code/")) file.hasCode = true;
        if (startsWith(name, "extra/") && name.size() > 6)
            file.extraFiles.push_back({name.substr(6), static_cast<int64_t>(entry.uncompressedSize)});
    }
    archive.verifyContents();
    // Before the file is classified: a pickle that calls os.system is refused for that, whatever else it lacks.
    checkPickles(archive, prefix);
    checkSources(archive, prefix);
    // Not a refusal: a .ptl with TorchScript code still opens in the full JIT; only its bytecode is unusable.
    if (bytecode) file.bytecodeProblem = detail::bytecodeRecordProblem(readPickle(archive.read(*bytecode, kMaxPickleBytes)));
    const bool hasConstants = record("constants.pkl") != nullptr;
    if (!bytecode && !file.hasCode && !hasConstants)
        throw std::runtime_error("a torch.save() checkpoint (weights only), not a TorchScript model: export "
                                 "it with torch.jit.script or torch.jit.trace");
    if (file.hasCode && !hasConstants)
        throw std::runtime_error("the archive has no 'constants.pkl' record: it is incomplete");

    const std::string versionText = archive.read(*version, 64);
    try {
        file.fileFormatVersion = std::stoll(versionText);
    } catch (const std::exception&) {
        throw std::runtime_error("the 'version' record is not a number");
    }
    file.container = "zip";
    file.format = bytecode ? "lite" : "torchscript";
    return file;
}

}  // namespace

ModelFile openModelFile(const std::string& path) {
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status)) throw ModelError(path, "no such file");
    if (fs::is_directory(status)) throw ModelError(path, "is a directory, not a model file");
    if (!fs::is_regular_file(status)) throw ModelError(path, "is not a regular file");

    std::ifstream in(path, std::ios::binary);
    if (!in) throw ModelError(path, std::string("cannot be read: ") + std::strerror(errno));
    ModelFile file;
    file.path = path;
    file.bytes = fs::file_size(path, error);
    if (file.bytes == 0) throw ModelError(path, "the file is empty");

    std::string head(16, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));

    try {
        if (startsWith(head, "PK\x03\x04") || startsWith(head, "PK\x05\x06")) return inspectZip(file);
        if (head.size() >= 8 && head.compare(4, 4, "PTMF") == 0) {
            detail::checkFlatbufferModel(path);
            file.container = "flatbuffer";
            file.format = "lite";
            return file;
        }
    } catch (const std::runtime_error& problem) {
        throw ModelError(path, problem.what());
    }
    throw ModelError(path, describeForeignContent(head));
}

}  // namespace ptl
