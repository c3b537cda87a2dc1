// Integration code for one model: Gradle and Kotlin for Android, the pod line, an Objective-C++
// wrapper and its Swift call for iOS, built from the model's inputs and outputs as inspected.
#include "handoff/model_io.h"
#include "handoff/text.h"
#include "ptl/handoff.h"
#include "ptl/input_spec.h"

#include <sstream>

namespace ptl {

namespace {

using handoff::InputKind;
using handoff::ModelInput;
using handoff::ModelIo;

std::string floatList(const std::vector<float>& values, const char* suffix) {
    std::ostringstream out;
    for (size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << handoff::shortFloat(values[i]) << suffix;
    return out.str();
}

std::string longList(const std::vector<int64_t>& shape) {
    std::string text;
    for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text;
}

std::string inputComment(const ModelInput& input) {
    return input.name + ": " + formatShape(input.shape) + " " + input.dtype + " (" + input.origin + ")";
}

// ---- Android ----

std::string gradleSnippet(const RuntimeRange& runtime) {
    std::ostringstream out;
    out << "// app/build.gradle\n"
        << "dependencies {\n"
        << "    // The model needs bytecode v" << runtime.bytecodeVersion << ": pytorch_android_lite " << runtime.firstRelease
        << " is the first release that reads it\n"
        << "    // (caffe2/serialize/versions.h); " << runtime.recommended
        << " is the runtime this file was converted and verified with.\n"
        << "    implementation 'org.pytorch:pytorch_android_lite:" << runtime.recommended << "'\n"
        << "    implementation 'org.pytorch:pytorch_android_torchvision_lite:" << runtime.recommended << "'\n"
        << "}\n";
    return out.str();
}

std::string kotlinParameter(const ModelInput& input) {
    switch (input.kind) {
        case InputKind::Image: return input.name + ": Bitmap";
        case InputKind::TokenIds: return input.name + ": LongArray";
        case InputKind::Floats: return input.name + ": FloatArray";
    }
    return {};
}

std::string kotlinTensor(const ModelInput& input, const IntegrationSettings& settings) {
    switch (input.kind) {
        case InputKind::Image:
            return "TensorImageUtils.bitmapToFloat32Tensor(\n            " + input.name + ",\n            floatArrayOf(" +
                   floatList(settings.mean, "f") + "),  // mean used for calibration\n            floatArrayOf(" +
                   floatList(settings.std, "f") + "),  // std used for calibration\n        )";
        case InputKind::TokenIds:
        case InputKind::Floats:
            return "Tensor.fromBlob(" + input.name + ", longArrayOf(" + longList(input.shape) + "))";
    }
    return {};
}

std::string kotlinSnippet(const ModelIo& io, const IntegrationSettings& settings) {
    const std::string type = io.typeName + "Model";
    std::ostringstream out;
    out << "import android.content.Context\n";
    if (io.hasImage()) out << "import android.graphics.Bitmap\n";
    out << "import kotlinx.coroutines.Dispatchers\n"
        << "import kotlinx.coroutines.withContext\n"
        << "import org.pytorch.IValue\n"
        << "import org.pytorch.LiteModuleLoader\n"
        << "import org.pytorch.Module\n";
    if (io.hasFlatInput()) out << "import org.pytorch.Tensor\n";
    if (io.hasImage()) out << "import org.pytorch.torchvision.TensorImageUtils\n";
    out << "import java.io.File\n\n"
        << "// LiteModuleLoader reads a file path: copy the bundled asset to internal storage once.\n"
        << "fun assetFilePath(context: Context, assetName: String): String {\n"
        << "    val file = File(context.filesDir, assetName)\n"
        << "    if (file.exists() && file.length() > 0) return file.absolutePath\n"
        << "    context.assets.open(assetName).use { input ->\n"
        << "        file.outputStream().use { output -> input.copyTo(output) }\n"
        << "    }\n"
        << "    return file.absolutePath\n"
        << "}\n\n"
        << "class " << type << "(context: Context) {\n"
        << "    private val module: Module = LiteModuleLoader.load(assetFilePath(context, \"" << settings.assetName
        << "\"))\n\n";
    if (io.inputs.empty())
        out << "    // The inspection found no sample inputs: set them in Model > Sample Inputs (or --input)\n"
            << "    // and generate this code again to get forward's arguments.\n";
    for (const ModelInput& input : io.inputs) {
        out << "    // " << inputComment(input) << "\n";
        if (input.kind == InputKind::Image)
            out << "    //   the bitmap must be " << input.shape[3] << "x" << input.shape[2]
                << " (Bitmap.createScaledBitmap); TensorImageUtils makes 1x3xHxW\n";
    }
    out << "    // forward takes milliseconds to seconds: call run() from a coroutine, never on the main thread.\n"
        << "    suspend fun run(";
    for (size_t i = 0; i < io.inputs.size(); ++i) out << (i ? ", " : "") << kotlinParameter(io.inputs[i]);
    out << "): " << handoff::kotlinResultType(io.output) << " = withContext(Dispatchers.Default) {\n";
    for (const ModelInput& input : io.inputs)
        out << "        val " << input.name << "Tensor = " << kotlinTensor(input, settings) << "\n";
    out << "        val output = module.forward(";
    for (size_t i = 0; i < io.inputs.size(); ++i) out << (i ? ", " : "") << "IValue.from(" << io.inputs[i].name << "Tensor)";
    out << ")\n"
        << "        // " << io.output.description << "\n"
        << "        " << handoff::kotlinReadOutput(io.output) << "\n"
        << "    }\n"
        << "}\n";
    return out.str();
}

// ---- iOS ----

std::string podSnippet(const RuntimeRange& runtime) {
    return "# Podfile: bytecode v" + std::to_string(runtime.bytecodeVersion) + " is read by LibTorch-Lite " +
           runtime.firstRelease + " and later; the " + runtime.podLine + " series matches the runtime it was verified with.\n" +
           "pod 'LibTorch-Lite', '~> " + runtime.podLine + "'\n";
}

std::string objcParameterType(const ModelInput& input) {
    return input.kind == InputKind::Image ? "CVPixelBufferRef" : "NSArray<NSNumber*>*";
}

std::string objcSelector(const ModelIo& io) {
    std::string selector = "- (nullable NSArray<NSNumber*>*)predict";
    for (size_t i = 0; i < io.inputs.size(); ++i)
        selector += (i ? " " + io.inputs[i].name : std::string()) + ":(" + objcParameterType(io.inputs[i]) + ")" +
                    io.inputs[i].name;
    return selector;
}

std::string headerSnippet(const ModelIo& io) {
    const std::string type = io.typeName + "Module";
    return "// " + type + ".h\n#import <CoreVideo/CoreVideo.h>\n#import <Foundation/Foundation.h>\n\n"
           "NS_ASSUME_NONNULL_BEGIN\n\n@interface " + type + " : NSObject\n"
           "- (nullable instancetype)initWithFileAtPath:(NSString*)filePath;\n" +
           objcSelector(io) + ";\n@end\n\nNS_ASSUME_NONNULL_END\n";
}

std::string objcInputConversion(const ModelInput& input) {
    if (input.kind == InputKind::Image)
        return "    if (CVPixelBufferGetPixelFormatType(" + input.name + ") != kCVPixelFormatType_32BGRA ||\n"
               "        CVPixelBufferGetWidth(" + input.name + ") != " + std::to_string(input.shape[3]) +
               " || CVPixelBufferGetHeight(" + input.name + ") != " + std::to_string(input.shape[2]) + ") {\n"
               "        return nil;  // scale to the model's size first (vImage, Core Image)\n    }\n"
               "    CVPixelBufferLockBaseAddress(" + input.name + ", kCVPixelBufferLock_ReadOnly);\n"
               "    std::vector<float> " + input.name + "Values = Runner::normalizedPixels(\n"
               "        static_cast<const uint8_t*>(CVPixelBufferGetBaseAddress(" + input.name + ")), CVPixelBufferGetBytesPerRow(" +
               input.name + "),\n        " + std::to_string(input.shape[3]) + ", " + std::to_string(input.shape[2]) + ");\n"
               "    CVPixelBufferUnlockBaseAddress(" + input.name + ", kCVPixelBufferLock_ReadOnly);\n";
    const std::string element = input.kind == InputKind::TokenIds ? "int64_t" : "float";
    const std::string getter = input.kind == InputKind::TokenIds ? "longLongValue" : "floatValue";
    return "    std::vector<" + element + "> " + input.name + "Values;\n"
           "    for (NSNumber* value in " + input.name + ") " + input.name + "Values.push_back(value." + getter + ");\n";
}

std::string wrapperSnippet(const ModelIo& io, const std::string& core) {
    const std::string type = io.typeName + "Module";
    std::ostringstream out;
    out << "// " << type << ".mm\n#import \"" << type << ".h\"\n#import <LibTorch-Lite/LibTorch-Lite.h>\n\n"
        << core << "\nusing Runner = ptl_generated::" << io.typeName << "Runner;\n\n"
        << "@implementation " << type << " {\n    std::unique_ptr<Runner> _runner;\n}\n\n"
        << "- (nullable instancetype)initWithFileAtPath:(NSString*)filePath {\n"
        << "    if (self = [super init]) {\n"
        << "        try {\n"
        << "            _runner = std::make_unique<Runner>(filePath.UTF8String);\n"
        << "        } catch (const std::exception& error) {\n"
        << "            NSLog(@\"cannot load %@: %s\", filePath, error.what());\n"
        << "            return nil;\n"
        << "        }\n"
        << "    }\n"
        << "    return self;\n"
        << "}\n\n"
        << objcSelector(io) << " {\n";
    for (const ModelInput& input : io.inputs) out << objcInputConversion(input);
    out << "    try {\n        const std::vector<float> output = _runner->forward(";
    for (size_t i = 0; i < io.inputs.size(); ++i) out << (i ? ", " : "") << io.inputs[i].name << "Values";
    out << ");\n"
        << "        NSMutableArray<NSNumber*>* result = [NSMutableArray arrayWithCapacity:output.size()];\n"
        << "        for (const float value : output) [result addObject:@(value)];\n"
        << "        return result;\n"
        << "    } catch (const std::exception& error) {\n"
        << "        NSLog(@\"forward failed: %s\", error.what());\n"
        << "        return nil;\n"
        << "    }\n"
        << "}\n\n@end\n";
    return out.str();
}

std::string swiftSnippet(const ModelIo& io, const IntegrationSettings& settings) {
    const std::string type = io.typeName + "Module";
    const size_t dot = settings.assetName.rfind('.');
    const std::string resource = settings.assetName.substr(0, dot);
    const std::string extension = dot == std::string::npos ? "" : settings.assetName.substr(dot + 1);
    std::ostringstream out;
    out << "// Swift: load once, run forward on a background queue, update the UI on the main queue.\n"
        << "// (Add " << type << ".h to the bridging header.)\n"
        << "let module = " << type << "(fileAtPath: Bundle.main.path(forResource: \"" << resource << "\", ofType: \""
        << extension << "\")!)!\n"
        << "DispatchQueue.global(qos: .userInitiated).async {\n"
        << "    let output = module.predict(";
    for (size_t i = 0; i < io.inputs.size(); ++i)
        out << (i ? ", " + io.inputs[i].name + ": " : "") << io.inputs[i].name;
    out << ")  // " << io.output.description << "\n"
        << "    DispatchQueue.main.async {\n"
        << "        // show output\n"
        << "    }\n"
        << "}\n";
    return out.str();
}

}  // namespace

RuntimeRange mobileRuntimeFor(int64_t bytecodeVersion) {
    // caffe2/serialize/versions.h of LibTorch 1.13.1 (this tool's runtime): it writes bytecode v8
    // (kProducedBytecodeVersion) and reads v4 to v9 (kMin/kMaxSupportedBytecodeVersion). The
    // first release reading each version is from the same header in earlier releases:
    // pytorch_android_lite starts at 1.9.0 (reads up to v6), 1.10.0 reads v7, 1.11.0 reads v8, and
    // 1.13.0 reads v9 (the flatbuffer format).
    RuntimeRange range{bytecodeVersion, "1.13.0", "1.13.1", "1.13.0"};
    if (bytecodeVersion <= 6) range.firstRelease = "1.9.0";
    else if (bytecodeVersion == 7) range.firstRelease = "1.10.0";
    else if (bytecodeVersion == 8) range.firstRelease = "1.11.0";
    return range;
}

std::vector<CodeSnippet> integrationSnippets(const Report& report, const IntegrationSettings& settings) {
    const ModelIo io = handoff::modelIo(report);
    const RuntimeRange runtime = mobileRuntimeFor(handoff::bytecodeVersionFor(report, settings));
    const std::string core = iosCppCore(report, settings);
    return {
        {"android-gradle", "Android: app/build.gradle", "gradle", gradleSnippet(runtime)},
        {"android-kotlin", "Android: " + io.typeName + "Model.kt", "kotlin", kotlinSnippet(io, settings)},
        {"ios-podfile", "iOS: Podfile", "ruby", podSnippet(runtime)},
        {"ios-header", "iOS: " + io.typeName + "Module.h", "objc", headerSnippet(io)},
        {"ios-wrapper", "iOS: " + io.typeName + "Module.mm", "objcpp", wrapperSnippet(io, core)},
        {"ios-swift", "iOS: calling it (Swift)", "swift", swiftSnippet(io, settings)},
    };
}

}  // namespace ptl
