package org.lowrank4j.compress.recover;

import java.util.List;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;

/**
 * A teacher and a student of one architecture as {@link Distiller} sees them: where the projections are, which norm
 * parameters may train, and one forward (and backward) pass of both on a batch. {@link EncoderPair} (BERT) and
 * {@link DecoderPair} (LLaMA) implement it.
 */
interface DistillationPair {

    /** A student projection and the teacher's projection at the same place. */
    record Site(Linear student, Linear teacher) {
    }

    /** Every projection of the student's blocks, in model order. */
    List<Site> sites();

    /** The student's norm parameters, trained when asked. */
    List<Parameter> normParameters();

    /**
     * Runs the teacher (or takes its outputs from {@code cache}) and the student on the batch and evaluates the
     * {@link DistillationLoss}; with {@code withGradient}, also runs the student's backward pass, adding into its
     * (previously zeroed) gradients.
     *
     * @throws IllegalArgumentException when the batch holds ids beyond the vocabulary or is too long for the models
     */
    DistillationLoss.Value forwardBackward(TokenBatch batch, boolean withGradient, TeacherCache cache, DistillOptions options);
}
