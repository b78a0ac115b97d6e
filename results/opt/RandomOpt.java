import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Writes a GPT-2-family folder (GPT-2 or OPT, as the config says) with random weights, every LayerNorm weight set to
 * 1 + 0.2·N(0, 1) and every bias and LayerNorm bias to 0.2·N(0, 1) (initialisation leaves them at 1 and 0, where a
 * comparison would not see them), and copies a tokenizer.json beside it.
 * usage: java -cp lowrank-cli/target/lowrank.jar results/opt/RandomOpt.java CONFIG.json TOKENIZER.json OUT_DIR
 */
public class RandomOpt {
    public static void main(String[] args) throws Exception {
        Gpt2Model model = new Gpt2Model(HfConfig.read(Path.of(args[0])), Precision.FLOAT32);
        model.initialize(new Random(1));
        Random random = new Random(2);
        for (Parameter p : model.parameters()) {
            boolean normWeight = p.value().rank() == 1 && p.name().endsWith("norm.weight"), bias = p.name().endsWith("bias");
            for (int i = 0; (normWeight || bias) && i < p.value().size(); i++) {
                p.value().set(i, (normWeight ? 1 : 0) + 0.2 * random.nextGaussian());
            }
        }
        Path out = Path.of(args[2]);
        model.save(out);
        Files.copy(Path.of(args[1]), out.resolve("tokenizer.json"));
    }
}
