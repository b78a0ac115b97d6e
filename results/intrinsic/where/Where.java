import java.nio.file.Path;
import java.util.*;
import org.lowrank4j.algorithms.intrinsic.*;

/** results/intrinsic/where: where does a method's shading error sit? Per validation scene: shading LMSE, and the log-shading error (after the best
 *  global offset) split by the truth within 2 px: shading edge (some |Δ log S| > 0.08), else albedo edge (|Δ log A| > 0.3),
 *  else albedo texture (|Δ log A| > 0.005), else smooth. Retinex at the thresholds the evaluation tunes (0.4, 0.05).
 *  Usage (repository root): java -cp lowrank-cli/target/lowrank.jar results/intrinsic/where/Where.java FIRST_SEED COUNT [MODEL] */
public class Where {
    public static void main(String[] a) throws Exception {
        long first = Long.parseLong(a[0]); int n = Integer.parseInt(a[1]);
        IntrinsicModel model = a.length > 2 ? IntrinsicModelFolder.read(Path.of(a[2])) : null;
        SceneRenderer r = new SceneRenderer(128, 128);
        Retinex ret = new Retinex(0.4, 0.05);
        double[][] sum = new double[2][5]; long[] cnt = new long[5];
        System.out.println("seed retinexShLMSE retinexAlLMSE modelShLMSE modelAlLMSE");
        for (long s = first; s < first + n; s++) {
            Scene sc = r.render(s);
            Decomposition[] ds = {ret.decompose(sc.image()), model == null ? null : model.decompose(sc.image(), 128)};
            StringBuilder line = new StringBuilder(Long.toString(s));
            for (int m = 0; m < 2; m++) {
                Decomposition d = ds[m];
                if (d == null) continue;
                line.append(String.format(" %.4f %.4f", IntrinsicErrors.localMse(d.shading(), sc.shading(), 20), IntrinsicErrors.localMse(d.albedo(), sc.albedo(), 20)));
                double[] e = d.shading().values(), t = sc.shading().values();
                int N = e.length; double off = 0;
                for (int i = 0; i < N; i++) off += (Math.log(e[i]) - Math.log(t[i])) / N;
                for (int y = 0; y < 128; y++) for (int x = 0; x < 128; x++) {
                    int i = y * 128 + x;
                    double err = Math.log(e[i]) - Math.log(t[i]) - off;
                    int cls = classOf(sc, y, x);
                    sum[m][cls] += err * err; if (m == 0) cnt[cls]++;
                }
            }
            System.out.println(line);
        }
        String[] names = {"albedo edge (2px)", "shading edge (2px)", "albedo texture", "smooth", "all"};
        for (int m = 0; m < 2; m++) for (int c = 0; c < 4; c++) sum[m][4] += sum[m][c];
        for (int c = 0; c < 4; c++) cnt[4] += cnt[c];
        System.out.println("class pixels% retinex_sq_log_err_share model_sq_log_err_share retinex_mean model_mean");
        for (int c = 0; c < 5; c++)
            System.out.printf("%-20s %5.1f%% %5.1f%% %5.1f%% %.4f %.4f%n", names[c], 100.0 * cnt[c] / cnt[4], 100 * sum[0][c] / sum[0][4], 100 * sum[1][c] / Math.max(1e-30, sum[1][4]), sum[0][c] / cnt[c], sum[1][c] / cnt[c]);
    }

    static int classOf(Scene sc, int y, int x) {
        double maxA = 0, maxS = 0, minTex = 1e9;
        for (int dy = -2; dy <= 2; dy++) for (int dx = -2; dx <= 2; dx++) {
            int yy = Math.min(127, Math.max(0, y + dy)), xx = Math.min(127, Math.max(0, x + dx));
            int y2 = Math.min(127, yy + 1), x2 = Math.min(127, xx + 1);
            for (int c = 0; c < 3; c++) {
                maxA = Math.max(maxA, Math.abs(Math.log(sc.albedo().get(yy, x2, c)) - Math.log(sc.albedo().get(yy, xx, c))));
                maxA = Math.max(maxA, Math.abs(Math.log(sc.albedo().get(y2, xx, c)) - Math.log(sc.albedo().get(yy, xx, c))));
            }
            maxS = Math.max(maxS, Math.abs(Math.log(sc.shading().get(yy, x2, 0)) - Math.log(sc.shading().get(yy, xx, 0))));
            maxS = Math.max(maxS, Math.abs(Math.log(sc.shading().get(y2, xx, 0)) - Math.log(sc.shading().get(yy, xx, 0))));
        }
        if (maxS > 0.08) return 1;
        if (maxA > 0.3) return 0;
        if (maxA > 0.005) return 2;
        return 3;
    }
}
