package org.lowrank4j.nn.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lowrank4j.nn.GradientCheck.check;
import static org.lowrank4j.nn.GradientCheck.randomize;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;

/** The image layers' backward passes against central finite differences in float64, at odd sizes. */
class ConvLayerGradientTest {
    private static final Precision F64 = Precision.FLOAT64;

    private static Tensor input(long seed, int... shape) {
        return Tensor.gaussian(F64, new Random(seed), 1, shape);
    }

    @ParameterizedTest
    @CsvSource({"3,1,1", "3,2,1", "1,1,0", "2,2,0", "3,2,0"})
    void conv2d(int size, int stride, int padding) {
        Conv2d conv = Conv2d.create("conv", 3, 4, size, stride, padding, F64, new Random(1));
        randomize(conv, new Random(2), 0.5);
        Tensor x = input(3, 2, 7, 5, 3);
        check("Conv2d k=" + size + " s=" + stride + " p=" + padding, () -> conv.forward(x), conv::backward, x, conv.parameters(), 4);
    }

    @Test
    void conv2dWithALowRankKernel() {
        Conv2d conv = new Conv2d("conv", LowRankWeight.zeros("conv", 5, 3 * 3 * 4, 2, F64), new Parameter("conv.bias", Tensor.zeros(F64, 5)), 4, 3, 2, 1);
        randomize(conv, new Random(5), 0.5);
        Tensor x = input(6, 1, 6, 6, 4);
        check("Conv2d low-rank r=2", () -> conv.forward(x), conv::backward, x, conv.parameters(), 7);
    }

    @Test
    void convolutionMatchesTheDirectSum() {
        Conv2d conv = Conv2d.create("conv", 2, 3, 3, 2, 1, F64, new Random(8));
        randomize(conv, new Random(9), 1);
        Tensor x = input(10, 1, 5, 6, 2);
        Tensor y = conv.forward(x);
        assertThat(y.shape()).containsExactly(1, 3, 3, 3);
        Tensor k = conv.kernel().toDense();
        Tensor b = conv.parameters().get(1).value();
        double worst = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                for (int o = 0; o < 3; o++) {
                    double sum = b.get(o);
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++) {
                            int yy = 2 * i - 1 + ky, xx = 2 * j - 1 + kx;
                            if (yy < 0 || yy >= 5 || xx < 0 || xx >= 6) {
                                continue;
                            }
                            for (int c = 0; c < 2; c++) {
                                sum += k.get(o * 18 + (ky * 3 + kx) * 2 + c) * x.get((yy * 6 + xx) * 2 + c);
                            }
                        }
                    }
                    worst = Math.max(worst, Math.abs(sum - y.get((i * 3 + j) * 3 + o)));
                }
            }
        }
        assertThat(worst).isLessThan(1e-12);
    }

    @Test
    void reluAndSigmoid() {
        Tensor x = input(11, 2, 3, 4, 2);
        Activation relu = Activation.relu();
        check("ReLU", () -> relu.forward(x), relu::backward, x, List.of(), 12);
        Activation sigmoid = Activation.sigmoid();
        check("sigmoid", () -> sigmoid.forward(x), sigmoid::backward, x, List.of(), 13);
    }

    @Test
    void bilinearUpsampling() {
        Upsample2x up = new Upsample2x();
        Tensor x = input(14, 2, 3, 5, 2);
        check("Upsample2x bilinear", () -> up.forward(x), up::backward, x, List.of(), 15);
    }

    @Test
    void upsamplingKeepsAConstantAndInterpolatesARamp() {
        Tensor ramp = Tensor.zeros(F64, 1, 1, 4, 1);
        for (int i = 0; i < 4; i++) {
            ramp.set(i, i);
        }
        Tensor y = new Upsample2x().forward(ramp);
        // half-pixel centres: output j samples input j/2 − 1/4, clamped at the borders
        assertThat(y.shape()).containsExactly(1, 2, 8, 1);
        assertThat(java.util.Arrays.copyOfRange(y.toDoubleArray(), 8, 16)).containsExactly(new double[] {0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3}, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void channelConcatenationAndItsSplit() {
        Tensor a = input(16, 2, 3, 3, 2);
        Tensor b = input(17, 2, 3, 3, 3);
        check("concat (first part)", () -> Channels.concat(a, b), dy -> Channels.slice(dy, 0, 2), a, List.of(), 18);
        check("concat (second part)", () -> Channels.concat(a, b), dy -> Channels.slice(dy, 2, 3), b, List.of(), 19);
        assertThatThrownBy(() -> Channels.concat(a, input(20, 2, 3, 4, 1))).hasMessageContaining("same grid");
    }

    @Test
    void badInputsNameTheLayer() {
        Conv2d conv = Conv2d.create("enc1", 3, 4, 3, 2, 1, F64, new Random(1));
        assertThatThrownBy(() -> conv.forward(input(1, 1, 4, 4, 2))).hasMessageContaining("enc1").hasMessageContaining("(batch, height, width, 3)");
        assertThatThrownBy(() -> Conv2d.create("c", 3, 4, 0, 1, 0, F64, new Random(1))).hasMessageContaining("positive");
    }
}
