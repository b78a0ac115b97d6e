import java.util.Random;
import org.lowrank4j.adapt.lora.*;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.tensor.*;
import org.lowrank4j.nn.weight.*;
/**
 * One projection of the SOTU decoder's LoRA step (1,024 rows of 320 in, OUT out, r = 8): the frozen weight's forward
 * and input gradient alone against the same with the LoRA branch (its two products forward, four backward), 200 times
 * each, five rounds. Usage (repository root, after mvn install):
 * javac -cp lowrank-bench/target/lowrank-bench.jar -d WORK results/lora-comparison/twelfth-look/BranchProbe.java
 * OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX java -Dlowrank.threads=1 -XX:ActiveProcessorCount=1 \
 *   -cp lowrank-bench/target/lowrank-bench.jar:WORK BranchProbe [OUT]
 */
public class BranchProbe {
    public static void main(String[] a) {
        Random r = new Random(1);
        int n = 1024, in = 320, out = Integer.parseInt(a.length > 0 ? a[0] : "320"), rank = 8;
        DenseWeight base = new DenseWeight(new Parameter("w", Tensor.gaussian(Precision.FLOAT32, r, 0.05, out, in)));
        LoraWeight lora = new LoraWeight("m", base, null);
        lora.addAdapter(new LoraAdapter("default", new Parameter("a", Tensor.gaussian(Precision.FLOAT32, r, 0.05, rank, in)),
                new Parameter("b", Tensor.gaussian(Precision.FLOAT32, r, 0.05, out, rank)), 16, false, 0));
        Tensor x = Tensor.gaussian(Precision.FLOAT32, r, 1, n, in), dy = Tensor.gaussian(Precision.FLOAT32, r, 1, n, out);
        Tensor y = Tensor.zeros(Precision.FLOAT32, n, out), dx = Tensor.zeros(Precision.FLOAT32, n, in);
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) { base.forwardInto(y, x); FrozenWeight.inputGradientInto(base, dx, dy, x, false); }
            double frozen = (System.nanoTime() - t0) / 1e6 / 200;
            t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) { lora.forwardInto(y, x); lora.backwardInto(dx, dy, x, false); }
            double withBranch = (System.nanoTime() - t0) / 1e6 / 200;
            System.out.printf("round %d out %d: frozen fwd+bwd %.3f ms, with the r=%d branch %.3f ms, branch %.3f ms%n", round, out, frozen, rank, withBranch, withBranch - frozen);
        }
    }
}
