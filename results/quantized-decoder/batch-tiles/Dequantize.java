// QuantizedMatrix.dequantizeRows on a random 864 x 320 weight, int4 groups of 32: the median of 200 calls. usage: java -cp lowrank-bench.jar:. Dequantize
import java.util.*;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.quant.*;

public class Dequantize {
    public static void main(String[] a) {
        QuantizedMatrix q = RoundToNearest.quantize(DoubleMatrix.gaussian(864, 320, new Random(1)), QuantizationFormat.asymmetric(4, 32));
        float[] out = new float[864 * 320];
        double[] t = new double[200];
        for (int i = -100; i < 200; i++) { long s = System.nanoTime(); q.dequantizeRows(0, 864, out); if (i >= 0) t[i] = (System.nanoTime() - s) / 1e3; }
        Arrays.sort(t);
        System.out.printf("int4 g32 864x320: %.1f us, %.2f ns per weight%n", t[100], t[100] * 1e3 / (864 * 320));
    }
}
