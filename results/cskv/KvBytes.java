import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.nn.cskv.CskvFolder;
import org.lowrank4j.nn.generate.CausalLanguageModel;
import org.lowrank4j.nn.generate.DecoderCache;

/**
 * KV-cache bytes per token read from the caches' arrays (KVCache.bytesInUse / bytesAllocated, summed over layers) after
 * decoding the first 255 and then 256 tokens of a text in one sequence, for a dense folder and CSKV folders; prints JSON.
 * Usage: java -cp lowrank-cli/target/lowrank.jar results/cskv/KvBytes.java TEXT FOLDER...
 */
public class KvBytes {
    public static void main(String[] args) throws Exception {
        String text = Files.readString(Path.of(args[0]));
        StringBuilder json = new StringBuilder("[\n");
        for (int f = 1; f < args.length; f++) {
            Path folder = Path.of(args[f]);
            CausalLanguageModel model = DecoderFolder.loadDecoder(folder);
            int[] ids = DecoderFolder.loadTokenizer(folder, model.vocabSize()).encode(text);
            int context = model.maxPositions();
            DecoderCache cache = model.newCache(1, context);
            model.decode(Arrays.copyOf(ids, context - 1), 1, context - 1, cache);
            long at255 = inUse(cache);
            model.decode(new int[] {ids[context - 1]}, 1, 1, cache);
            long at256 = inUse(cache), allocated = 0;
            for (int i = 0; i < cache.layerCount(); i++) {
                allocated += cache.layer(i).bytesAllocated();
            }
            String name = CskvFolder.readManifest(folder).map(m -> String.format(Locale.ROOT, "k%s-v%s-%s-w%d", m.keyDensity(), m.valueDensity(),
                    m.init(), m.window())).orElse("full");
            json.append(String.format(Locale.ROOT,
                    "  {\"model\": \"%s\", \"layers\": %d, \"bytes_per_token_in_use_at_%d\": %.2f, \"bytes_per_token_in_use_at_%d\": %.2f,"
                            + " \"bytes_per_token_allocated_for_%d\": %.2f}%s%n",
                    name, cache.layerCount(), context - 1, at255 / (double) (context - 1), context, at256 / (double) context, context,
                    allocated / (double) context, f + 1 < args.length ? "," : ""));
        }
        System.out.print(json.append("]\n"));
    }

    private static long inUse(DecoderCache cache) {
        long sum = 0;
        for (int i = 0; i < cache.layerCount(); i++) {
            sum += cache.layer(i).bytesInUse();
        }
        return sum;
    }
}
