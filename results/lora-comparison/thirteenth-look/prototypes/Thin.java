package org.lowrank4j.nn.tensor;

/** Prototype: LoRA's thin products on contiguous float tensors. */
public final class Thin {
    public static final boolean ON = Boolean.getBoolean("thin");
    private static float[] d(Tensor t) { return ((FloatTensor) t).data(); }
    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }
    /** H(N,r) = X(N,k)·A(r,k)ᵀ */
    public static void xAt(Tensor h, Tensor x, Tensor a) {
        int r = a.dim(0), k = a.dim(1), n = x.size() / k;
        float[] hx = d(h), xx = d(x), ax = d(a);
        VectorOps.dotRows(xx, ax, hx, 0, n, k, r, 1f, 0f);
    }
    /** y(N,m) += s·H(N,r)·B(m,r)ᵀ */
    public static void addHBt(Tensor y, Tensor h, Tensor b, double s) {
        int m = b.dim(0), r = b.dim(1), n = h.dim(0);
        float[] bt = transpose(d(b), m, r);
        VectorOps.axpyRows(d(h), bt, d(y), 0, n, r, m, (float) s, 1f);
    }
    /** dB(m,r) += s·dy(N,m)ᵀ·H(N,r) */
    public static void addDyTH(Tensor db, Tensor dy, Tensor h, double s) {
        int m = db.dim(0), r = db.dim(1), n = h.dim(0);
        float[] e = new float[r * m];
        VectorOps.gramT(d(h), d(dy), e, n, r, m, 0, m, (float) s);
        float[] dbx = d(db);
        for (int o = 0; o < m; o++) for (int j = 0; j < r; j++) dbx[o * r + j] += e[j * m + o];
    }
    /** G(N,r) = s·dy(N,m)·B(m,r) */
    public static void dyB(Tensor g, Tensor dy, Tensor b, double s) {
        int m = b.dim(0), r = b.dim(1), n = g.dim(0);
        float[] bt = transpose(d(b), m, r);
        VectorOps.dotRows(d(dy), bt, d(g), 0, n, m, r, (float) s, 0f);
    }
    /** dA(r,k) += G(N,r)ᵀ·X(N,k) */
    public static void addGtX(Tensor da, Tensor g, Tensor x) {
        int r = da.dim(0), k = da.dim(1), n = g.dim(0);
        VectorOps.gramT(d(g), d(x), d(da), n, r, k, 0, k, 1f);
    }
    /** dx(N,k) += G(N,r)·A(r,k) */
    public static void addGA(Tensor dx, Tensor g, Tensor a) {
        int r = a.dim(0), k = a.dim(1), n = g.dim(0);
        VectorOps.axpyRows(d(g), d(a), d(dx), 0, n, r, k, 1f, 1f);
    }
}
