// Trains a tiny OPT (byte level) on State of the Union text, so that compress and perplexity have an OPT folder
// that is not random. Run from the repository root (see README.md for the class path):
//   OUT=$WORK/opt-sotu STEPS=300 jshell --class-path "$CP" results/opt/train-tiny-opt.jsh
// OPT layout (model_type opt: ReLU MLP, a position table of 64 + 2 rows): 2 layers, width 64, 4 heads, MLP 256, 64
// positions, the 256 byte ids, tied embeddings: results/gpt2-cli/train-tiny-gpt2.jsh's shape, data and schedule.
// Data: SOTU 1790–1945 (the suggested training split), 5% held back for validation. AdamW, peak lr 3e-3,
// 30 warm-up steps then cosine decay to 3e-4, batches of 8 windows of 64 bytes, gradient clipping at 1, seed 7; the
// validation loss printed at the end is over the first 8 batches of the held-back 5%.
import java.nio.file.*;
import java.util.*;
import org.lowrank4j.formats.hf.*;
import org.lowrank4j.nn.arch.gpt2.Gpt2Model;
import org.lowrank4j.nn.generate.ByteTokenizer;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.*;

Path out = Path.of(System.getenv("OUT"));
int steps = Integer.parseInt(System.getenv().getOrDefault("STEPS", "300"));
HfConfig config = HfConfig.builder(HfArchitecture.GPT2).modelType("opt").className("OPTForCausalLM").hiddenAct("relu").
        hiddenSize(64).numHiddenLayers(2).numAttentionHeads(4).intermediateSize(256).
        vocabSize(256).maxPositionEmbeddings(64).build();
Gpt2Model model = new Gpt2Model(config, Precision.FLOAT32);
model.initialize(new Random(7));
String text = TextFolder.readText(Path.of("../shared/data/sotu"), 1790, 1945, "--data");
int[] tokens = new ByteTokenizer().encode(text);
TokenWindows.Split split = TokenWindows.split(tokens, 0.05);
TokenWindows train = new TokenWindows(split.train(), 256, 64, 7);
TokenWindows validation = new TokenWindows(split.validation(), 256, 64, 8);
TrainingOptions options = new TrainingOptions(8, 1, steps, new LearningRateSchedule(3e-3, 3e-4, Math.min(30, steps), steps), 1.0, 0, 8, 0, null);
Trainer trainer = new Trainer(new NextTokenModel(model), new AdamW(model.parameters(), AdamW.Settings.defaults()), train, validation, options,
        TrainingListener.NONE);
long start = System.nanoTime();
List<TrainingListener.StepReport> reports = trainer.run();
System.out.printf(Locale.ROOT, "trained %d steps in %.0f s; last training loss %.4f; validation loss %.4f (nats per byte)%n", steps, (System.nanoTime() - start) / 1e9, reports.get(reports.size() - 1).loss(), trainer.validationLoss());
Files.createDirectories(out);
model.save(out);
ByteTokenizer.writeJson(out);
System.out.println("wrote " + out + " (" + model.parameterCount() + " parameters)");
/exit
