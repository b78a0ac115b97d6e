package org.lowrank4j.nn.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.train.AdamW;

/**
 * Times the float32 kernels a decoder training step shares between LoRA and full fine-tuning, on the SOTU decoder's
 * shapes (batch 4 × 256 tokens, width 320, SwiGLU 864, 8 heads), and AdamW's update of 6.9 M float32 values. Compiled
 * against a build's classes (it sits in the kernels' package to reach them), so the same source times two builds.
 * Prints the median milliseconds per call over ROUNDS rounds of CALLS calls. See run.sh.
 */
public final class KernelTimes {
    private static final int ROUNDS = 7, CALLS = 10;

    public static void main(String[] args) {
        Kernels k = Kernels.of(Precision.FLOAT32);
        Random r = new Random(1);
        Tensor scores = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 8, 256, 256), work = scores.zerosLike();
        Tensor probs = scores.copy(), dprobs = Tensor.gaussian(Precision.FLOAT32, r, 1, 4, 8, 256, 256), dscores = scores.zerosLike();
        k.attentionSoftmax(probs, null, true, 0);
        Tensor gate = Tensor.gaussian(Precision.FLOAT32, r, 1, 1024, 864), up = Tensor.gaussian(Precision.FLOAT32, r, 1, 1024, 864);
        Tensor hidden = gate.zerosLike(), dgate = gate.zerosLike(), dup = gate.zerosLike();
        Tensor x = Tensor.gaussian(Precision.FLOAT32, r, 1, 1024, 320), w = Tensor.gaussian(Precision.FLOAT32, r, 1, 320);
        Tensor normed = x.zerosLike(), rstd = Tensor.zeros(Precision.FLOAT32, 1024), dx = x.zerosLike(), dw = w.zerosLike();
        Parameter theta = new Parameter("theta", Tensor.gaussian(Precision.FLOAT32, r, 0.02, 6_905_920));
        Tensor grad = theta.gradient();
        for (int i = 0; i < grad.size(); i++) {
            grad.set(i, r.nextGaussian() * 1e-3);
        }
        AdamW adam = new AdamW(List.of(theta), AdamW.Settings.defaults());
        time("causal attention softmax (4,8,256,256), on a fresh copy of the scores", () -> {
            work.copyFrom(scores);
            k.attentionSoftmax(work, null, true, 0);
        });
        time("copy of the scores alone (4,8,256,256)", () -> work.copyFrom(scores));
        time("causal softmax backward (4,8,256,256)", () -> k.causalSoftmaxBackward(dscores, probs, dprobs, 0));
        time("SwiGLU forward (1024,864)", () -> k.swigluForward(hidden, gate, up));
        time("SwiGLU backward (1024,864)", () -> k.swigluBackward(dgate, dup, hidden, gate, up));
        time("RMSNorm forward + backward (1024,320)", () -> {
            k.rmsNormForward(normed, rstd, x, w, 1e-6);
            k.rmsNormBackward(dx, dw, normed, x, rstd, w);
        });
        time("AdamW step, 6,905,920 float32 values", () -> adam.step(1e-4));
    }

    private static void time(String what, Runnable body) {
        for (int i = 0; i < 3; i++) {
            body.run(); // warm-up
        }
        double[] perCall = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                body.run();
            }
            perCall[round] = (System.nanoTime() - start) / 1e6 / CALLS;
        }
        Arrays.sort(perCall);
        System.out.printf("%-72s median %7.2f ms  (range %.2f-%.2f)%n", what, perCall[ROUNDS / 2], perCall[0], perCall[ROUNDS - 1]);
    }
}
