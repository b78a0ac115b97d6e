package org.lowrank4j.compress.mamba;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.layers.SoftmaxCrossEntropy;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LanguageModel;

/**
 * DLRMamba's structure-aware distillation as a {@link LanguageModel} for the trainer (docs/specs/dlrmamba.md): on one
 * batch the frozen teacher and the student run, and the student's loss is
 * <pre>
 *   CE(student, next bytes) + w_KL · τ² · KL(softmax(t/τ) ‖ softmax(s/τ))
 *     + λ · Σ_layers ( ‖y_S − y_T‖² / ‖y_T‖² + ‖a_S − a_T‖² / ‖a_T‖² )
 * </pre>
 * with KL averaged over positions, y the scan's read-out before gating and a the per-channel decay mean_n exp(Δ·A) of
 * each layer. With w_KL = λ = 0 it is plain next-token fine-tuning and the teacher is not run. The parameters are the
 * student's, so training this trains only the student.
 */
public final class StateDistillation implements LanguageModel {
    private final MambaModel teacher;
    private final MambaModel student;
    private final double temperature, klWeight, stateWeight;
    private final SoftmaxCrossEntropy crossEntropy = new SoftmaxCrossEntropy();
    private Terms lastTerms;

    /** The loss terms of the latest batch, unweighted: cross-entropy, KL at temperature τ, state alignment summed over layers. */
    public record Terms(double crossEntropy, double kl, double state) {
    }

    /**
     * @param teacher     the full-rank model (not trained; may be null when both weights are 0)
     * @param temperature τ &gt; 0
     * @param klWeight    w_KL ≥ 0 (the spec: 1)
     * @param stateWeight λ ≥ 0 (the spec: 1)
     */
    public StateDistillation(MambaModel teacher, MambaModel student, double temperature, double klWeight, double stateWeight) {
        if (!(temperature > 0) || !(klWeight >= 0) || !(stateWeight >= 0)) {
            throw new IllegalArgumentException("distillation needs temperature > 0 and non-negative weights, got τ " + temperature + ", KL weight "
                    + klWeight + ", state weight " + stateWeight);
        }
        if (teacher == null && (klWeight > 0 || stateWeight > 0)) {
            throw new IllegalArgumentException("distillation with a KL or state term needs the teacher model");
        }
        if (teacher != null && (teacher.layers() != student.layers() || teacher.config().inner() != student.config().inner()
                || teacher.vocabSize() != student.vocabSize())) {
            throw new IllegalArgumentException("teacher and student differ in shape (" + teacher.layers() + " vs " + student.layers()
                    + " layers, d_inner " + teacher.config().inner() + " vs " + student.config().inner() + "); is the student compressed from this teacher?");
        }
        this.teacher = teacher;
        this.student = student;
        this.temperature = temperature;
        this.klWeight = klWeight;
        this.stateWeight = stateWeight;
    }

    public Terms lastTerms() {
        return lastTerms;
    }

    @Override
    public double lossAndBackward(int[][] inputs, int[][] targets) {
        return run(inputs, targets, true);
    }

    @Override
    public double loss(int[][] inputs, int[][] targets) {
        return run(inputs, targets, false);
    }

    private double run(int[][] inputs, int[][] targets, boolean backward) {
        int batch = inputs.length, time = inputs[0].length;
        int[] ids = flatten(inputs, time), next = flatten(targets, time);
        boolean useTeacher = klWeight > 0 || stateWeight > 0;
        Tensor teacherLogits = null;
        List<double[]> teacherReadouts = new ArrayList<>(), teacherDecays = new ArrayList<>();
        if (useTeacher) {
            teacherLogits = teacher.forward(ids, batch, time);
            for (int l = 0; l < teacher.layers(); l++) {
                teacherReadouts.add(teacher.mixer(l).lastReadout());
                teacherDecays.add(teacher.mixer(l).lastDecay());
            }
        }
        Tensor logits = student.forward(ids, batch, time);
        double ce = crossEntropy.forward(logits, next);
        Tensor dlogits = backward ? crossEntropy.backward(1.0) : null;
        double kl = 0, state = 0;
        if (klWeight > 0) {
            kl = Distillation.temperedKl(teacherLogits, logits, temperature, dlogits, klWeight * temperature * temperature);
        }
        List<double[]> dReadouts = null, dDecays = null;
        if (stateWeight > 0) {
            dReadouts = new ArrayList<>();
            dDecays = new ArrayList<>();
            for (int l = 0; l < student.layers(); l++) {
                double[] dy = backward ? new double[teacherReadouts.get(l).length] : null;
                double[] da = backward ? new double[teacherDecays.get(l).length] : null;
                state += Distillation.normalisedSquaredError(student.mixer(l).lastReadout(), teacherReadouts.get(l), dy, stateWeight);
                state += Distillation.normalisedSquaredError(student.mixer(l).lastDecay(), teacherDecays.get(l), da, stateWeight);
                dReadouts.add(dy);
                dDecays.add(da);
            }
        }
        if (backward) {
            student.backward(dlogits, dReadouts, dDecays);
        }
        lastTerms = new Terms(ce, kl, state);
        return ce + klWeight * temperature * temperature * kl + stateWeight * state;
    }

    private static int[] flatten(int[][] rows, int time) {
        int[] out = new int[rows.length * time];
        for (int b = 0; b < rows.length; b++) {
            if (rows[b].length != time) {
                throw new IllegalArgumentException("batch row " + b + " has " + rows[b].length + " tokens; every row needs " + time);
            }
            System.arraycopy(rows[b], 0, out, b * time, time);
        }
        return out;
    }

    @Override
    public List<Parameter> parameters() {
        return student.parameters();
    }
}
