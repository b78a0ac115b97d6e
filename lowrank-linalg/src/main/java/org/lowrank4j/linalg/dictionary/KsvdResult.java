package org.lowrank4j.linalg.dictionary;

import org.lowrank4j.linalg.DoubleMatrix;

/**
 * A learned dictionary and the codes of the training columns: {@code X ≈ dictionary · codes}.
 *
 * @param dictionary n×k, unit-norm atoms (an atom no column uses may be zero only when X has no residual left)
 * @param codes      k×m, at most s non-zeros per column
 * @param errors     ‖X − D C‖_F after the initial coding (index 0) and after each iteration (index t), then after
 *                   the final refit (last); non-increasing
 */
public record KsvdResult(DoubleMatrix dictionary, SparseCodes codes, double[] errors) {
}
