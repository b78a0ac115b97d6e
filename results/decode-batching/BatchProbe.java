import java.nio.file.Path;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.generate.*;
/**
 * One decode step of a decoder folder at batch 1, 2, 4 and 8 (after a 64-token prefill), 128 steps each, three rounds:
 * tokens/s and milliseconds a step. Usage (repository root, after mvn install):
 * javac -cp lowrank-cli/target/lowrank.jar -d WORK results/decode-batching/BatchProbe.java
 * OPENBLAS_CORETYPE=Haswell|SkylakeX java -cp lowrank-cli/target/lowrank.jar:WORK BatchProbe models/sotu-decoder
 */
public class BatchProbe {
    public static void main(String[] a) throws Exception {
        CausalLanguageModel m = DecoderFolder.loadDecoder(Path.of(a[0]));
        PinnedWeights.of(m);
        for (int round = 0; round < 3; round++) {
            for (int b : new int[] {1, 2, 4, 8}) {
                int prompt = 64, steps = 128;
                DecoderCache c = m.newCache(b, prompt + steps + 1);
                int[] ids = new int[b * prompt];
                for (int i = 0; i < ids.length; i++) ids[i] = 32 + i % 90;
                m.decode(ids, b, prompt, c);
                int[] one = new int[b];
                java.util.Arrays.fill(one, 101);
                long t0 = System.nanoTime();
                for (int s = 0; s < steps; s++) m.decode(one, b, 1, c);
                double sec = (System.nanoTime() - t0) / 1e9;
                System.out.printf("round %d batch %d: %.1f tokens/s (%.2f ms a step)%n", round, b, b * steps / sec, sec / steps * 1e3);
            }
        }
    }
}
