import java.nio.file.Path;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Prefill of a decoder folder repeated, with STEPS single-token decoding steps between prefills (192 as in the
 * decoders bench, one folder only): 12 rounds, each prefill of 64 tokens timed alone.
 * usage: java -cp lowrank-bench.jar:. Prefill FOLDER [STEPS]
 */
public class Prefill {
    public static void main(String[] a) throws Exception {
        LlamaModel model = LlamaModel.load(Path.of(a[0]), Precision.FLOAT32);
        int steps = a.length > 1 ? Integer.parseInt(a[1]) : 192;
        int[] prompt = new int[64];
        for (int i = 0; i < 64; i++) prompt[i] = (i * 37) % 256;
        StringBuilder out = new StringBuilder();
        for (int round = 0; round < 12; round++) {
            var cache = model.newCache(1, 256);
            long t0 = System.nanoTime();
            model.decode(prompt, 1, 64, cache);
            long t1 = System.nanoTime();
            int next = 1;
            for (int i = 0; i < steps; i++) model.decode(new int[] {next}, 1, 1, cache);
            if (true) out.append(String.format("round %d prefill %.0f tok/s%n", round, 64 / ((t1 - t0) / 1e9)));
        }
        System.out.print(out);
    }
}
