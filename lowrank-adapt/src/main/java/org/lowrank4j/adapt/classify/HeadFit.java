package org.lowrank4j.adapt.classify;

import java.util.List;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.AdamW;

/**
 * Fits a linear head on fixed features: full-batch AdamW on the mean softmax cross-entropy (plus an optional L2 penalty
 * on the weights) from the head's current values, a fixed number of iterations at a fixed rate. Deterministic. The
 * classifier fine-tuning fits the head on the frozen encoder's pooled output first (a linear probe: the "before"
 * figure), then trains it on with the adapters.
 */
final class HeadFit {
    static final int ITERATIONS = 300;
    static final double RATE = 1e-2;

    private HeadFit() {
    }

    /**
     * @param features (N, C)
     * @param labels   N class indices
     * @param l2       penalty (λ/2)·‖W‖² on the weights (not the bias); 0 for none
     */
    static void fit(Linear head, Tensor features, int[] labels, double l2) {
        List<Parameter> params = head.parameters();
        AdamW adam = new AdamW(params, AdamW.Settings.fineTuning(0));
        for (int i = 0; i < ITERATIONS; i++) {
            params.forEach(Parameter::zeroGradient);
            SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
            ce.forward(head.forward(features), labels);
            head.backward(ce.backward(1));
            if (l2 > 0) {
                for (Parameter weight : head.weight().parameters()) { // the weights' parameters, not the bias
                    Tensor w = weight.value(), g = weight.gradient();
                    for (int j = 0; j < w.size(); j++) {
                        g.set(j, g.get(j) + l2 * w.get(j));
                    }
                }
            }
            adam.step(RATE);
        }
    }
}
