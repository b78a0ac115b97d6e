package org.lowrank4j.compress.cskv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.model.DecoderFolder;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.lowrank4j.compress.runtime.RuntimeCompression;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.llama.LowRankFolder;
import org.lowrank4j.nn.cskv.CskvFolder;
import org.lowrank4j.nn.cskv.CskvLayer;
import org.lowrank4j.nn.cskv.CskvProjection;
import org.lowrank4j.nn.layers.Attention;
import org.lowrank4j.nn.train.TextFolder;

/**
 * Builds a CSKV folder from a dense LLaMA-family decoder folder: ranks {@code int(ρ·d_h)·n_kv} for keys and values,
 * A and B from the SVD of each key/value projection, or (ASVD) of it scaled by the per-channel mean |x| of the
 * attention input over calibration windows (the runtime calibration every decoder route uses); then, with
 * {@code trainSteps > 0}, the spec's layer-wise training of A and B on the calibration inputs ({@link CskvTraining}).
 */
public final class CskvCompression {
    /** Calibration windows of the model's context when none is given. */
    public static final int DEFAULT_WINDOWS = 16;

    /** Recent positions kept in full precision when none is given (fewer when the model's context is shorter). */
    public static final int DEFAULT_WINDOW = 32;

    /**
     * @param init          {@code svd} or {@code asvd}
     * @param calibration   a .txt file or a folder (ASVD only); calibrationFrom/To select YEAR_*.txt files of a folder
     * @param window        recent positions kept in full precision, at most the model's context (null: {@value #DEFAULT_WINDOW}
     *                      or the context, whichever is shorter)
     * @param windows       calibration windows (null: {@value #DEFAULT_WINDOWS})
     * @param trainSteps    layer-wise training steps of A and B (0: none; needs calibration)
     * @param trainLr       Adam's learning rate for that training
     */
    public record Request(Path model, Path out, double keyDensity, double valueDensity, Integer window, String init, Path calibration,
                          Integer calibrationFrom, Integer calibrationTo, Integer windows, boolean force, int trainSteps, double trainLr) {

        /** No layer-wise training. */
        public Request(Path model, Path out, double keyDensity, double valueDensity, Integer window, String init, Path calibration,
                       Integer calibrationFrom, Integer calibrationTo, Integer windows, boolean force) {
            this(model, out, keyDensity, valueDensity, window, init, calibration, calibrationFrom, calibrationTo, windows, force, 0,
                    DEFAULT_TRAIN_LR);
        }
    }

    /** Adam's learning rate of the layer-wise training when none is given. */
    public static final double DEFAULT_TRAIN_LR = 1e-3;

    /**
     * What was written: the manifest, the KV-cache values per token per layer before and after (history, no window), and
     * with training the mean relative reconstruction loss tr(E Ĝ Eᵀ)/tr(W Ĝ Wᵀ) of the key and value projections before
     * and after it (NaN without training).
     */
    public record Report(CskvFolder.Manifest manifest, int fullValuesPerToken, int shrunkValuesPerToken, double seconds, double lossBefore,
                         double lossAfter) {
    }

    private CskvCompression() {
    }

