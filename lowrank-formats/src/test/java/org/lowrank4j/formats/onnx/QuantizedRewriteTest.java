package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;
import org.lowrank4j.linalg.FloatMatrix;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.linalg.quant.RoundToNearest;

class QuantizedRewriteTest {

    private static final int IN = 256;
    private static final int OUT = 48;
    private static final int BATCH = 5;

    @TempDir
    Path folder;

    /** The site's weight as out×in (the quantizers' orientation). */
    static FloatMatrix outByIn(OnnxModel model, LinearSite site) {
        return FloatMatrix.wrap(model.weight(site), site.inFeatures(), site.outFeatures()).transpose().copy();
    }

    /** Y of a one-input float model in ONNX Runtime with default session options. */
    static float[] runOrt(Path file, float[] x, long... shape) throws Exception {
        return runOrt(file, Map.of(), x, shape);
    }

    /** Y of a one-input float model in ONNX Runtime with extra session configuration entries. */
    static float[] runOrt(Path file, Map<String, String> config, float[] x, long... shape) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            for (Map.Entry<String, String> entry : config.entrySet()) {
                options.addConfigEntry(entry.getKey(), entry.getValue());
            }
            try (OrtSession session = env.createSession(file.toString(), options);
                    OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                    OrtSession.Result result = session.run(Map.of("X", input))) {
                FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] y = new float[buffer.remaining()];
                buffer.get(y);
                return y;
            }
        }
    }

    /** x·Ŵᵀ + b in float64, with Ŵ the dequantized out×in weight. */
    static float[] reference(float[] x, int batch, QuantizedMatrix weight, float[] bias) {
        FloatMatrix w = weight.dequantize();
        float[] y = new float[batch * w.rows()];
        for (int t = 0; t < batch; t++) {
            for (int n = 0; n < w.rows(); n++) {
                double sum = bias[n];
                for (int k = 0; k < w.cols(); k++) {
                    sum += (double) x[t * w.cols() + k] * w.get(n, k);
                }
                y[t * w.rows() + n] = (float) sum;
            }
        }
        return y;
    }

    /**
     * ONNX Runtime fuses DequantizeLinear → MatMul into MatMulNBits at session creation and by default lets that
     * kernel quantize the activations to int8 (accuracy level 4); level 0 keeps them in float.
     */
    private static final Map<String, String> FLOAT_ACTIVATIONS = Map.of("session.qdq_matmulnbits_accuracy_level", "0");

    private double rewriteAndCompare(QuantizationFormat format, boolean matMulNBits) throws Exception {
        return rewriteAndCompare(format, matMulNBits, Map.of());
    }

    private double rewriteAndCompare(QuantizationFormat format, boolean matMulNBits, Map<String, String> config)
            throws Exception {
        OnnxModel model = OnnxModel.of(SyntheticModels.matMulWithBias(IN, OUT, SyntheticModels.random(IN * OUT, 21),
                DataType.FLOAT));
        LinearSite site = model.linearSites().get(0);
        QuantizedMatrix quantized = RoundToNearest.quantize(outByIn(model, site), format);
        if (format.kind() == QuantizationFormat.Kind.NORMAL_FLOAT) {
            QuantizedRewrite.toMatMulBnb4(model, site, quantized);
        } else if (matMulNBits) {
            QuantizedRewrite.toMatMulNBits(model, site, quantized);
        } else {
            QuantizedRewrite.toDequantizeLinear(model, site, quantized);
        }
        assertThat(model.hasInitializer("W")).isFalse();
        Path file = folder.resolve(format.toString().replace(' ', '-') + ".onnx");
        model.write(file);
        float[] x = SyntheticModels.random(BATCH * IN, 22);
        float[] expected = reference(x, BATCH, quantized, model.initializerFloats("b"));
        double difference = OrtRunner.maxDifference(expected, runOrt(file, config, x, BATCH, IN));
        System.out.printf("%s through %s%s: max |ORT − x·dequantize(W)ᵀ| = %.3g (outputs up to %.3g)%n", format,
                format.kind() == QuantizationFormat.Kind.NORMAL_FLOAT ? "MatMulBnb4"
                        : matMulNBits ? "MatMulNBits" : "DequantizeLinear", config.isEmpty() ? "" : " " + config, difference,
                maxAbs(expected));
        return difference;
    }

    @Test
    void matMulNBitsFourBitsWithAndWithoutZeroPointsAtEveryBlockSize() throws Exception {
        for (int block : new int[] {32, 64, 128}) {
            assertThat(rewriteAndCompare(QuantizationFormat.asymmetric(4, block), true)).isLessThan(1e-4);
            assertThat(rewriteAndCompare(QuantizationFormat.symmetric(4, block), true)).isLessThan(1e-4);
        }
    }

    @Test
    void matMulNBitsTwoAndEightBits() throws Exception {
        assertThat(rewriteAndCompare(QuantizationFormat.asymmetric(2, 64), true)).isLessThan(1e-4);
        assertThat(rewriteAndCompare(QuantizationFormat.asymmetric(8, 32), true)).isLessThan(1e-4);
        assertThat(rewriteAndCompare(QuantizationFormat.symmetric(8, 128), true)).isLessThan(1e-4);
    }

    @Test
    void nf4ThroughMatMulBnb4() throws Exception {
        for (int block : new int[] {32, 64, 128}) {
            assertThat(rewriteAndCompare(QuantizationFormat.nf4(block), true)).isLessThan(1e-4);
        }
    }

    @Test
    void matMulNBitsNodeAndTensors() {
        OnnxModel model = OnnxModel.of(SyntheticModels.matMulWithBias(IN, OUT, SyntheticModels.random(IN * OUT, 23),
                DataType.FLOAT));
        LinearSite site = model.linearSites().get(0);
        QuantizedRewrite.toMatMulNBits(model, site,
                RoundToNearest.quantize(outByIn(model, site), QuantizationFormat.asymmetric(4, 64)));
        NodeProto node = model.nodes().get(0);
        assertThat(node.getOpType()).isEqualTo("MatMulNBits");
        assertThat(node.getDomain()).isEqualTo("com.microsoft");
        assertThat(node.getInputList()).containsExactly("X", "W.quantized", "W.scales", "W.zero_points");
        assertThat(node.getOutputList()).containsExactly("h");
        assertThat(model.initializerShape("W.quantized")).containsExactly(OUT, IN / 64, 32);
        assertThat(model.initializerShape("W.scales")).containsExactly(OUT, IN / 64);
        assertThat(model.initializerShape("W.zero_points")).containsExactly(OUT, 2);
        assertThat(model.opsetVersion("com.microsoft")).isEqualTo(1);
        assertThat(model.nodes().get(1).getOpType()).isEqualTo("Add");
        assertThat(model.linearSites()).isEmpty();
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(model, site,
                RoundToNearest.quantize(FloatMatrix.zeros(OUT, IN), QuantizationFormat.asymmetric(4, 64))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already rewritten");
    }

    @Test
    void int8PerChannelThroughDequantizeLinear() throws Exception {
        assertThat(rewriteAndCompare(QuantizationFormat.int8PerChannel(), false, FLOAT_ACTIVATIONS)).isLessThan(1e-4);
        assertThat(rewriteAndCompare(QuantizationFormat.asymmetric(8, QuantizationFormat.WHOLE_ROW), false,
                FLOAT_ACTIVATIONS)).isLessThan(1e-4);
        // Default options: the fused kernel rounds the activations to int8 as well, a relative error of a few 1e-3.
        assertThat(rewriteAndCompare(QuantizationFormat.int8PerChannel(), false)).isLessThan(0.1);
    }

    @Test
    void int8DequantizeLinearOnATransposedGemm() throws Exception {
        int in = 24;
        int out = 40;
        float[] stored = SyntheticModels.random(out * in, 31); // Gemm with transB stores out×in
        OnnxModel model = OnnxModel.of(SyntheticModels.gemmTransposed(in, out, stored));
        LinearSite site = model.linearSites().get(0);
        FloatMatrix w = FloatMatrix.wrap(stored.clone(), out, in);
        QuantizedMatrix quantized = RoundToNearest.quantize(w, QuantizationFormat.int8PerChannel());
        QuantizedRewrite.toDequantizeLinear(model, site, quantized);
        assertThat(model.initializerShape("B.quantized")).containsExactly(out, in);
        Path file = folder.resolve("gemm-int8.onnx");
        model.write(file);
        float[] x = SyntheticModels.random(3 * in, 32);
        float[] bias = model.initializerFloats("C");
        float[] expected = reference(x, 3, quantized, new float[out]);
        for (int i = 0; i < expected.length; i++) { // the Gemm has alpha 0.5 and beta 1
            expected[i] = 0.5f * expected[i] + bias[i % out];
        }
        double difference = OrtRunner.maxDifference(expected, runOrt(file, x, 3, in));
        System.out.printf("int8 Gemm(transB) through DequantizeLinear: max |difference| = %.3g%n", difference);
        assertThat(difference).isLessThan(1e-5);
    }

    @Test
    void formatsWithoutAnEncodingAreRefused() {
        OnnxModel model = OnnxModel.of(SyntheticModels.matMulWithBias(IN, OUT, SyntheticModels.random(IN * OUT, 24),
                DataType.FLOAT));
        LinearSite site = model.linearSites().get(0);
        FloatMatrix w = outByIn(model, site);
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(model, site,
                RoundToNearest.quantize(w, QuantizationFormat.asymmetric(3, 32))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2, 4 or 8 bits, got 3");
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(model, site,
                RoundToNearest.quantize(w, QuantizationFormat.nf4(64))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no MatMulNBits encoding");
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(model, site,
                RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 8))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        OnnxModel big = OnnxModel.of(SyntheticModels.matMulWithBias(512, 16, SyntheticModels.random(512 * 16, 3),
                DataType.FLOAT));
        LinearSite bigSite = big.linearSites().get(0);
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(big, bigSite,
                RoundToNearest.quantize(outByIn(big, bigSite), QuantizationFormat.asymmetric(4, 512))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 16 to 256, got 512");
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulBnb4(model, site,
                RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 32))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NF4");
        OnnxModel wide = OnnxModel.of(SyntheticModels.matMulWithBias(96, 32, SyntheticModels.random(96 * 32, 2),
                DataType.FLOAT));
        LinearSite wideSite = wide.linearSites().get(0);
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(wide, wideSite,
                RoundToNearest.quantize(outByIn(wide, wideSite), QuantizationFormat.int8PerChannel())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(model, site,
                RoundToNearest.quantize(w.transpose().copy(), QuantizationFormat.asymmetric(4, 16))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out×in = 48x256");
        assertThatThrownBy(() -> QuantizedRewrite.toDequantizeLinear(model, site,
                RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 32))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8-bit");
        OnnxModel gemm = OnnxModel.of(SyntheticModels.gemmTransposed(32, 40, SyntheticModels.random(1280, 1)));
        LinearSite gemmSite = gemm.linearSites().get(0);
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(gemm, gemmSite,
                RoundToNearest.quantize(FloatMatrix.zeros(40, 32), QuantizationFormat.asymmetric(4, 16))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Gemm");
        assertThatThrownBy(() -> QuantizedRewrite.toMatMulNBits(model, site,
                RoundToNearest.quantize(w, QuantizationFormat.asymmetric(4, 32)), 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("accuracy level");
        assertThat(model.hasInitializer("W")).as("nothing changed").isTrue();
    }

    static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
