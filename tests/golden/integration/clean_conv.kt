// app/build.gradle
dependencies {
    // The model needs bytecode v8: pytorch_android_lite 1.11.0 is the first release that reads it
    // (caffe2/serialize/versions.h); 1.13.1 is the runtime this file was converted and verified with.
    implementation 'org.pytorch:pytorch_android_lite:1.13.1'
    implementation 'org.pytorch:pytorch_android_torchvision_lite:1.13.1'
}

import android.content.Context
import android.graphics.Bitmap
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.pytorch.IValue
import org.pytorch.LiteModuleLoader
import org.pytorch.Module
import org.pytorch.torchvision.TensorImageUtils
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

class CleanConvModel(context: Context) {
    private val module: Module = LiteModuleLoader.load(assetFilePath(context, "clean_conv.ptl"))

    // x: 1x3x16x16 float32 (inferred from the layers that read it)
    //   the bitmap must be 16x16 (Bitmap.createScaledBitmap); TensorImageUtils makes 1x3xHxW
    // forward takes milliseconds to seconds: call run() from a coroutine, never on the main thread.
    suspend fun run(x: Bitmap): FloatArray = withContext(Dispatchers.Default) {
        val xTensor = TensorImageUtils.bitmapToFloat32Tensor(
            x,
            floatArrayOf(0.485f, 0.456f, 0.406f),  // mean used for calibration
            floatArrayOf(0.229f, 0.224f, 0.225f),  // std used for calibration
        )
        val output = module.forward(IValue.from(xTensor))
        // output: 1x10 float32 (measured on the sample input)
        output.toTensor().dataAsFloatArray
    }
}
