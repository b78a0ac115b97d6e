import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaLanguageModel;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.GradientClipping;

/**
 * The global gradient norm and the clipping scale over every parameter of a decoder folder (the 6.9 M gradients of a
 * full fine-tuning step on models/sotu-decoder), filled with N(0, 1e-6) values: medians of 30 calls of each, five rounds.
 */
public class NormProbe {
    public static void main(String[] args) throws Exception {
        List<Parameter> parameters = new LlamaLanguageModel(LlamaModel.load(Path.of(args[0]), Precision.FLOAT32)).parameters();
        Random random = new Random(1);
        for (Parameter p : parameters) {
            for (int i = 0; i < p.gradient().size(); i++) {
                p.gradient().set(i, random.nextGaussian() * 1e-3);
            }
        }
        for (int round = 0; round < 5; round++) {
            double[] norm = new double[30], scale = new double[30];
            for (int k = 0; k < 30; k++) {
                long start = System.nanoTime();
                GradientClipping.globalNorm(parameters);
                norm[k] = (System.nanoTime() - start) / 1e6;
                start = System.nanoTime();
                GradientClipping.scale(parameters, 1.0000001);
                scale[k] = (System.nanoTime() - start) / 1e6;
            }
            Arrays.sort(norm);
            Arrays.sort(scale);
            System.out.printf("round %d: norm median %.2f ms, scale median %.2f ms%n", round + 1, norm[15], scale[15]);
        }
    }
}
