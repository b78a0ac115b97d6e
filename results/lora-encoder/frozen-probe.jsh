// The frozen-embedding logistic probe of `lowrank eval`, on the labelled set a classifier run used:
// MiniLM embeddings from ONNX Runtime (mean pooling, L2-normalised, 128 tokens), LogisticProbe (standardised features, l2 0.3),
// on split seed 42 / train fraction 0.7 (the split `finetune --task classify --held-out 0.3 --seed 42` holds out) and
// averaged over eval's five splits (seeds 42..46). Run from the repository root:
//   M=$M DATA=/path/to/labels jshell --class-path lowrank-cli/target/lowrank.jar results/lora-encoder/frozen-probe.jsh
import java.nio.file.Path;
import org.lowrank4j.compress.eval.*;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.train.LabelledTexts;

Path m = Path.of(System.getenv("M"));
LabelledTexts data = LabelledTexts.load(Path.of(System.getenv("DATA")));
EvalOptions options = EvalOptions.defaults();
float[][] x;
try (HfTokenizer tokenizer = HfTokenizer.load(m.resolve("tokenizer.json")); EmbeddingRunner runner = EmbeddingRunner.open(m.resolve("model.onnx"))) {
    x = runner.embed(tokenizer, data.texts(), Pooling.MEAN, true);
}
int[] y = data.labels();
LogisticProbe.Split split = LogisticProbe.stratifiedSplit(y, options.probeTrainFraction(), options.seed());
float[][] trainX = new float[split.train().length][];
int[] trainY = new int[split.train().length];
for (int i = 0; i < trainX.length; i++) { trainX[i] = x[split.train()[i]]; trainY[i] = y[split.train()[i]]; }
LogisticProbe probe = LogisticProbe.fit(trainX, trainY, options.probeL2());
int[] tp = new int[2], predicted = new int[2], actual = new int[2];
int right = 0;
for (int i : split.test()) {
    int p = probe.predict(x[i]);
    predicted[p]++; actual[y[i]]++;
    if (p == y[i]) { right++; tp[p]++; }
}
double f1 = 0;
for (int c = 0; c < 2; c++) f1 += (predicted[c] + actual[c]) == 0 ? 0 : 2.0 * tp[c] / (predicted[c] + actual[c]);
EvalReport.Probe five = Evaluation.probe(x, x, data, options);
System.out.printf(java.util.Locale.ROOT, "{\"data\": \"%s\", \"texts\": %d, \"split_seed\": %d, \"train\": %d, \"test\": %d, \"probe_accuracy_split_seed\": %.4f, \"probe_macro_f1_split_seed\": %.4f, \"probe_accuracy_mean_of_%d_splits\": %.4f}%n",
        data.source().replace("\\", "/"), data.size(), options.seed(), split.train().length, split.test().length, (double) right / split.test().length, f1 / 2,
        options.probeSplits(), five.accuracyReference());
/exit
