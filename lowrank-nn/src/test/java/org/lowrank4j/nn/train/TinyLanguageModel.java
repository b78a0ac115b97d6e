package org.lowrank4j.nn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.GradientCheck;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.block.PreNormBlock;
import org.lowrank4j.nn.layers.Embedding;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Embedding (V, C) → optional GPT-2 block → Linear head (C → V, with bias) → softmax cross-entropy; for tests. */
final class TinyLanguageModel implements LanguageModel {
    private final Embedding embedding;
    private final PreNormBlock block; // or null
    private final Linear head;
    private final SoftmaxCrossEntropy crossEntropy = new SoftmaxCrossEntropy();

    TinyLanguageModel(int vocab, int channels, boolean withBlock, Precision precision, long seed) {
        embedding = new Embedding("embed", vocab, channels, 0, 0, precision);
        block = withBlock ? PreNormBlock.gpt2("block", channels, 2, 1e-5, precision) : null;
        head = Linear.dense("head", channels, vocab, true, precision);
        GradientCheck.randomize(this, new Random(seed), 0.2);
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        double loss = forward(inputs, targets);
        Tensor dx = head.backward(crossEntropy.backward(1.0));
        if (block != null) {
            dx = block.backward(dx);
        }
        embedding.backward(dx);
        return loss;
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        return forward(inputs, targets);
    }

    private double forward(int[][] inputs, int[][] targets) {
        int batch = inputs.length, time = inputs[0].length;
        int[] ids = new int[batch * time];
        int[] next = new int[batch * time];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(inputs[b], 0, ids, b * time, time);
            System.arraycopy(targets[b], 0, next, b * time, time);
        }
        Tensor x = embedding.forward(ids, null, batch, time, 0);
        if (block != null) {
            x = block.forward(x, null);
        }
        return crossEntropy.forward(head.forward(x), next);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(embedding.parameters());
        if (block != null) {
            out.addAll(block.parameters());
        }
        out.addAll(head.parameters());
        return out;
    }
}
