package org.lowrank4j.compress.mamba;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.arch.mamba.MambaConfig;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.generate.Perplexity;
import org.lowrank4j.nn.generate.PerplexityResult;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.AdamW;
import org.lowrank4j.nn.train.DecoderTraining;
import org.lowrank4j.nn.train.LearningRateSchedule;
import org.lowrank4j.nn.train.TextFolder;
import org.lowrank4j.nn.train.TokenWindows;
import org.lowrank4j.nn.train.Trainer;
import org.lowrank4j.nn.train.TrainingListener;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.TrainingOptions;

/**
 * {@code lowrank recover} for a low-rank Mamba folder: the student (every parameter, factors included) trained for a fixed
 * number of steps with {@link StateDistillation} against the full-rank teacher, or with plain next-token loss when both
 * distillation weights are 0; perplexity of teacher, student before and student after on held-out text; the student
 * written as a Mamba folder (factors kept) and the run as {@code OUT.json}.
 */
public final class MambaRecovery {
    private MambaRecovery() {
    }

    /**
     * @param teacher     the dense Mamba folder (may be null when klWeight and stateWeight are 0)
     * @param student     the low-rank Mamba folder {@code compress} wrote (never modified)
     * @param text        training text (a .txt file or a folder), with years {@code from}–{@code to} for a folder
     * @param evalText    held-out text for perplexity (null: none), years {@code evalFrom}–{@code evalTo}, first {@code evalMaxBytes}
     * @param window      tokens per window (null: the model's context)
     */
    public record Request(Path teacher, Path student, Path out, Path record, boolean force, int steps, int batch, double learningRate,
            double temperature, double klWeight, double stateWeight, long seed, Path text, Integer from, Integer to, Path evalText,
            Integer evalFrom, Integer evalTo, Long evalMaxBytes, Integer window) {
    }

    /** The run: perplexities (null when no eval text), first and last losses with their terms, wall seconds. */
    public record Result(PerplexityResult teacher, PerplexityResult before, PerplexityResult after, double firstLoss, double lastLoss,
            StateDistillation.Terms lastTerms, long studentParameters, long teacherParameters, double seconds) {
    }

