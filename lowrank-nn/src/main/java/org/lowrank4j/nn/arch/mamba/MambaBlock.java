package org.lowrank4j.nn.arch.mamba;

import static org.lowrank4j.nn.arch.mamba.Elementwise.columns;
import static org.lowrank4j.nn.arch.mamba.Elementwise.putColumns;
import static org.lowrank4j.nn.arch.mamba.Elementwise.sigmoid;
import static org.lowrank4j.nn.arch.mamba.Elementwise.silu;
import static org.lowrank4j.nn.arch.mamba.Elementwise.siluDerivative;
import static org.lowrank4j.nn.arch.mamba.Elementwise.softplus;
import static org.lowrank4j.nn.arch.mamba.Elementwise.tensor;

import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.nn.Layer;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.DenseWeight;

/**
 * Mamba's selective state-space mixer (docs/specs/dlrmamba.md), x (B, L, d) → out (B, L, d), d_inner = C, state N,
 * Δ-rank R, convolution width K:
 * <pre>
 *   [u0, z] = x · W_inᵀ                      in_proj  (2C, d)
 *   u = silu(conv(u0) + conv_bias)          conv1d   (C, 1, K), (C)
 *   [δ, Bt, Ct] = u · W_xᵀ                   x_proj   (R + 2N, C)
 *   Δ = softplus(δ · W_dtᵀ + b_dt)            dt_proj  (C, R), (C)
 *   A = −exp(A_log)                          A_log    (C, N), a {@link Linear} so it may be stored as U·V
 *   y = scan(u, Δ, A, Bt, Ct) + D ⊙ u         D        (C)
 *   out = (y ⊙ silu(z)) · W_outᵀ              out_proj (d, C)
 * </pre>
 * The projections are {@link Linear}s, so compression swaps their weights for low-rank ones. A_log is applied as a
 * linear map of the identity: {@code A_logᵀ = I_N · A_logᵀ}, which lets every weight form (dense, U·V) serve it.
 */
public final class MambaBlock implements Layer {
    private final String name;
    private final int hidden, inner, states, dtRank, width;
    private final Linear inProj;          // (2C, d)
    private final Parameter convWeight;   // (C, 1, K)
    private final Parameter convBias;     // (C)
    private final Linear xProj;           // (R + 2N, C)
    private final Linear dtProj;          // (C, R) + bias (C)
    private final Linear aLog;            // A_log (C, N) as the weight of a map N → C
    private final Parameter skip;         // D (C)
    private final Linear outProj;         // (d, C)
    private final Precision precision;
    private Forward last;                 // what the latest forward keeps for backward

    /** Zero parameters named {@code name + ".in_proj.weight"}, … (Hugging Face's mixer names). */
    public MambaBlock(String name, MambaConfig config, Precision precision) {
        this.name = name;
        this.hidden = config.hidden();
        this.inner = config.inner();
        this.states = config.stateSize();
        this.dtRank = config.dtRank();
        this.width = config.convKernel();
        this.precision = precision;
        this.inProj = Linear.dense(name + ".in_proj", hidden, 2 * inner, false, precision);
        this.convWeight = new Parameter(name + ".conv1d.weight", Tensor.zeros(precision, inner, 1, width));
        this.convBias = new Parameter(name + ".conv1d.bias", Tensor.zeros(precision, inner));
        this.xProj = Linear.dense(name + ".x_proj", inner, dtRank + 2 * states, false, precision);
        this.dtProj = Linear.dense(name + ".dt_proj", dtRank, inner, true, precision);
        this.aLog = new Linear(name + ".A_log", new DenseWeight(new Parameter(name + ".A_log", Tensor.zeros(precision, inner, states))), null);
        this.skip = new Parameter(name + ".D", Tensor.zeros(precision, inner));
        this.outProj = Linear.dense(name + ".out_proj", inner, hidden, false, precision);
    }

    /** The activations of one forward pass, (B·L, ·) arrays in float64. */
    private record Forward(int batch, int length, double[] u0, double[] z, double[] convOut, double[] u, double[] xdbl, double[] dtRaw,
            double[] delta, double[] a, double[] bt, double[] ct, double[] y, double[] decay) {
    }

