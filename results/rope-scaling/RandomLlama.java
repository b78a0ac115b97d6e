import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Writes a LLaMA-family folder with random weights for a given config.json (and copies a tokenizer.json beside it), for
 * measuring what a model of that shape costs to load and export.
 * usage: java -cp lowrank-cli/target/lowrank.jar results/rope-scaling/RandomLlama.java CONFIG.json TOKENIZER.json OUT_DIR [--perturb]
 * ({@code --perturb} also sets every norm weight to 1 + 0.2·N(0, 1) and every bias to 0.2·N(0, 1), which initialisation
 * leaves at 1 and 0, so that a comparison sees them)
 */
public class RandomLlama {
    public static void main(String[] args) throws Exception {
        HfConfig config = HfConfig.read(Path.of(args[0]));
        LlamaModel model = LlamaModel.create(config, Precision.FLOAT32);
        model.initialize(new Random(1));
        if (args.length > 3 && args[3].equals("--perturb")) {
            Random random = new Random(2);
            for (org.lowrank4j.nn.Parameter p : model.parameters()) {
                boolean norm = p.name().endsWith("norm.weight"), bias = p.name().endsWith(".bias");
                for (int i = 0; (norm || bias) && i < p.value().size(); i++) {
                    p.value().set(i, (norm ? 1 : 0) + 0.2 * random.nextGaussian());
                }
            }
        }
        Path out = Path.of(args[2]);
        model.save(out);
        Files.copy(Path.of(args[1]), out.resolve("tokenizer.json"));
    }
}
