import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.lowrank4j.adapt.finetune.AdapterLanguageModel;
import org.lowrank4j.adapt.lora.*;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.*;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.*;

/** LoRA r = 8 on q, k, v, o steps with lora_dropout 0 and with p, alternated in one JVM (args: model rounds p). */
public class DropoutSteps {
    public static void main(String[] a) throws Exception {
        Path folder = Path.of(a[0]);
        int rounds = Integer.parseInt(a[1]);
        double p = Double.parseDouble(a[2]);
        int[] tokens = new ByteTokenizer().encode(Files.readString(folder.resolve("README.md"), StandardCharsets.UTF_8));
        Trainer[] trainers = new Trainer[2];
        for (int m = 0; m < 2; m++) {
            LlamaModel model = LlamaModel.load(folder, Precision.FLOAT32);
            double drop = m == 0 ? 0 : p;
            LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 42);
            lora.addAdapter("default", TargetModules.names(List.of("q_proj", "k_proj", "v_proj", "o_proj")), x -> new LoraSettings(8, 16, drop, false), new Random(42));
            lora.freezeOthers();
            lora.setTraining(true);
            LanguageModel lm = new AdapterLanguageModel(new LlamaLanguageModel(model), lora);
            Parameter.freezeAllBut(model.parameters(), lm.parameters());
            trainers[m] = new Trainer(lm, new AdamW(lm.parameters(), AdamW.Settings.fineTuning(0)),
                    new TokenWindows(tokens, model.vocabSize(), model.maxPositions(), 42), null,
                    TrainingOptions.of(4, Integer.MAX_VALUE, LearningRateSchedule.constant(1e-4)), null);
        }
        double[][] t = new double[2][rounds];
        for (int r = -3; r < rounds; r++) {
            for (int m = 0; m < 2; m++) {
                long s = System.nanoTime();
                trainers[m].runStep();
                if (r >= 0) t[m][r] = (System.nanoTime() - s) / 1e6;
            }
        }
        for (double[] x : t) Arrays.sort(x);
        System.out.printf("LoRA step medians: dropout 0 %.1f ms, dropout %.2f %.1f ms (+%.1f ms)%n", t[0][rounds / 2], p, t[1][rounds / 2], t[1][rounds / 2] - t[0][rounds / 2]);
    }
}
