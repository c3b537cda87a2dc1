// The flatbuffer model check; see flatbuffer_check.h. What each index refers to follows LibTorch
// 1.13's torch/csrc/jit/mobile/flatbuffer_loader.cpp.
#include "load/flatbuffer_check.h"

#include "load/bytecode_check.h"

#include <torch/csrc/jit/serialization/mobile_bytecode_generated.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace ptl::detail {

namespace {

namespace fb = torch::jit::mobile::serialization;

[[noreturn]] void damaged(const std::string& problem) {
    throw std::runtime_error("damaged flatbuffer Lite model: " + problem);
}

void require(bool condition, const std::string& problem) {
    if (!condition) damaged(problem);
}

// Bytes per element of c10::ScalarType 0..17 (Byte .. QUInt2x4), the types LibTorch 1.13 knows.
constexpr int64_t kElementBytes[] = {1, 1, 2, 4, 8, 2, 4, 8, 4, 8, 16, 1, 1, 1, 4, 2, 1, 1};

// Type annotations go through LibTorch's recursive type parser: bound their nesting.
constexpr int kMaxTypeNesting = 128;

class FlatbufferCheck {
public:
    explicit FlatbufferCheck(const fb::Module& module) : module_(module) {}

    void run() {
        require(module_.ivalues() && module_.object_types(), "the module has no value or type table");
        ivalueCount_ = module_.ivalues()->size();
        checkStorages();
        require(module_.mobile_ivalue_size() <= ivalueCount_, "the declared value count " +
                std::to_string(module_.mobile_ivalue_size()) + " exceeds the value table (" +
                std::to_string(ivalueCount_) + ")");
        for (uint32_t i = 0; i < module_.object_types()->size(); ++i) checkObjectType(i);
        for (uint32_t i = 0; i < ivalueCount_; ++i) checkIValue(i);
        require(kindOf(index("the module state", module_.state_obj())) == fb::IValueUnion_Object,
                "the module state is not an object");
        if (const auto* methods = module_.methods())
            for (uint32_t method : *methods)
                require(kindOf(index("a method", method)) == fb::IValueUnion_Function, "a method entry is not a function");
        checkExtraFiles(module_.extra_files(), "extra file");
        checkExtraFiles(module_.jit_sources(), "source file");
        if (const auto* constants = module_.jit_constants())
            for (uint32_t constant : *constants) index("a TorchScript constant", constant);
    }

private:
    uint32_t index(const std::string& what, uint32_t value) const {
        require(value < ivalueCount_, what + " refers to value " + std::to_string(value) + " of " +
                std::to_string(ivalueCount_));
        return value;
    }

    fb::IValueUnion kindOf(uint32_t value) const { return module_.ivalues()->Get(value)->val_type(); }

    void checkStorages() {
        require(module_.storage_data_size() >= 0, "negative storage count");
        storageCount_ = static_cast<uint32_t>(module_.storage_data_size());
        if (storageCount_ == 0) return;
        const auto* storages = module_.storage_data();
        require(storages && storages->size() >= storageCount_,
                "the file declares " + std::to_string(storageCount_) + " tensor storages but holds " +
                    std::to_string(storages ? storages->size() : 0));
        for (uint32_t i = 0; i < storageCount_; ++i)
            require(storages->Get(i) && storages->Get(i)->data(), "tensor storage " + std::to_string(i) + " has no data");
    }

    static void checkTypeText(const flatbuffers::String* text, const std::string& what) {
        require(text != nullptr, what + " has no type name");
        int depth = 0;
        for (const char c : text->string_view()) {
            if (c == '[' || c == '(') ++depth;
            if (c == ']' || c == ')') --depth;
            require(depth <= kMaxTypeNesting, what + " has a type nested deeper than " + std::to_string(kMaxTypeNesting));
        }
    }

    void checkObjectType(uint32_t i) {
        const fb::ObjectType* type = module_.object_types()->Get(i);
        const std::string what = "object type " + std::to_string(i);
        checkTypeText(type->type_name(), what);
        require(type->type() >= fb::TypeType_CLASS_WITH_FIELD && type->type() <= fb::TypeType_CLASS_WITH_SETSTATE,
                what + " has an unknown kind " + std::to_string(type->type()));
        if (type->type() == fb::TypeType_CLASS_WITH_FIELD) require(type->attr_names(), what + " has no attribute names");
    }

