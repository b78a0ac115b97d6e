import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.RankRules;
import org.lowrank4j.compress.allocation.UniformAllocator;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.generate.Tokenizer;
import org.lowrank4j.nn.train.TextFolder;

/**
 * Per-site objective of CoSpaDi against whitened SVD at equal storage on models/sotu-decoder: the relative output error
 * on the calibration inputs (64 windows of SOTU 1790-1945, as compare), for K-SVD iterations T and rho = k/s.
 * Run: java -cp lowrank-cli/target/lowrank.jar results/cospadi/SiteAblation.java ../shared/data/sotu SITE...
 */
public class SiteAblation {
    public static void main(String[] args) throws Exception {
        Path model = Path.of("models/sotu-decoder");
        LlamaModel decoder = DecoderFolder.loadModel(model);
        Tokenizer tok = DecoderFolder.loadTokenizer(model, decoder.vocabSize());
        int[] tokens = tok.encode(TextFolder.readText(Path.of(args[0]), 1790, 1945, "--data"));
        RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(decoder, DecoderRuntime.windows(tokens, decoder.maxPositions(), 64), 8));
        job.calibrate(Progress.NONE);
        Map<String, LayerStats> stats = job.stats();
        String[][] variants = {{"0", "4"}, {"3", "4"}, {"10", "4"}, {"30", "4"}, {"10", "2"}, {"10", "8"}};
        System.out.println("| site | ratio | whitened SVD (rank r) | " + String.join(" | ", java.util.Arrays.stream(variants).map(v -> "T=" + v[0] + ", ρ=" + v[1]).toList()) + " |");
        System.out.println("|---|---|---|" + "---|".repeat(variants.length));
        for (int a = 1; a < args.length; a++) {
            String wanted = args[a].replace((char) 95, (char) 32);
            LinearWeight w = job.weights().stream().filter(x -> x.name().equals(wanted)).findFirst().orElseThrow();
            for (double ratio : new double[] {0.2, 0.4}) {
                int r = RankRules.rankForRatio(w.outFeatures(), w.inFeatures(), ratio);
                double[] s = Methods.byName("whitened").prepare(w, stats.get(w.name())).spectrum();
                double tail = 0, total = 0;
                for (int i = 0; i < s.length; i++) {
                    total += s[i] * s[i];
                    tail += i >= r ? s[i] * s[i] : 0;
                }
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.1f | %.3e (r=%d) |", w.name(), ratio, tail / total, r));
                for (String[] v : variants) {
                    CompressionResult c = Methods.crossLayerByName("cospadi:iterations=" + v[0] + ":rho=" + v[1])
                            .prepare(List.of(w), stats, ratio, Progress.NONE).build(ratio, new UniformAllocator());
                    row.append(String.format(Locale.ROOT, " %.3e (%s) |", c.sites().get(0).relativeLoss(), c.sites().get(0).factorization().describe()
                            .replace("dictionary ", "")));
                }
                System.out.println(row);
                System.out.flush();
            }
        }
    }
}
