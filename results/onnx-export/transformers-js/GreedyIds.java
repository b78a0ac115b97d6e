import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.StreamSupport;
import org.lowrank4j.nn.arch.DenseDecoders;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.GenerationOptions;
import org.lowrank4j.nn.generate.Generator;
import org.lowrank4j.nn.tensor.Precision;

/**
 * Greedy token ids of the JVM runtime against transformers.js's, prompt by prompt: reads the lines that
 * {@code IDS=1 node generate.mjs} printed ({"prompt": [...], "generated": [...]}), continues each prompt's ids with the
 * model folder for as many tokens, and prints how many prompts agree id for id (comparing ids, not text, since byte-level
 * models emit bytes that are not UTF-8, and the two sides' decoders replace those differently).
 * usage: java -cp lowrank-cli/target/lowrank.jar results/onnx-export/transformers-js/GreedyIds.java MODEL_DIR JS_IDS.jsonl
 */
public class GreedyIds {
    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]); // a LLaMA-family or GPT-2-family (GPT-2, OPT) folder
        CausalLanguageModel model = DenseDecoders.load(folder, Precision.FLOAT32);
        List<String> lines = Files.readAllLines(Path.of(args[1]));
        ObjectMapper json = new ObjectMapper();
        int same = 0;
        for (String line : lines) {
            JsonNode row = json.readTree(line);
            int[] prompt = ids(row.get("prompt")), expected = ids(row.get("generated"));
            int[] got = Generator.generate(model, prompt, GenerationOptions.greedy(expected.length), new Random(0)).tokens();
            if (java.util.Arrays.equals(got, expected)) {
                same++;
            } else {
                int at = 0;
                while (at < Math.min(got.length, expected.length) && got[at] == expected[at]) {
                    at++;
                }
                System.out.println("  differs from token " + at + " of " + expected.length);
            }
        }
        System.out.println(Path.of(args[0]).getFileName() + ": the JVM's greedy ids equal transformers.js's for " + same + " of " + lines.size() + " prompts");
    }

    private static int[] ids(JsonNode list) {
        return StreamSupport.stream(list.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