    /** x (B, L, d) → out (B, L, d). */
    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 3 || x.dim(2) != hidden) {
            throw new IllegalArgumentException(name + ": input of shape " + x.shapeString() + " is not (B, L, " + hidden + ")");
        }
        int batch = x.dim(0), length = x.dim(1), rows = batch * length, xWidth = dtRank + 2 * states;
        double[] xz = inProj.forward(x).toDoubleArray();                                   // (B·L, 2C)
        double[] u0 = columns(xz, rows, 2 * inner, 0, inner), z = columns(xz, rows, 2 * inner, inner, inner);
        double[] convOut = CausalConv.forward(u0, convWeight.value().toDoubleArray(), convBias.value().toDoubleArray(), batch, length, inner, width);
        double[] u = new double[convOut.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = silu(convOut[i]);
        }
        double[] xdbl = xProj.forward(tensor(precision, u, batch, length, inner)).toDoubleArray(); // (B·L, R + 2N)
        double[] dtIn = columns(xdbl, rows, xWidth, 0, dtRank);
        double[] bt = columns(xdbl, rows, xWidth, dtRank, states), ct = columns(xdbl, rows, xWidth, dtRank + states, states);
        double[] dtRaw = dtProj.forward(tensor(precision, dtIn, batch, length, dtRank)).toDoubleArray(); // (B·L, C)
        double[] delta = new double[dtRaw.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = softplus(dtRaw[i]);
        }
        double[] a = transitionMatrix();
        double[] y = new double[rows * inner], decay = new double[rows * inner];
        SelectiveScan.forward(new SelectiveScan.Shape(batch, length, inner, states), u, delta, a, bt, ct, skip.value().toDoubleArray(), y, decay);
        double[] gated = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            gated[i] = y[i] * silu(z[i]);
        }
        last = new Forward(batch, length, u0, z, convOut, u, xdbl, dtRaw, delta, a, bt, ct, y, decay);
        return outProj.forward(tensor(precision, gated, batch, length, inner));
    }

    /** A = −exp(A_log) as a (C, N) array, A_log read through its weight (dense or U·V). */
    private double[] transitionMatrix() {
        double[] transposed = aLog.forward(identity()).toDoubleArray(); // (N, C) = A_logᵀ
        double[] a = new double[inner * states];
        for (int c = 0; c < inner; c++) {
            for (int n = 0; n < states; n++) {
                a[c * states + n] = -Math.exp(transposed[n * inner + c]);
            }
        }
        return a;
    }

    private Tensor identity() {
        Tensor eye = Tensor.zeros(precision, states, states);
        for (int n = 0; n < states; n++) {
            eye.set(n * states + n, 1);
        }
        return eye;
    }

    /** The scan's read-out before gating, y (B, L, C), of the latest forward (float64, not to be modified). */
    public double[] lastReadout() {
        return requireForward().y();
    }

    /** The per-channel decay mean_n exp(Δ·A), (B, L, C), of the latest forward (float64, not to be modified). */
    public double[] lastDecay() {
        return requireForward().decay();
    }

    private Forward requireForward() {
        if (last == null) {
            throw new IllegalStateException(name + ": backward or state read before forward");
        }
        return last;
    }

    @Override
    public Tensor backward(Tensor dy) {
        return backward(dy, null, null);
    }

    /**
     * dout (B, L, d) → dx (B, L, d), with further gradients entering at the read-out y and at the decay (each (B·L·C), or
     * null): what state-alignment distillation adds. Adds into every parameter gradient.
     */
    public Tensor backward(Tensor dout, double[] dReadout, double[] dDecay) {
        Forward f = requireForward();
        int batch = f.batch(), length = f.length(), rows = batch * length, xWidth = dtRank + 2 * states;
        double[] dGated = outProj.backward(dout).toDoubleArray();
        double[] dY = new double[rows * inner], dz = new double[rows * inner];
        for (int i = 0; i < dY.length; i++) {
            double gate = silu(f.z()[i]);
            dY[i] = dGated[i] * gate + (dReadout == null ? 0 : dReadout[i]);
            dz[i] = dGated[i] * f.y()[i] * siluDerivative(f.z()[i]);
        }
        double[] du = new double[rows * inner], dDelta = new double[rows * inner], dA = new double[inner * states];
        double[] dBt = new double[rows * states], dCt = new double[rows * states], dD = new double[inner];
        SelectiveScan.backward(new SelectiveScan.Shape(batch, length, inner, states), f.u(), f.delta(), f.a(), f.bt(), f.ct(),
                skip.value().toDoubleArray(), dY, dDecay, new SelectiveScan.Gradients(du, dDelta, dA, dBt, dCt, dD));
        addInto(skip, dD);
        // A = −exp(A_log): dA_log = dA ⊙ A; A_log's map receives the (N, C) gradient of A_logᵀ
        double[] dALogT = new double[states * inner];
        for (int c = 0; c < inner; c++) {
            for (int n = 0; n < states; n++) {
                dALogT[n * inner + c] = dA[c * states + n] * f.a()[c * states + n];
            }
        }
        aLog.forward(identity()); // the Linear backs up the input of its latest forward
        aLog.backward(tensor(precision, dALogT, states, inner));
        double[] dDtRaw = new double[rows * inner];
        for (int i = 0; i < dDtRaw.length; i++) {
            dDtRaw[i] = dDelta[i] * sigmoid(f.dtRaw()[i]);
        }
        double[] dDtIn = dtProj.backward(tensor(precision, dDtRaw, batch, length, inner)).toDoubleArray();
        double[] dXdbl = new double[rows * xWidth];
        putColumns(dXdbl, rows, xWidth, 0, dDtIn, dtRank);
        putColumns(dXdbl, rows, xWidth, dtRank, dBt, states);
        putColumns(dXdbl, rows, xWidth, dtRank + states, dCt, states);
        double[] duFromX = xProj.backward(tensor(precision, dXdbl, batch, length, xWidth)).toDoubleArray();
        double[] dConvOut = new double[rows * inner];
        for (int i = 0; i < dConvOut.length; i++) {
            dConvOut[i] = (du[i] + duFromX[i]) * siluDerivative(f.convOut()[i]);
        }
        double[] dConvW = new double[inner * width], dConvB = new double[inner];
        double[] du0 = CausalConv.backward(dConvOut, f.u0(), convWeight.value().toDoubleArray(), dConvW, dConvB, batch, length, inner, width);
        addInto(convWeight, dConvW);
        addInto(convBias, dConvB);
        double[] dXz = new double[rows * 2 * inner];
        putColumns(dXz, rows, 2 * inner, 0, du0, inner);
        putColumns(dXz, rows, 2 * inner, inner, dz, inner);
        return inProj.backward(tensor(precision, dXz, batch, length, 2 * inner));
    }

    private static void addInto(Parameter p, double[] values) {
        if (p.isFrozen()) {
            return;
        }
        Tensor g = p.gradient();
        for (int i = 0; i < values.length; i++) {
            g.set(i, g.get(i) + values[i]);
        }
    }

    /**
     * One position for every sequence of the batch against the recurrent state: x (B, 1, d) → out (B, 1, d). Equal to
     * the matching rows of {@link #forward} over the whole sequence; keeps nothing for backward.
     */
    Tensor step(Tensor x, MambaState.Layer state) {
        int batch = x.dim(0);
        double[] xz = inProj.forward(x).toDoubleArray();
        double[] w = convWeight.value().toDoubleArray(), bias = convBias.value().toDoubleArray(), dSkip = skip.value().toDoubleArray();
        double[] u = new double[batch * inner], z = columns(xz, batch, 2 * inner, inner, inner);
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < inner; c++) {
                double u0 = xz[b * 2 * inner + c];
                double sum = bias[c] + w[c * width + width - 1] * u0;
                for (int k = 0; k < width - 1; k++) {
                    sum += w[c * width + k] * state.window(b, k, c);
                }
                state.push(b, c, u0);
                u[b * inner + c] = silu(sum);
            }
        }
        int xWidth = dtRank + 2 * states;
        double[] xdbl = xProj.forward(tensor(precision, u, batch, 1, inner)).toDoubleArray();
        double[] dtRaw = dtProj.forward(tensor(precision, columns(xdbl, batch, xWidth, 0, dtRank), batch, 1, dtRank)).toDoubleArray();
        double[] a = transitionMatrix();
        double[] gated = new double[batch * inner];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < inner; c++) {
                double dl = softplus(dtRaw[b * inner + c]), uu = u[b * inner + c], y = dSkip[c] * uu;
                for (int n = 0; n < states; n++) {
                    double h = Math.exp(dl * a[c * states + n]) * state.h(b, c, n) + dl * xdbl[b * xWidth + dtRank + n] * uu;
                    state.setH(b, c, n, h);
                    y += xdbl[b * xWidth + dtRank + states + n] * h;
                }
                gated[b * inner + c] = y * silu(z[b * inner + c]);
            }
        }
        return outProj.forward(tensor(precision, gated, batch, 1, inner));
    }

    /** Sets a decoding state to where the latest forward ended: its last K − 1 convolution inputs and its final h. */
    void exportState(MambaState.Layer state) {
        Forward f = requireForward();
        double[] h = SelectiveScan.finalState(new SelectiveScan.Shape(f.batch(), f.length(), inner, states), f.u(), f.delta(), f.a(), f.bt());
        state.set(f.batch(), f.length(), f.u0(), h);
    }

    public Linear inProj() {
        return inProj;
    }

    public Linear xProj() {
        return xProj;
    }

    public Linear dtProj() {
        return dtProj;
    }

    /** A_log (C, N) as the weight of a linear map (dense, or low-rank U·V). */
    public Linear aLog() {
        return aLog;
    }

    public Linear outProj() {
        return outProj;
    }

    public Parameter convWeight() {
        return convWeight;
    }

    public Parameter convBias() {
        return convBias;
    }

    /** D (C). */
    public Parameter skip() {
        return skip;
    }

    public String name() {
        return name;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>(inProj.parameters());
        out.add(convWeight);
        out.add(convBias);
        out.addAll(xProj.parameters());
        out.addAll(dtProj.parameters());
        out.addAll(aLog.parameters());
        out.add(skip);
        out.addAll(outProj.parameters());
        return out;
    }
}
