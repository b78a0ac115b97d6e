import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.lowrank4j.adapt.finetune.AdapterLanguageModel;
import org.lowrank4j.adapt.lora.*;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.*;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.*;
import org.lowrank4j.nn.train.*;

/** Full, LoRA, backward-only (nothing trains but layer 0's attention norm) and forward-only steps, alternated. */
public class StepParts {
    public static void main(String[] a) throws Exception {
        Path folder = Path.of(a[0]);
        int rounds = Integer.parseInt(a[1]);
        int[] tokens = new ByteTokenizer().encode(Files.readString(folder.resolve("README.md"), StandardCharsets.UTF_8));
        String[] modes = {"full", "lora", "backprop", "forward"};
        Trainer[] trainers = new Trainer[3];
        LanguageModel fwd = null;
        for (int m = 0; m < 4; m++) {
            LlamaModel model = LlamaModel.load(folder, Precision.FLOAT32);
            LanguageModel lm = new LlamaLanguageModel(model);
            if (modes[m].equals("lora")) {
                LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 42);
                lora.addAdapter("default", TargetModules.names(List.of("q_proj", "k_proj", "v_proj", "o_proj")), x -> LoraSettings.of(8, 16), new Random(42));
                lora.freezeOthers();
                lm = new AdapterLanguageModel(lm, lora);
                Parameter.freezeAllBut(model.parameters(), lm.parameters());
            } else if (!modes[m].equals("full")) {
                List<Parameter> keep = model.parameters().stream().filter(p -> p.name().contains("layers.0.") && p.name().contains("input_layernorm")).toList();
                if (keep.size() != 1) throw new IllegalStateException("names: " + model.parameters().stream().map(Parameter::name).toList());
                Parameter.freezeAllBut(model.parameters(), keep);
                if (modes[m].equals("forward")) { fwd = lm; continue; }
                LanguageModel base = lm;
                lm = new LanguageModel() {
                    public double lossAndBackward(int[][] i, int[][] t) { return base.lossAndBackward(i, t); }
                    public double loss(int[][] i, int[][] t) { return base.loss(i, t); }
                    public List<Parameter> parameters() { return keep; }
                };
            }
            trainers[m] = new Trainer(lm, new AdamW(lm.parameters(), AdamW.Settings.fineTuning(0)),
                    new TokenWindows(tokens, model.vocabSize(), model.maxPositions(), 42), null,
                    TrainingOptions.of(4, Integer.MAX_VALUE, LearningRateSchedule.constant(1e-4)), null);
        }
        TokenWindows.Batch batch = new TokenWindows(tokens, 256, 256, 7).nextBatch(4);
        LanguageModel f = fwd;
        double[][] t = new double[4][rounds];
        for (int r = -3; r < rounds; r++) {
            for (int m = 0; m < 4; m++) {
                long s = System.nanoTime();
                if (m < 3) trainers[m].runStep(); else StepBuffers.during(() -> f.loss(batch.inputs(), batch.targets()));
                if (r >= 0) t[m][r] = (System.nanoTime() - s) / 1e6;
            }
        }
        double[] med = new double[4];
        for (int m = 0; m < 4; m++) { double[] c = t[m].clone(); Arrays.sort(c); med[m] = c[rounds / 2]; }
        System.out.printf("medians ms: full %.1f  lora %.1f  backprop %.1f  forward %.1f%n", med[0], med[1], med[2], med[3]);
        double u = med[0] - med[2];
        System.out.printf("full - backprop (one unit + AdamW on all) %.1f; lora - backprop (branches) %.1f; backprop/full %.3f; lora/full %.3f%n",
                u, med[1] - med[2], med[2] / med[0], med[1] / med[0]);
    }
}
