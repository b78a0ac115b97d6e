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

/**
 * Runs only full or only LoRA (r = 8 on q, k, v, o) steps as the bench does (Trainer.runStep with finetune's AdamW and
 * clipping at 1; args: full|lora model steps), printing the median step.
 */
public class TrainerSteps {
    public static void main(String[] a) throws Exception {
        String mode = a[0];
        Path folder = Path.of(a[1]);
        int steps = Integer.parseInt(a[2]);
        LlamaModel model = LlamaModel.load(folder, Precision.FLOAT32);
        int[] tokens = new ByteTokenizer().encode(Files.readString(folder.resolve("README.md"), StandardCharsets.UTF_8));
        LanguageModel lm = new LlamaLanguageModel(model);
        if (mode.equals("lora")) {
            LoraModel lora = LoraModel.over(ModulePaths.decoder(model), 42);
            lora.addAdapter("default", TargetModules.names(List.of("q_proj", "k_proj", "v_proj", "o_proj")), m -> LoraSettings.of(8, 16), new Random(42));
            lora.freezeOthers();
            lm = new AdapterLanguageModel(lm, lora);
            Parameter.freezeAllBut(model.parameters(), lm.parameters());
        }
        Trainer trainer = new Trainer(lm, new AdamW(lm.parameters(), AdamW.Settings.fineTuning(0)),
                new TokenWindows(tokens, model.vocabSize(), model.maxPositions(), 42), null,
                TrainingOptions.of(4, Integer.MAX_VALUE, LearningRateSchedule.constant(1e-4)), null);
        double[] t = new double[steps];
        for (int i = -3; i < steps; i++) {
            long s = System.nanoTime();
            trainer.runStep();
            if (i >= 0) t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        System.out.printf("%s median %.4f s (min %.4f)%n", mode, t[steps / 2], t[0]);
    }
}