    public static Result run(Request r, TrainingListener listener, Consumer<String> notes) throws IOException {
        if (r.steps() < 1 || r.batch() < 1 || !(r.learningRate() > 0)) {
            throw new IllegalArgumentException("--steps and --batch must be at least 1 and --lr positive");
        }
        boolean distils = r.klWeight() > 0 || r.stateWeight() > 0;
        if (distils && r.teacher() == null) {
            throw new IllegalArgumentException("distilling a Mamba folder needs --original (the full-rank teacher folder); for plain fine-tuning"
                    + " give --output-weight 0 --state-weight 0");
        }
        if (r.text() == null) {
            throw new IllegalArgumentException("--text is required for Mamba folders: the text the windows are cut from");
        }
        requireMamba(r.student(), "--compressed");
        if (r.teacher() != null) {
            requireMamba(r.teacher(), "--original");
        }
        MambaModel student = MambaModel.load(r.student(), Precision.FLOAT32);
        MambaModel teacher = r.teacher() == null ? null : MambaModel.load(r.teacher(), Precision.FLOAT32);
        int window = r.window() == null ? student.defaultWindow() : r.window();
        if (window < 2 || window > student.maxPositions()) {
            throw new IllegalArgumentException("--window " + window + " must be in [2, " + student.maxPositions() + "] (the model's context)");
        }
        int[] evalTokens = null;
        long evalBytes = 0;
        if (r.evalText() != null) {
            String content = TextFolder.readText(r.evalText(), r.evalFrom(), r.evalTo(), "--eval-text");
            if (r.evalMaxBytes() != null) {
                content = TextFolder.firstBytes(content, r.evalMaxBytes());
            }
            evalTokens = new ByteTokenizer().encode(content);
            evalBytes = content.getBytes(StandardCharsets.UTF_8).length;
        }
        int[] tokens = new ByteTokenizer().encode(TextFolder.readText(r.text(), r.from(), r.to(), "--text"));
        TokenWindows windows = new TokenWindows(tokens, student.vocabSize(), window, r.seed());
        windows.requireBatchFits("--batch", r.batch(), "--text " + r.text()); // before the evaluations, not at the first step
        StateDistillation objective = new StateDistillation(distils ? teacher : null, student, r.temperature(), r.klWeight(), r.stateWeight());
        PerplexityResult teacherPpl = evalTokens != null && teacher != null ? Perplexity.evaluate(teacher, evalTokens, window, evalBytes) : null;
        PerplexityResult before = evalTokens != null ? Perplexity.evaluate(student, evalTokens, window, evalBytes) : null;
        var optimizer = TrainingMethod.full().create(objective.parameters(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.0));
        LearningRateSchedule schedule = new LearningRateSchedule(r.learningRate(), r.learningRate() / 10, Math.max(1, r.steps() / 10), r.steps());
        double[] losses = {Double.NaN, Double.NaN};
        TrainingListener tracking = new TrainingListener() {
            @Override
            public void onStep(StepReport report) {
                if (report.step() == 0) {
                    losses[0] = report.loss();
                }
                losses[1] = report.loss();
                listener.onStep(report);
            }
        };
        long start = System.nanoTime();
        new Trainer(objective, optimizer, windows, null, TrainingOptions.of(r.batch(), r.steps(), schedule), tracking).run();
        double seconds = (System.nanoTime() - start) / 1e9;
        PerplexityResult after = evalTokens != null ? Perplexity.evaluate(student, evalTokens, window, evalBytes) : null;
        MambaFolders.write(student, r.out());
        Result result = new Result(teacherPpl, before, after, losses[0], losses[1], objective.lastTerms(), student.parameterCount(),
                teacher == null ? 0 : teacher.parameterCount(), seconds);
        writeRecord(r, result);
        notes.accept("wrote " + r.out() + " and " + r.record());
        return result;
    }

    private static void requireMamba(Path folder, String option) {
        DecoderTraining.requireModelFolder(folder);
        if (!MambaConfig.isMambaFolder(folder)) {
            throw new IllegalArgumentException(option + " " + folder + " is not a Mamba model folder (config.json model_type \"mamba\")");
        }
    }

    private static void writeRecord(Request r, Result result) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("original", r.teacher() == null ? null : r.teacher().toString());
        root.put("compressed", r.student().toString());
        root.put("out", r.out().toString());
        root.put("objective", r.klWeight() == 0 && r.stateWeight() == 0 ? "next-token cross-entropy" : "CE + w_KL·τ²·KL + λ·state alignment");
        root.put("steps", r.steps());
        root.put("batch", r.batch());
        root.put("learning_rate", r.learningRate());
        root.put("temperature", r.temperature());
        root.put("kl_weight", r.klWeight());
        root.put("state_weight", r.stateWeight());
        root.put("seed", r.seed());
        root.put("first_loss", result.firstLoss());
        root.put("last_loss", result.lastLoss());
        if (result.lastTerms() != null) {
            root.put("last_cross_entropy", result.lastTerms().crossEntropy());
            root.put("last_kl", result.lastTerms().kl());
            root.put("last_state_alignment", result.lastTerms().state());
        }
        root.put("student_parameters", result.studentParameters());
        root.put("teacher_parameters", result.teacherParameters());
        root.put("train_seconds", result.seconds());
        put(root, "perplexity_teacher", result.teacher());
        put(root, "perplexity_before", result.before());
        put(root, "perplexity_after", result.after());
        Files.createDirectories(r.record().toAbsolutePath().getParent());
        AtomicFiles.writeString(r.record(), json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private static void put(ObjectNode root, String key, PerplexityResult p) {
        if (p != null) {
            ObjectNode n = root.putObject(key);
            n.put("perplexity", p.perplexity());
            n.put("bits_per_byte", p.bitsPerByte());
            n.put("tokens", p.tokens());
            n.put("windows", p.windows());
        }
    }
}
