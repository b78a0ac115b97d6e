// How much of a real gradient each projection keeps: for every block matrix of a decoder, the gradient G of one
// training batch (4 windows × 256 bytes of SOTU 1790–1945) and the share of ‖G‖² inside GaLore's rank-r subspace (top r
// singular vectors, Σσᵢ²) against the DCT form's (the r DCT-II columns of largest L1 score, Σ‖S[:, j]‖² with S = G·Q, or
// rows of Qᵀ·G on the left). The share is what the projected Adam step can see of the gradient.
// Run from the repository root (MODEL = a decoder folder, or "init" for the trainer's seed-1 initialisation of the
// SOTU decoder's configuration; RANK default 80; AT = byte offset of the batch in the 1790–1945 text, default 1000000):
//   jshell -R-Dlowrank.threads=1 -R-DMODEL=$WORK/full-s2 --class-path lowrank-cli/target/lowrank.jar results/lowrank-training/subspace-energy.jsh
import java.nio.file.*;
import java.util.*;
import org.lowrank4j.formats.hf.*;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.*;
import org.lowrank4j.nn.tensor.*;
import org.lowrank4j.nn.train.lowrank.*;
String which = System.getProperty("MODEL", "init");
int rank = Integer.getInteger("RANK", 80);
int at = Integer.getInteger("AT", 1_000_000);
LlamaModel model;
if (which.equals("init")) {
    HfConfig config = HfConfig.builder(HfArchitecture.LLAMA).hiddenSize(320).intermediateSize(864).numHiddenLayers(6).numAttentionHeads(8)
            .numKeyValueHeads(4).vocabSize(256).maxPositionEmbeddings(256).tieWordEmbeddings(true).build();
    model = LlamaModel.create(config, Precision.FLOAT32);
    model.initialize(new Random(1));
} else {
    model = LlamaModel.load(Path.of(which), Precision.FLOAT32);
}
StringBuilder text = new StringBuilder();
try (var files = Files.list(Path.of("../shared/data/sotu"))) {
    for (Path f : files.sorted().toList()) {
        int year = Integer.parseInt(f.getFileName().toString().substring(0, 4));
        if (year >= 1790 && year <= 1945) text.append(Files.readString(f));
    }
}
byte[] bytes = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
int[][] inputs = new int[4][256], targets = new int[4][256];
for (int b = 0; b < 4; b++) for (int t = 0; t < 256; t++) {
    inputs[b][t] = bytes[at + b * 257 + t] & 0xff;
    targets[b][t] = bytes[at + b * 257 + t + 1] & 0xff;
}
LlamaLanguageModel lm = new LlamaLanguageModel(model);
double loss = lm.lossAndBackward(inputs, targets);
Map<String, double[]> byKind = new TreeMap<>();
double svdAll = 0, dctAll = 0; int count = 0;
for (Parameter p : lm.parameters()) {
    if (!ProjectedAdam.BLOCK_MATRICES.test(p)) continue;
    Tensor g = p.gradient();
    int m = g.dim(0), n = g.dim(1), size = Math.min(m, n);
    double total = 0;
    for (int i = 0; i < g.size(); i++) total += g.get(i) * g.get(i);
    SvdResult svd = new ExactSvd().decompose(g.matrix(m, n), rank);
    double svdShare = 0;
    for (int i = 0; i < rank; i++) svdShare += svd.s()[i] * svd.s()[i];
    svdShare /= total;
    Tensor q = DctBasis.matrix(size, Precision.FLOAT64);
    double[] l1 = new double[size], l2 = new double[size];
    for (int a = 0; a < (m >= n ? m : n); a++) for (int j = 0; j < size; j++) {
        double v = 0;
        for (int k = 0; k < size; k++) v += m >= n ? g.get(a * n + k) * q.get(k * size + j) : q.get(k * size + j) * g.get(k * n + a);
        l1[j] += Math.abs(v); l2[j] += v * v;
    }
    Integer[] order = new Integer[size];
    for (int j = 0; j < size; j++) order[j] = j;
    Arrays.sort(order, (x, y) -> Double.compare(l1[y], l1[x]));
    double dctShare = 0;
    for (int k = 0; k < rank; k++) dctShare += l2[order[k]];
    dctShare /= total;
    String kind = p.name().replaceAll(".*\\.layers\\.\\d+\\.", "").replace(".weight", "");
    double[] acc = byKind.computeIfAbsent(kind, k -> new double[3]);
    acc[0] += svdShare; acc[1] += dctShare; acc[2]++;
    svdAll += svdShare; dctAll += dctShare; count++;
}
System.out.printf(Locale.ROOT, "model %s, batch loss %.4f, rank %d, %d block matrices%n", which.equals("init") ? "init (seed 1)" : Path.of(which).getFileName(), loss, rank, count);
for (var e : byKind.entrySet()) System.out.printf(Locale.ROOT, "  %-22s SVD %.4f  DCT %.4f%n", e.getKey(), e.getValue()[0] / e.getValue()[2], e.getValue()[1] / e.getValue()[2]);
System.out.printf(Locale.ROOT, "  %-22s SVD %.4f  DCT %.4f%n", "mean", svdAll / count, dctAll / count);
/exit