    void checkIValue(uint32_t i) {
        const fb::IValue* value = module_.ivalues()->Get(i);
        const std::string what = "value " + std::to_string(i);
        const fb::IValueUnion kind = value->val_type();
        require(kind <= fb::IValueUnion_MAX, what + " has an unknown kind " + std::to_string(kind));
        if (kind == fb::IValueUnion_NONE) return;
        require(value->val() != nullptr, what + " is empty");
        switch (kind) {
        case fb::IValueUnion_String: require(value->val_as_String()->data(), what + " is a string without text"); break;
        case fb::IValueUnion_Device: require(value->val_as_Device()->str(), what + " is a device without a name"); break;
        case fb::IValueUnion_IntList: require(value->val_as_IntList()->items(), what + " is a list without items"); break;
        case fb::IValueUnion_DoubleList: require(value->val_as_DoubleList()->items(), what + " is a list without items"); break;
        case fb::IValueUnion_BoolList: require(value->val_as_BoolList()->items(), what + " is a list without items"); break;
        case fb::IValueUnion_List: {
            const fb::List* list = value->val_as_List();
            checkTypeText(list->annotation_str(), what);
            checkIndices(list->items(), what);
            break;
        }
        case fb::IValueUnion_Tuple: checkIndices(value->val_as_Tuple()->items(), what); break;
        case fb::IValueUnion_Dict: {
            const fb::Dict* dict = value->val_as_Dict();
            checkTypeText(dict->annotation_str(), what);
            checkIndices(dict->keys(), what);
            checkIndices(dict->values(), what);
            require(dict->keys()->size() == dict->values()->size(), what + " is a dict with more keys than values");
            break;
        }
        case fb::IValueUnion_EnumValue:
            checkTypeText(value->val_as_EnumValue()->type_name(), what);
            index(what, value->val_as_EnumValue()->value());
            break;
        case fb::IValueUnion_Object: checkObject(*value->val_as_Object(), what); break;
        case fb::IValueUnion_TensorMetadata: checkTensor(*value->val_as_TensorMetadata(), what); break;
        case fb::IValueUnion_Function: checkFunction(*value->val_as_Function(), what); break;
        default: break;  // Int, Bool, Double, ComplexDouble: fixed-size structs
        }
    }

    void checkIndices(const flatbuffers::Vector<uint32_t>* items, const std::string& what) const {
        require(items != nullptr, what + " has no items");
        for (uint32_t item : *items) index(what, item);
    }

    void checkObject(const fb::Object& object, const std::string& what) const {
        const auto* types = module_.object_types();
        require(object.type_index() < types->size(), what + " refers to object type " +
                std::to_string(object.type_index()) + " of " + std::to_string(types->size()));
        const fb::ObjectType* type = types->Get(object.type_index());
        switch (type->type()) {
        case fb::TypeType_CLASS_WITH_FIELD:
            checkIndices(object.attrs(), what);
            require(object.attrs()->size() == type->attr_names()->size(),
                    what + " has " + std::to_string(object.attrs()->size()) + " attributes, its type names " +
                        std::to_string(type->attr_names()->size()));
            break;
        case fb::TypeType_CLASS_WITH_SETSTATE:
            index(what, object.state());
            require(kindOf(index(what, object.setstate_func())) == fb::IValueUnion_Function,
                    what + "'s __setstate__ is not a function");
            break;
        default:  // custom classes (torch.classes.*) take their state in C++
            index(what, object.state());
            break;
        }
    }

    void checkTensorExtent(const fb::TensorMetadata& tensor, const std::string& what) const {
        require(tensor.sizes() && tensor.strides(), what + " is a tensor without sizes or strides");
        require(tensor.sizes()->size() == tensor.strides()->size(), what + " is a tensor with " +
                std::to_string(tensor.sizes()->size()) + " sizes but " + std::to_string(tensor.strides()->size()) +
                " strides");
        require(tensor.scalar_type() >= 0 && tensor.scalar_type() < static_cast<int>(std::size(kElementBytes)),
                what + " is a tensor of unknown element type " + std::to_string(tensor.scalar_type()));
        require(tensor.storage_location_index() < storageCount_,
                what + " refers to tensor storage " + std::to_string(tensor.storage_location_index()) + " of " +
                    std::to_string(storageCount_));
        require(tensor.storage_offset() >= 0, what + " is a tensor with a negative storage offset");
        // The last element's position, in elements: offset + sum((size - 1) * stride).
        __int128 last = tensor.storage_offset();
        bool empty = false;
        for (uint32_t d = 0; d < tensor.sizes()->size(); ++d) {
            const int32_t size = tensor.sizes()->Get(d), stride = tensor.strides()->Get(d);
            require(size >= 0 && stride >= 0, what + " is a tensor with a negative size or stride");
            if (size == 0) empty = true;
            else last += static_cast<__int128>(size - 1) * stride;
        }
        if (empty) return;
        const __int128 needed = (last + 1) * kElementBytes[tensor.scalar_type()];
        const auto available = module_.storage_data()->Get(tensor.storage_location_index())->data()->size();
        require(needed <= available, what + " is a tensor reaching past its storage (" +
                std::to_string(static_cast<long long>(needed)) + " bytes needed, " + std::to_string(available) + " held)");
    }