    /** @throws IllegalArgumentException for a user mistake (one line naming the option or file) */
    public static Report run(Request r, Progress progress) throws IOException {
        long start = System.nanoTime();
        String init = r.init() == null ? "asvd" : r.init().toLowerCase(Locale.ROOT);
        if (!init.equals("svd") && !init.equals("asvd")) {
            throw new IllegalArgumentException("--init must be svd or asvd, got " + r.init());
        }
        if (r.trainSteps() < 0) {
            throw new IllegalArgumentException("--train-steps must be 0 (no training) or more, got " + r.trainSteps());
        }
        if (!(r.trainLr() > 0) || !Double.isFinite(r.trainLr())) {
            throw new IllegalArgumentException("--train-lr must be a positive number, got " + r.trainLr());
        }
        boolean train = r.trainSteps() > 0;
        if (init.equals("svd") && !train && (r.calibration() != null || r.calibrationFrom() != null || r.calibrationTo() != null)) {
            throw new IllegalArgumentException("--init svd reads no calibration text; drop --calib/--calib-from/--calib-to, or use --init asvd"
                    + " or --train-steps");
        }
        if (r.window() != null && r.window() < 1) {
            throw new IllegalArgumentException("--window must be at least 1 position, got " + r.window());
        }
        DecoderFolder.requireModelFolder(r.model());
        CskvFolder.requireDenseSource(r.model());
        org.lowrank4j.formats.io.OutputPlan.of("--out", r.out(), r.force()).folderOutput(true).input("--model", r.model()).input("--calib", r.calibration()).check();
        LowRankFolder.requireOutput(r.out(), r.model());
        String families = "CSKV shrinks the KV cache of LLaMA-family decoder folders (model_type "
                + String.join(", ", org.lowrank4j.formats.hf.HfArchitecture.LLAMA.modelTypes()) + ")";
        if (org.lowrank4j.nn.arch.mamba.MambaConfig.isMambaFolder(r.model())) { // a state-space model: no KV cache at all
            throw new IllegalArgumentException(families + "; --model " + r.model() + " is a Mamba folder");
        }
        HfConfig config = HfConfig.read(r.model());
        if (config.architecture() != org.lowrank4j.formats.hf.HfArchitecture.LLAMA) {
            throw new IllegalArgumentException(families + "; --model " + r.model() + " is " + config.modelType());
        }
        int headSize = config.headDim(), kvHeads = config.numKeyValueHeads(), dKv = headSize * kvHeads;
        int keyRank = rank("--k-density", r.keyDensity(), headSize, kvHeads), valueRank = rank("--v-density", r.valueDensity(), headSize, kvHeads);
        int window = r.window() == null ? Math.min(DEFAULT_WINDOW, config.maxPositionEmbeddings()) : r.window();
        if (window > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("--window " + r.window() + " is larger than the context of --model " + r.model() + " ("
                    + config.maxPositionEmbeddings() + " positions); give at most " + config.maxPositionEmbeddings());
        }
        LlamaModel model = DecoderFolder.loadModel(r.model());
        if (LlamaModel.hasHeadNorms(model.config())) { // before any calibration or training: CskvModel refuses it too
            throw new IllegalArgumentException("--model " + r.model() + " is " + model.config().modelType() + ", whose keys are normalised per head (or over the"
                    + " whole key projection) once projected; CSKV shrinks that projection's output, so its cache cannot be shrunk this way");
        }
        if (LlamaModel.capsScores(model.config())) {
            throw new IllegalArgumentException("--model " + r.model() + " is " + model.config().modelType() + ", whose attention soft-caps"
                    + " its scores; CSKV's compressed attention does not");
        }
        Map<String, LayerStats> stats = null;
        long calibrationTokens = 0;
        String calibrationName = "none";
        if (init.equals("asvd") || train) {
            if (r.calibration() == null) {
                throw new IllegalArgumentException((train ? "--train-steps" : "--init asvd") + " reads calibration text: give --calib (a .txt file or a"
                        + " folder of them)" + (train ? "" : ", or use --init svd"));
            }
            if ((r.calibrationFrom() != null || r.calibrationTo() != null) && !Files.isDirectory(r.calibration())) {
                throw new IllegalArgumentException("--calib-from and --calib-to select the YEAR_*.txt files of a --calib folder, but --calib "
                        + r.calibration() + " is not a folder");
            }
            int count = r.windows() == null ? DEFAULT_WINDOWS : r.windows();
            if (count < 1) {
                throw new IllegalArgumentException("--calib-windows must be at least 1, got " + count);
            }
            int context = model.defaultWindow();
            int[][] windows = DecoderRuntime.calibrationWindows(DecoderFolder.loadTokenizer(r.model(), model.vocabSize()),
                    TextFolder.readText(r.calibration(), r.calibrationFrom(), r.calibrationTo(), "--calib"), r.calibration(), context, count,
                    "--calib-windows");
            RuntimeCompression job = new RuntimeCompression(new DecoderRuntime(model, windows, DecoderRuntime.windowsPerBatch(context)));
            job.calibrate(progress);
            stats = job.stats();
            calibrationTokens = (long) windows.length * context;
            calibrationName = r.calibration().getFileName() + (r.calibrationFrom() == null && r.calibrationTo() == null ? ""
                    : " " + (r.calibrationFrom() == null ? "" : r.calibrationFrom()) + "-" + (r.calibrationTo() == null ? "" : r.calibrationTo()));
        }
        List<CskvLayer> layers = new ArrayList<>();
        int count = config.numHiddenLayers(), c = config.hiddenSize();
        double before = 0, after = 0;
        for (int i = 0; i < count; i++) {
            Attention a = model.block(i).attention();
            LayerStats keyStats = stats == null ? null : stats.get("block " + i + " attention.key");
            double[] meanAbs = init.equals("asvd") ? keyStats.meanAbs() : null;
            double[] wk = a.key().weight().toDense().toDoubleArray(), wv = a.value().weight().toDense().toDoubleArray();
            CskvProjection key = CskvProjection.asvd(wk, dKv, c, keyRank, meanAbs), value = CskvProjection.asvd(wv, dKv, c, valueRank, meanAbs);
            if (train) { // keys and values read the same normalised input, so one Gram serves both
                CskvTraining.Result k = CskvTraining.train(key, wk, keyStats.gram(), keyStats.tokens(), r.trainSteps(), r.trainLr());
                CskvTraining.Result v = CskvTraining.train(value, wv, keyStats.gram(), keyStats.tokens(), r.trainSteps(), r.trainLr());
                key = k.projection();
                value = v.projection();
                before += (k.relativeLossBefore() + v.relativeLossBefore()) / (2.0 * count);
                after += (k.relativeLossAfter() + v.relativeLossAfter()) / (2.0 * count);
            }
            layers.add(new CskvLayer(key, value));
            progress.update(train ? "factorise + train" : "factorise", i + 1, count, "block " + i);
        }
        CskvFolder.Manifest manifest = new CskvFolder.Manifest(r.model().getFileName().toString(), init, r.keyDensity(), r.valueDensity(),
                keyRank, valueRank, window, calibrationName, calibrationTokens, r.trainSteps());
        CskvFolder.write(r.model(), layers, manifest, r.out());
        return new Report(manifest, 2 * dKv, keyRank + valueRank, (System.nanoTime() - start) / 1e9, train ? before : Double.NaN,
                train ? after : Double.NaN);
    }

    private static int rank(String option, double density, int headSize, int kvHeads) {
        if (!(density > 0) || density > 1) {
            throw new IllegalArgumentException(option + " must be in (0, 1] (the fraction of key/value channels kept), got " + density);
        }
        return CskvProjection.rank(density, headSize, kvHeads);
    }
}
