package org.lowrank4j.nn.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.layers.RotaryEmbedding;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Whole-block backward passes against finite differences in float64 (input and every parameter), and the float32
 * forward against the float64 one.
 */
class BlockGradientTest {
    private static final Precision F64 = Precision.FLOAT64;

    private static PreNormBlock llama(Precision p) {
        return PreNormBlock.llama("layer", 8, 4, 2, 12, 1e-6, RotaryEmbedding.standard(2, 10000, 16), p);
    }

    private static PreNormBlock gpt2(Precision p) {
        return PreNormBlock.gpt2("layer", 8, 2, 1e-5, p);
    }

    private static PostNormBlock bert(Precision p) {
        return PostNormBlock.bert("layer", 8, 2, 16, 1e-12, p);
    }

    private static final int[] PADDING = {1, 1, 1, 1, 1, 1, 0, 0};

    private static void checkBlock(String label, TransformerBlock block, int[] mask, long seed) {
        GradientCheck.randomize(block, new Random(seed), 0.4);
        Tensor x = Tensor.gaussian(F64, new Random(seed + 1), 1, 2, 4, 8);
        GradientCheck.check(label, () -> block.forward(x, mask), block::backward, x, block.parameters(), seed + 2);
    }

    @Test
    void llamaPreNormBlock() {
        checkBlock("block LLaMA (RMSNorm, GQA, RoPE, SwiGLU)", llama(F64), null, 1);
    }

    @Test
    void gpt2PreNormBlock() {
        checkBlock("block GPT-2 (LayerNorm, MHA, GELU tanh)", gpt2(F64), null, 11);
    }

    @Test
    void bertPostNormBlockWithPadding() {
        checkBlock("block BERT (post-norm, padding, GELU erf)", bert(F64), PADDING, 21);
    }

    @Test
    void parametersHaveUniqueNamesAndTheExpectedCount() {
        PreNormBlock block = llama(F64); // C=8, 4 heads of 2, 2 kv heads, hidden 12
        assertThat(block.parameters()).extracting(p -> p.name()).doesNotHaveDuplicates()
                .contains("layer.attn_norm.weight", "layer.attn.q.weight", "layer.attn.k.weight", "layer.mlp.gate.weight", "layer.mlp_norm.weight");
        long expected = 8 + 8 * 8 + 2 * (4 * 8) + 8 * 8 + 8 + 3 * 8 * 12;
        assertThat(block.parameterCount()).isEqualTo(expected);
        assertThat(bert(F64).parameters()).extracting(p -> p.name()).doesNotHaveDuplicates().hasSize(16);
    }

    @Test
    void float32ForwardAgreesWithFloat64() {
        TransformerBlock[][] pairs = {{llama(F64), llama(Precision.FLOAT32)}, {gpt2(F64), gpt2(Precision.FLOAT32)},
            {bert(F64), bert(Precision.FLOAT32)}};
        for (int i = 0; i < pairs.length; i++) {
            TransformerBlock wide = pairs[i][0], narrow = pairs[i][1];
            GradientCheck.randomize(wide, new Random(31 + i), 0.4);
            for (int j = 0; j < wide.parameters().size(); j++) {
                narrow.parameters().get(j).value().copyFrom(wide.parameters().get(j).value());
            }
            Tensor x = Tensor.gaussian(F64, new Random(40 + i), 1, 2, 4, 8);
            int[] mask = i == 2 ? PADDING : null;
            Tensor y64 = wide.forward(x, mask);
            Tensor y32 = narrow.forward(x.to(Precision.FLOAT32), mask);
            double error = GradientCheck.compare(y32, y64);
            // the float32 kernels are a separate copy of the float64 ones: compare the backward passes too
            Tensor dy = Tensor.gaussian(F64, new Random(50 + i), 1, 2, 4, 8);
            wide.zeroGradients();
            narrow.zeroGradients();
            double dxError = GradientCheck.compare(narrow.backward(dy.to(Precision.FLOAT32)), wide.backward(dy));
            double largest = 0, parameterError = 0;
            for (int j = 0; j < wide.parameters().size(); j++) {
                largest = Math.max(largest, wide.parameters().get(j).gradient().norm());
            }
            for (int j = 0; j < wide.parameters().size(); j++) { // floor as in GradientCheck: the key bias gradient is 0
                parameterError = Math.max(parameterError, GradientCheck.relativeError(narrow.parameters().get(j).gradient(),
                        wide.parameters().get(j).gradient(), 1e-3 * largest));
            }
            System.out.printf("float32 vs float64, block %d: forward %.2e, input gradient %.2e, worst parameter gradient %.2e%n", i, error,
                    dxError, parameterError);
            assertThat(error).isLessThan(1e-5);
            assertThat(dxError).isLessThan(1e-4);
            assertThat(parameterError).isLessThan(1e-4);
        }
    }
}
