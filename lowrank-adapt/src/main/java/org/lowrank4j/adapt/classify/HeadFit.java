package org.lowrank4j.adapt.classify;

import java.util.List;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/**
 * Fits a linear head on fixed features: full-batch AdamW on the mean softmax cross-entropy from the head's current
 * values, a fixed number of iterations at a fixed rate. Deterministic. The classifier fine-tuning fits the head on the
 * frozen encoder's pooled output first (a linear probe: the "before" figure), then trains it on with the adapters.
 */
final class HeadFit {
    static final int ITERATIONS = 300;
    static final double RATE = 1e-2;

    private HeadFit() {
    }

    /**
     * @param features (N, C)
     * @param labels   N class indices
     */
    static void fit(Linear head, Tensor features, int[] labels) {
        List<Parameter> params = head.parameters();
        AdamW adam = new AdamW(params, new AdamW.Settings(0.9, 0.999, 1e-8, 0));
        for (int i = 0; i < ITERATIONS; i++) {
            params.forEach(Parameter::zeroGradient);
            SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
            ce.forward(head.forward(features), labels);
            head.backward(ce.backward(1));
            adam.step(RATE);
        }
    }
}
