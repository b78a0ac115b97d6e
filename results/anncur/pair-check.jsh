// The merged cross-encoder against the JVM encoder running the adapter, on 32 test pairs (test query × item):
// OnnxCrossEncoder (ONNX Runtime, $WORK/ce-next.onnx, token types from the pair encoding) vs SequenceClassifier with the
// adapter unmerged and segment ids from the first [SEP]. Prints the largest score difference and the score spread.
//   M=$M WORK=$WORK jshell --class-path lowrank-cli/target/lowrank.jar results/anncur/pair-check.jsh
import java.nio.file.*;
import java.util.*;
import org.lowrank4j.adapt.classify.*;
import org.lowrank4j.algorithms.anncur.*;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.tensor.*;

Path m = Path.of(System.getenv("M")), work = Path.of(System.getenv("WORK"));
List<String> items = Files.readAllLines(work.resolve("data-next/items.txt")).subList(0, 16);
List<String> queries = Files.readAllLines(work.resolve("data-next/test-queries.txt")).subList(0, 2);
SequenceClassifier loaded = ClassifierFolder.load(m.resolve("model.onnx"), work.resolve("ce-next"), Precision.FLOAT32);
double worst = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
try (HfTokenizer tok = HfTokenizer.load(m.resolve("tokenizer.json"), 64);
     OnnxCrossEncoder ce = OnnxCrossEncoder.open(work.resolve("ce-next.onnx"), m.resolve("tokenizer.json"), work.resolve("ce-next"), "next", 64, 32)) {
    SequenceClassifier jvm = new SequenceClassifier(loaded.encoder(), loaded.pooling(), loaded.head(), (int) tok.pairSeparator());
    int positive = ClassifierFolder.read(work.resolve("ce-next")).classNames().indexOf("next");
    for (String q : queries) {
        double[] onnx = ce.score(q, items);
        int[][] ids = new int[items.size()][];
        for (int i = 0; i < ids.length; i++) ids[i] = Arrays.stream(tok.pairIds(q, items.get(i))).mapToInt(Math::toIntExact).toArray();
        Tensor logits = jvm.logits(ids);
        for (int i = 0; i < ids.length; i++) {
            double s = logits.get(i * 2 + positive) - logits.get(i * 2 + 1 - positive);
            worst = Math.max(worst, Math.abs(s - onnx[i]));
            lo = Math.min(lo, s); hi = Math.max(hi, s);
        }
    }
}
System.out.printf(Locale.ROOT, "{\"pairs\": %d, \"max_abs_score_difference\": %.3e, \"score_min\": %.4f, \"score_max\": %.4f}%n",
        items.size() * queries.size(), worst, lo, hi);
/exit
