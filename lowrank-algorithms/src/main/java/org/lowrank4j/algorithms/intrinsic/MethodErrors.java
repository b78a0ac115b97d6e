package org.lowrank4j.algorithms.intrinsic;

/** The mean errors of one decomposition method over a set of scenes (see {@link IntrinsicErrors}). */
public record MethodErrors(String method, double shadingSiMse, double albedoSiMse, double shadingLmse, double albedoLmse, int scenes) {

    /** Accumulates per-scene errors into means. */
    static final class Accumulator {
        private final String method;
        private double shadingSi, albedoSi, shadingL, albedoL;
        private int count;

        Accumulator(String method) {
            this.method = method;
        }

        void add(Decomposition estimate, Scene truth, int window) {
            shadingSi += IntrinsicErrors.scaleInvariantMse(estimate.shading(), truth.shading());
            albedoSi += IntrinsicErrors.scaleInvariantMse(estimate.albedo(), truth.albedo());
            shadingL += IntrinsicErrors.localMse(estimate.shading(), truth.shading(), window);
            albedoL += IntrinsicErrors.localMse(estimate.albedo(), truth.albedo(), window);
            count++;
        }

        MethodErrors result() {
            return new MethodErrors(method, shadingSi / count, albedoSi / count, shadingL / count, albedoL / count, count);
        }
    }
}
