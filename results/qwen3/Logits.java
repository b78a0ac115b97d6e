import java.nio.file.Path;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Prints the JVM runtime's logits (float64) of the given token ids for a LLaMA-family or GPT-2-family (GPT-2, OPT)
 * folder, one JSON list of rows.
 * usage: java -cp lowrank-cli/target/lowrank.jar results/qwen3/Logits.java MODEL_DIR ID ID ...
 */
public class Logits {
    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        CausalLanguageModel model = DenseDecoders.load(folder, Precision.FLOAT64);
        int[] ids = new int[args.length - 1];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.parseInt(args[i + 1]);
        }
        Tensor logits = model.forward(ids, 1, ids.length);
        int vocab = model.vocabSize();
        StringBuilder sb = new StringBuilder("[");
        for (int t = 0; t < ids.length; t++) {
            sb.append(t == 0 ? "[" : ", [");
            for (int v = 0; v < vocab; v++) {
                sb.append(v == 0 ? "" : ", ").append(logits.get(t * vocab + v));
            }
            sb.append("]");
        }
        System.out.println(sb.append("]"));
    }
}
