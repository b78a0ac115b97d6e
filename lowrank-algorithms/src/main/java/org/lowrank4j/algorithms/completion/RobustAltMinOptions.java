package org.lowrank4j.algorithms.completion;

/**
 * Options of {@link RobustAltMin}; spec: ../shared/methods/15-matrix-completion-robust-altmin.md (Gu, Song, Yin, Zhang,
 * ICLR 2024, arXiv:2302.11068, on top of Jain, Netrapalli and Sanghavi 2013).
 *
 * @param rank            k, the rank of the completion (1 ≤ k ≤ min(m, n))
 * @param maxIterations   T, the most alternating (V then U) steps
 * @param tolerance       stop when the relative residual ‖P_Ω(M − X)‖_F / ‖P_Ω(M)‖_F falls below this (the solver
 *                        also stops when an iteration improves the residual by less than one part in 10⁵: a floor)
 * @param incoherence     μ of the clipping rule: rows of the initial Ũ with ‖row‖ &gt; 2μ·sqrt(k/m) are set to zero
 *                        before re-orthonormalising; {@code Double.POSITIVE_INFINITY} turns clipping off
 * @param ridge           λ added to each k×k normal-equation matrix, relative to its mean diagonal (spec: 1e-10);
 *                        larger values regularise noisy real data
 * @param sampleSplitting the spec's proof device: split Ω into 2T+1 disjoint random parts, one for the initialisation
 *                        and a fresh one for every half-step; off (every step uses all of Ω) is the practical default
 * @param solver          how each per-row / per-column least-squares problem is solved
 * @param seed            seeds the initial sketch and the sample split
 */
public record RobustAltMinOptions(int rank, int maxIterations, double tolerance, double incoherence, double ridge,
                                  boolean sampleSplitting, Solver solver, long seed) {

    /** The per-row / per-column k×k least-squares solve. */
    public enum Solver {
        /** Normal equations by Cholesky: the reference (exact JNS13). */
        EXACT,
        /** Conjugate gradient on the normal equations with a Jacobi preconditioner, never forming the k×k matrix. */
        CONJUGATE_GRADIENT
    }

    public RobustAltMinOptions {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be at least 1, got " + rank);
        }
        if (maxIterations < 1) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + maxIterations);
        }
        if (!(tolerance >= 0) || !(incoherence > 0) || !(ridge >= 0)) {
            throw new IllegalArgumentException("tolerance (" + tolerance + ") and ridge (" + ridge + ") must be >= 0 and incoherence ("
                    + incoherence + ") > 0");
        }
        if (solver == null) {
            throw new IllegalArgumentException("solver must be given");
        }
    }

    /** Rank k with the defaults: 100 iterations, tolerance 1e-12, μ = 1.5, ridge 1e-10, all of Ω every step, Cholesky, seed 42. */
    public static RobustAltMinOptions ofRank(int rank) {
        return new RobustAltMinOptions(rank, 100, 1e-12, 1.5, 1e-10, false, Solver.EXACT, 42);
    }

    public RobustAltMinOptions withMaxIterations(int value) {
        return new RobustAltMinOptions(rank, value, tolerance, incoherence, ridge, sampleSplitting, solver, seed);
    }

    public RobustAltMinOptions withTolerance(double value) {
        return new RobustAltMinOptions(rank, maxIterations, value, incoherence, ridge, sampleSplitting, solver, seed);
    }

    public RobustAltMinOptions withIncoherence(double value) {
        return new RobustAltMinOptions(rank, maxIterations, tolerance, value, ridge, sampleSplitting, solver, seed);
    }

    public RobustAltMinOptions withRidge(double value) {
        return new RobustAltMinOptions(rank, maxIterations, tolerance, incoherence, value, sampleSplitting, solver, seed);
    }

    public RobustAltMinOptions withSampleSplitting(boolean value) {
        return new RobustAltMinOptions(rank, maxIterations, tolerance, incoherence, ridge, value, solver, seed);
    }

    public RobustAltMinOptions withSolver(Solver value) {
        return new RobustAltMinOptions(rank, maxIterations, tolerance, incoherence, ridge, sampleSplitting, value, seed);
    }

    public RobustAltMinOptions withSeed(long value) {
        return new RobustAltMinOptions(rank, maxIterations, tolerance, incoherence, ridge, sampleSplitting, solver, value);
    }
}
