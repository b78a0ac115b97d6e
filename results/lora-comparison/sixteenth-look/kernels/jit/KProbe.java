package org.lowrank4j.nn.tensor;
import java.util.*;
public class KProbe {
  public static void main(String[] a) {
    int n = 1024, k = Integer.parseInt(a[1]), r = 8; Random rnd = new Random(1);
    boolean transposed = a.length > 2;
    float[] u = new float[n * k], v = new float[(transposed ? n : k) * r], c = new float[(transposed ? k : n) * r];
    for (int i = 0; i < u.length; i++) u[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
    double[] t = new double[15];
    for (int w = 0; w < 15; w++) {
      long s0 = System.nanoTime();
      for (int i = 0; i < 300; i++) {
        if (transposed) {
          switch (a[0]) {
            case "B" -> ThinB.rows8(c, u, 1, k, v, n, 1f, 0f, 0, k);
            case "K2" -> ThinK2.rows(c, u, 1, k, v, n, r, 1f, 0f, 0, k);
            default -> ThinKernels.rows(c, u, 1, k, v, n, r, 1f, 0f, 0, k);
          }
        } else {
          switch (a[0]) {
            case "B" -> ThinB.rows8(c, u, k, 1, v, k, 1f, 0f, 0, n);
            case "K2" -> ThinK2.rows(c, u, k, 1, v, k, r, 1f, 0f, 0, n);
            case "K3" -> ThinK2.rows8(c, u, k, 1, v, 0, k, 1f, 0f, 0, n);
            case "K4" -> ThinK2.rows8b(c, u, k, 1, v, k, 1f, 0f, 0, n);
            default -> ThinKernels.rows(c, u, k, 1, v, k, r, 1f, 0f, 0, n);
          }
        }
      }
      t[w] = (System.nanoTime() - s0) / 3e5;
    }
    double[] s = Arrays.copyOfRange(t, 5, 15); Arrays.sort(s);
    System.out.printf("%s k=%d %s: median %.1f us%n", a[0], k, transposed ? "transposed" : "rows", s[5]);
  }
}
