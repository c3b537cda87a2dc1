// app/build.gradle
dependencies {
    // The model needs bytecode v8: pytorch_android_lite 1.11.0 is the first release that reads it
    // (caffe2/serialize/versions.h); 1.13.1 is the runtime this file was converted and verified with.
    implementation 'org.pytorch:pytorch_android_lite:1.13.1'
    implementation 'org.pytorch:pytorch_android_torchvision_lite:1.13.1'
}

import android.content.Context
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.pytorch.IValue
import org.pytorch.LiteModuleLoader
import org.pytorch.Module
import org.pytorch.Tensor
import java.io.File

// LiteModuleLoader reads a file path: copy the bundled asset to internal storage once.
fun assetFilePath(context: Context, assetName: String): String {
    val file = File(context.filesDir, assetName)
    if (file.exists() && file.length() > 0) return file.absolutePath
    context.assets.open(assetName).use { input ->
        file.outputStream().use { output -> input.copyTo(output) }
    }
    return file.absolutePath
}

class TextClassifierModel(context: Context) {
    private val module: Module = LiteModuleLoader.load(assetFilePath(context, "text_classifier.ptl"))

    // tokens: 1x128 int64 (inferred from the layers that read it)
    // forward takes milliseconds to seconds: call run() from a coroutine, never on the main thread.
    suspend fun run(tokens: LongArray): FloatArray = withContext(Dispatchers.Default) {
        val tokensTensor = Tensor.fromBlob(tokens, longArrayOf(1, 128))
        val output = module.forward(IValue.from(tokensTensor))
        // output: 1x4 float32 (measured on the sample input)
        output.toTensor().dataAsFloatArray
    }
}
