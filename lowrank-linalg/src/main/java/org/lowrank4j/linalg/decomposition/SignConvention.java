package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.SvdResult;

/**
 * Deterministic signs for singular and eigen vectors: each left vector is flipped (with its partner) so that
 * its entry of largest magnitude is positive. Ties go to the first such entry.
 */
public final class SignConvention {
    private SignConvention() {
    }

    /** Flips triplets of {@code svd} in place and returns it. */
    public static SvdResult apply(SvdResult svd) {
        DenseMatrix u = svd.u(), vt = svd.vt();
        for (int j = 0; j < svd.rank(); j++) {
            if (shouldFlip(u, j)) {
                for (int i = 0; i < u.rows(); i++) {
                    u.set(i, j, -u.get(i, j));
                }
                for (int i = 0; i < vt.cols(); i++) {
                    vt.set(j, i, -vt.get(j, i));
                }
            }
        }
        return svd;
    }

    /** Flips columns of {@code vectors} in place so that each column's largest-magnitude entry is positive. */
    public static void applyToColumns(DenseMatrix vectors) {
        for (int j = 0; j < vectors.cols(); j++) {
            if (shouldFlip(vectors, j)) {
                for (int i = 0; i < vectors.rows(); i++) {
                    vectors.set(i, j, -vectors.get(i, j));
                }
            }
        }
    }

    private static boolean shouldFlip(DenseMatrix columns, int j) {
        double best = 0;
        double sign = 1;
        for (int i = 0; i < columns.rows(); i++) {
            double v = columns.get(i, j);
            if (Math.abs(v) > best) {
                best = Math.abs(v);
                sign = v;
            }
        }
        return sign < 0;
    }
}
