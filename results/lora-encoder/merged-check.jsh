// The merged ONNX encoder against the JVM encoder running the adapter unmerged, on the real MiniLM: mean-pooled,
// L2-normalised embeddings of the first 32 texts of $DATA, ONNX Runtime on $MERGED against BertOnnx($M/model.onnx) + the
// adapter folder $ADAPTER. Prints the largest absolute difference and how far the adapter moved the embeddings. Run:
//   M=$M DATA=... ADAPTER=$WORK/spam-r8 MERGED=$WORK/minilm-spam-r8.onnx jshell --class-path lowrank-cli/target/lowrank.jar results/lora-encoder/merged-check.jsh
import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.adapt.classify.EncoderPooling;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.compress.eval.*;
import org.lowrank4j.compress.tokenize.EncodedBatch;
import org.lowrank4j.compress.tokenize.HfTokenizer;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.arch.bert.BertOnnx;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.train.LabelledTexts;

Path m = Path.of(System.getenv("M"));
List<String> texts = LabelledTexts.load(Path.of(System.getenv("DATA"))).texts().subList(0, 32);
HfTokenizer tokenizer = HfTokenizer.load(m.resolve("tokenizer.json"));
float[][] merged, original;
try (EmbeddingRunner a = EmbeddingRunner.open(Path.of(System.getenv("MERGED"))); EmbeddingRunner b = EmbeddingRunner.open(m.resolve("model.onnx"))) {
    merged = a.embed(tokenizer, texts, Pooling.MEAN, true);
    original = b.embed(tokenizer, texts, Pooling.MEAN, true);
}
BertModel encoder = BertOnnx.load(m.resolve("model.onnx"), Precision.FLOAT32);
PeftFolder.apply(PeftFolder.read(Path.of(System.getenv("ADAPTER"))), LoraModel.over(ModulePaths.bert(encoder), 0), "default", Precision.FLOAT32);
double worst = 0, moved = 0;
for (int start = 0; start < texts.size(); start += 8) {
    EncodedBatch batch = tokenizer.encode(texts.subList(start, start + 8));
    int n = batch.size(), t = batch.length();
    int[] ids = new int[n * t], mask = new int[n * t];
    for (int i = 0; i < n; i++) for (int j = 0; j < t; j++) { ids[i * t + j] = (int) batch.inputIds()[i][j]; mask[i * t + j] = (int) batch.attentionMask()[i][j]; }
    Tensor pooled = EncoderPooling.MEAN.forward(encoder.forward(ids, null, mask, n, t), mask, n, t);
    int c = pooled.dim(1);
    for (int i = 0; i < n; i++) {
        double norm = 0;
        for (int j = 0; j < c; j++) norm += pooled.get(i * c + j) * pooled.get(i * c + j);
        for (int j = 0; j < c; j++) {
            double v = pooled.get(i * c + j) / Math.sqrt(norm);
            worst = Math.max(worst, Math.abs(v - merged[start + i][j]));
            moved = Math.max(moved, Math.abs(v - original[start + i][j]));
        }
    }
}
System.out.printf(java.util.Locale.ROOT, "{\"texts\": %d, \"max_abs_diff_merged_onnx_vs_jvm_adapter\": %.3e, \"max_abs_change_by_adapter\": %.3e}%n", texts.size(), worst, moved);
tokenizer.close();
/exit
