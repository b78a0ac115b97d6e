package org.lowrank4j.linalg.decomposition;

import org.lowrank4j.linalg.DenseMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.LinalgBackend;
import org.lowrank4j.linalg.PivotedQrResult;
import org.lowrank4j.linalg.QrResult;

/** Thin QR (geqrf + orgqr) and QR with column pivoting (geqp3). */
public final class Qr {
    private final LinalgBackend backend;

    public Qr() {
        this(Linalg.backend());
    }

    public Qr(LinalgBackend backend) {
        this.backend = backend;
    }

    /** {@code a = q r}, q m×k orthonormal, r k×n upper triangular, in a's element type. */
    public QrResult decompose(DenseMatrix a) {
        Linalg.requireFinite("QR input", a);
        return backend.qr(a);
    }

    /** {@code a[:, perm] = q r} with |r_ii| non-increasing; computed in float64. */
    public PivotedQrResult decomposePivoted(DenseMatrix a) {
        Linalg.requireFinite("pivoted QR input", a);
        return backend.pivotedQr(a.toDouble());
    }
}
