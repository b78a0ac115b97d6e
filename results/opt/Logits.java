import java.nio.file.Path;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Prints the JVM runtime's logits (float64) of the given token ids for a GPT-2-family folder (GPT-2 or OPT, dense or
 * low-rank), one JSON list of rows, as results/qwen3/Logits.java does for the LLaMA family.
 * usage: java -cp lowrank-cli/target/lowrank.jar results/opt/Logits.java MODEL_DIR ID ID ...
 */
public class Logits {
    public static void main(String[] args) throws Exception {
        Gpt2Model model = Gpt2Model.load(Path.of(args[0]), Precision.FLOAT64);
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
