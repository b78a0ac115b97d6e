package org.lowrank4j.algorithms.turbovbi;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.VariationalWeight;

/**
 * The support state of one SwiGLU MLP, {@code down(silu(gate·x) ⊙ up·x)}, with gate and up (I, H) and down (H, I).
 * Neuron j of the intermediate layer owns row j of gate, row j of up and column j of down: three chains of length H
 * under one neuron indicator ({@link NeuronSupport}). {@link #update} runs the turbo rounds and writes E[ρ] into the
 * three {@link VariationalWeight}s.
 */
public final class MlpSupport {
    /** Indices of the three matrices in the arrays of this class. */
    public static final int GATE = 0, UP = 1, DOWN = 2;
    private final VariationalWeight[] weights; // gate (I,H), up (I,H), down (H,I)
    private final SupportState[] states;
    private final List<List<NeuronSupport.Run>> neurons = new ArrayList<>();
    private final double[] neuronLogOdds; // logit P(z_j = 1 | ℓ), per neuron
    private final TurboVbiOptions options;
    private final GammaPrior gamma;
    private final NeuronSupport moduleB;

    public MlpSupport(VariationalWeight gate, VariationalWeight up, VariationalWeight down, TurboVbiOptions options) {
        int intermediate = gate.outFeatures(), hidden = gate.inFeatures();
        if (up.outFeatures() != intermediate || up.inFeatures() != hidden || down.outFeatures() != hidden || down.inFeatures() != intermediate) {
            throw new IllegalArgumentException("turbo-vbi: an MLP needs gate and up of (I, H) and down of (H, I), got gate " + intermediate + "x"
                    + hidden + ", up " + up.outFeatures() + "x" + up.inFeatures() + ", down " + down.outFeatures() + "x" + down.inFeatures());
        }
        this.weights = new VariationalWeight[] {gate, up, down};
        this.options = options;
        this.gamma = options.gamma();
        this.moduleB = options.support();
        double prior = moduleB.chain().stationaryActive();
        this.states = new SupportState[3];
        for (int m = 0; m < 3; m++) {
            states[m] = new SupportState(intermediate * hidden, prior, TurboVbiRegression.INITIAL_SUPPORT, gamma);
        }
        for (int j = 0; j < intermediate; j++) {
            neurons.add(List.of(new NeuronSupport.Run(GATE, j * hidden, 1, hidden), new NeuronSupport.Run(UP, j * hidden, 1, hidden),
                    new NeuronSupport.Run(DOWN, j, intermediate, hidden)));
        }
        this.neuronLogOdds = new double[intermediate];
        java.util.Arrays.fill(neuronLogOdds, Double.POSITIVE_INFINITY);
    }

    public int intermediate() {
        return neuronLogOdds.length;
    }

    /** {@code turboRounds} rounds of module A (every weight) then module B (every neuron), a last module A, and E[ρ] out. */
    public void update() {
        double[][] evidence = new double[3][], posterior = new double[3][], extrinsic = new double[3][];
        for (int m = 0; m < 3; m++) {
            evidence[m] = states[m].evidence;
            posterior[m] = states[m].posterior;
            extrinsic[m] = states[m].extrinsic;
        }
        for (int round = 0; round < options.turboRounds(); round++) {
            moduleA();
            for (int j = 0; j < neurons.size(); j++) {
                neuronLogOdds[j] = moduleB.update(neurons.get(j), evidence, posterior, extrinsic);
            }
        }
        moduleA();
        for (int m = 0; m < 3; m++) {
            float[] rho = weights[m].expectedPrecision();
            for (int i = 0; i < rho.length; i++) {
                rho[i] = (float) states[m].expectedPrecision(i);
            }
        }
    }

    private void moduleA() {
        for (int m = 0; m < 3; m++) {
            Tensor mu = weights[m].mean().value(), logVar = weights[m].logVariance().value();
            states[m].moduleA(gamma, i -> mu.get(i) * mu.get(i) + Math.exp(logVar.get(i)));
        }
    }

    /**
     * The pruning rule: weight i of matrix m is kept when q(s_i = 1) ≥ 0.5 and its neuron's P(z = 1 | ℓ) ≥ 0.5.
     *
     * @return row-major masks of gate, up, down
     */
    public boolean[][] keptMasks() {
        int hidden = weights[GATE].inFeatures(), intermediate = intermediate();
        boolean[][] kept = new boolean[3][];
        for (int m = 0; m < 3; m++) {
            kept[m] = new boolean[states[m].size()];
            for (int i = 0; i < kept[m].length; i++) {
                int neuron = m == DOWN ? i % intermediate : i / hidden;
                kept[m][i] = states[m].support(i) >= 0.5 && neuronLogOdds[neuron] >= 0;
            }
        }
        return kept;
    }

    /** Neurons whose indicator posterior is below 0.5. */
    public int neuronsRemoved() {
        int n = 0;
        for (double odds : neuronLogOdds) {
            n += odds < 0 ? 1 : 0;
        }
        return n;
    }

    public SupportState state(int matrix) {
        return states[matrix];
    }
}