    void checkTensor(const fb::TensorMetadata& tensor, const std::string& what) const {
        checkTensorExtent(tensor, what);
        if (const fb::QuantizedSchema* schema = tensor.quantized_schema()) {
            // c10::QScheme: 0 and 2 are per tensor; 1, 3 and 4 per channel, with scale and zero-point tensors.
            require(schema->qscheme() >= 0 && schema->qscheme() <= 4,
                    what + " has an unknown quantization scheme " + std::to_string(schema->qscheme()));
            const bool perChannel = schema->qscheme() % 2 == 1 || schema->qscheme() == 4;
            if (!perChannel) return;
            require(schema->scales() && schema->zero_points(), what + " is per-channel quantized without scales");
            checkTensorExtent(*schema->scales(), what + "'s scales");
            checkTensorExtent(*schema->zero_points(), what + "'s zero points");
        }
    }

    void checkFunction(const fb::Function& function, const std::string& what) const {
        require(function.qn(), what + " is a function without a name");
        const std::string name = function.qn()->str();
        const std::string where = what + " (function '" + name + "')";
        require(function.instructions() && function.operators() && function.constants() && function.type_annotations(),
                where + " lacks its instructions, operators, constants or types");
        require(function.class_type() < module_.object_types()->size(), where + " belongs to object type " +
                std::to_string(function.class_type()) + " of " + std::to_string(module_.object_types()->size()));
        for (const fb::Operator* op : *function.operators())
            require(op->name() && op->overload_name(), where + " has an operator without a name");
        checkIndices(function.constants(), where);
        for (const flatbuffers::String* type : *function.type_annotations()) checkTypeText(type, where);
        if (const fb::Schema* schema = function.schema()) {
            require(schema->arguments() && schema->returns(), where + " has a schema without arguments or returns");
            for (const auto* list : {schema->arguments(), schema->returns()})
                for (const fb::Arg* arg : *list) {
                    require(arg->name(), where + " has an argument without a name");
                    checkTypeText(arg->type(), where);
                    index(where, arg->default_value());
                }
        }
        BytecodeFunction tables;
        tables.name = name;
        for (const fb::Instruction* in : *function.instructions())
            tables.instructions.push_back({in->op(), in->x(), in->n()});
        tables.operators = function.operators()->size();
        tables.constants = function.constants()->size();
        tables.types = function.type_annotations()->size();
        tables.registers = function.register_size();
        const std::string problem = bytecodeProblem(tables);
        if (!problem.empty()) throw std::runtime_error(problem);
    }

    void checkExtraFiles(const flatbuffers::Vector<flatbuffers::Offset<fb::ExtraFile>>* files,
                         const std::string& what) const {
        if (!files) return;
        for (const fb::ExtraFile* file : *files)
            require(file->name() && file->content(), "an " + what + " without a name or content");
    }

    const fb::Module& module_;
    uint32_t ivalueCount_ = 0;
    uint32_t storageCount_ = 0;
};

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error(std::string("cannot be read: ") + std::strerror(errno));
    const std::streamoff size = in.tellg();
    if (size < 0 || static_cast<uint64_t>(size) >= FLATBUFFERS_MAX_BUFFER_SIZE)
        damaged("larger than a flatbuffer can be (2 GiB)");
    std::string bytes(static_cast<size_t>(size), '\0');
    in.seekg(0);
    in.read(bytes.data(), size);
    if (in.gcount() != size) throw std::runtime_error("cannot be read to its end");
    return bytes;
}

}  // namespace

void checkFlatbufferModel(const std::string& path) {
    const std::string bytes = readAll(path);
    const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
    // Table count bounded by what fits the file, not the verifier's default million.
    flatbuffers::Verifier verifier(data, bytes.size(), 64, bytes.size() / 4 + 1);
    if (!fb::VerifyModuleBuffer(verifier))
        damaged("its offsets or sizes point outside the file or into the wrong kind of data (flatbuffers verifier)");
    FlatbufferCheck(*fb::GetModule(data)).run();
}

}  // namespace ptl::detail
