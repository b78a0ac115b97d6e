import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Wall time of a prompt's prefill and one new token (Generator.generate with one greedy token) on a decoder folder: the
 * prompt is the first LENGTH bytes of a text file taken as token ids; 5 rounds after one warm-up, median printed with all
 * rounds, and the new token (so two builds can be checked to agree).
 * usage: java -cp lowrank.jar results/gemma/Prefill.java MODEL_DIR TEXT_FILE LENGTH
 */
public class Prefill {
    public static void main(String[] args) throws Exception {
        LlamaModel model = LlamaModel.load(Path.of(args[0]), Precision.FLOAT32);
        byte[] text = Files.readAllBytes(Path.of(args[1]));
        int[] prompt = new int[Integer.parseInt(args[2])];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = text[i] & 0xff;
        }
        int token = Generator.generate(model, prompt, GenerationOptions.greedy(1), new Random(0)).tokens()[0]; // warm-up
        double[] seconds = new double[5];
        for (int r = 0; r < seconds.length; r++) {
            long t0 = System.nanoTime();
            Generator.generate(model, prompt, GenerationOptions.greedy(1), new Random(0));
            seconds[r] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        System.out.printf("%d prompt tokens: median %.3f s (rounds %s), first new token %d%n", prompt.length, sorted[2], Arrays.toString(seconds), token);
    }
}
