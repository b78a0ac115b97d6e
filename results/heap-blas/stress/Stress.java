import org.lowrank4j.linalg.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

/** Products on heap arrays in several threads while another thread churns the heap; every result checked. */
public class Stress {
    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(args[0]);
        LinalgBackend nb = Linalg.backend(), jb = Linalg.javaBackend();
        System.out.println(nb.name() + " in place: " + Linalg.nativeBackend().readsHeapInPlace());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong products = new AtomicLong(), bad = new AtomicLong();
        Thread churn = new Thread(() -> {
            List<float[]> keep = new ArrayList<>();
            Random r = new Random(3);
            while (!stop.get()) {
                keep.add(new float[1 + r.nextInt(1 << 18)]);
                if (keep.size() > 200) keep.subList(0, 100).clear();
            }
        });
        churn.start();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> fs = new ArrayList<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int t = 0; t < 3; t++) {
            int seed = t;
            fs.add(pool.submit(() -> {
                Random r = new Random(seed);
                while (System.nanoTime() < end) {
                    int m = 1 + r.nextInt(300), k = 1 + r.nextInt(300), n = 1 + r.nextInt(300);
                    FloatMatrix a = FloatMatrix.gaussian(m, k, r), b = FloatMatrix.gaussian(k, n, r);
                    FloatMatrix c1 = FloatMatrix.zeros(m, n), c2 = FloatMatrix.zeros(m, n);
                    DenseMatrix bb = r.nextBoolean() ? b : b.transpose().copy().transpose();
                    nb.gemm(1, a, bb, 0, c1);
                    jb.gemm(1, a, bb, 0, c2);
                    double err = 0;
                    for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) err = Math.max(err, Math.abs(c1.get(i, j) - c2.get(i, j)));
                    if (err > 1e-3) bad.incrementAndGet();
                    if (m == n && m == k) {
                        nb.triangularGemm(1, a, true, b, 0, c1);
                        jb.triangularGemm(1, a, true, b, 0, c2);
                        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) if (Math.abs(c1.get(i, j) - c2.get(i, j)) > 1e-3) { bad.incrementAndGet(); i = m; break; }
                    }
                    products.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        stop.set(true);
        churn.join();
        pool.shutdown();
        System.out.println("products " + products.get() + ", wrong " + bad.get());
        if (bad.get() > 0) System.exit(1);
    }
}
