import java.util.*;
import org.lowrank4j.nn.tensor.*;
/** The six branch products and the frozen products at the bench shapes through MatMul (OpenBLAS), one thread; args: out. */
public class Thin {
  interface Op { void run(); }
  static double time(Op op, int reps) {
    double[] ts = new double[11];
    for (int k = 0; k < 11; k++) { long s = System.nanoTime(); for (int i = 0; i < reps; i++) op.run(); ts[k] = (System.nanoTime() - s) / 1e3 / reps; }
    Arrays.sort(ts); return ts[5];
  }
  public static void main(String[] a) {
    int n = 1024, in = 320, r = 8, out = Integer.parseInt(a[0]); Random rnd = new Random(1); Precision F = Precision.FLOAT32;
    Tensor x = Tensor.gaussian(F, rnd, 1, n, in), dy = Tensor.gaussian(F, rnd, 1, n, out), A = Tensor.gaussian(F, rnd, 1, r, in), B = Tensor.gaussian(F, rnd, 1, out, r);
    Tensor W = Tensor.gaussian(F, rnd, 1, out, in);
    Tensor h = Tensor.zeros(F, n, r), y = Tensor.zeros(F, n, out), dB = Tensor.zeros(F, out, r), g = Tensor.zeros(F, n, r), dA = Tensor.zeros(F, r, in), dx = Tensor.zeros(F, n, in);
    Tensor Wm = Tensor.zeros(F, out, in);
    int reps = 300;
    for (int w = 0; w < 3; w++) {
      System.out.printf("out=%d us: H=XA' %.1f | Y+=sHB' %.1f | dB+=dY'H %.1f | G=dYB %.1f | dA+=G'X %.1f | dX+=GA %.1f || frozen Y=XW' %.1f dX=dYW %.1f dW+=dY'X %.1f | W'=W+sBA %.1f%n", out,
        time(() -> MatMul.timesTransposed(h, x, A, 0), reps),
        time(() -> MatMul.gemm(2, h.matrix(), B.matrix().transpose(), 1, y.matrix()), reps),
        time(() -> MatMul.gemm(2, dy.matrix().transpose(), h.matrix(), 1, dB.matrix()), reps),
        time(() -> MatMul.gemm(2, dy.matrix(), B.matrix(), 0, g.matrix()), reps),
        time(() -> MatMul.addTransposedTimes(dA, g, x), reps),
        time(() -> MatMul.times(dx, g, A, 1), reps),
        time(() -> MatMul.timesTransposed(y, x, W, 0), reps),
        time(() -> MatMul.times(dx, dy, W, 0), reps),
        time(() -> MatMul.addTransposedTimes(Wm, dy, x), reps),
        time(() -> { Wm.copyFrom(W); MatMul.gemm(2, B.matrix(), A.matrix(), 1, Wm.matrix()); }, reps));
    }
  }
}
