package org.lowrank4j.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.arch.mamba.MambaTraining;
import org.lowrank4j.nn.tensor.Precision;

/** What a training run stopped part way leaves in OUT, and what the next run on that OUT makes of it. */
class StoppedTrainingTest {
    private static final String TEXT = ("The Congress met in the capital and the treaty was signed in the spring; the States gave their"
            + " assent, and the people were glad of it. ").repeat(12);

    private static TrainingRequest.Builder tiny(Path data, Path out) {
        return TrainingRequest.builder().data(data).out(out).hidden(16).layers(1).heads(2).kvHeads(1).mlp(32).context(16).batch(2)
                .steps(6).warmup(1).validationFraction(0).method(TrainingMethod.full());
    }

    /** Stands for the process being stopped: the run ends at this step, with no chance to tidy up. */
    private static TrainingListener stopAt(long step) {
        return new TrainingListener() {
            @Override
            public void onStep(StepReport report) {
                if (report.step() + 1 == step) {
                    throw new IllegalStateException("stopped");
                }
            }
        };
    }

    @Test
    void aRunStoppedBeforeItsFirstCheckpointLeavesNoModelThatLoads(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("text.txt"), TEXT), out = dir.resolve("model");
        assertThatThrownBy(() -> DecoderTraining.run(tiny(data, out).build(), stopAt(3), line -> { })).hasMessage("stopped");

        // its initial weights would have loaded as a model (generate, perplexity, compress) that no run trained
        assertThat(out.resolve("model.safetensors")).doesNotExist();
        assertThat(out.resolve(DecoderTraining.CHECKPOINT)).doesNotExist();
        assertThatThrownBy(() -> DecoderTraining.run(tiny(data, out).build(), stopAt(-1), line -> { }))
                .hasMessageContaining("stopped before its first checkpoint").hasMessageContaining("--force");
        DecoderTraining.run(tiny(data, out).force(true).build(), stopAt(-1), line -> { });
        assertThat(LlamaModel.load(out, Precision.FLOAT32).parameterCount()).isPositive();
    }

    @Test
    void aRunStoppedAfterACheckpointResumesFromIt(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("text.txt"), TEXT), out = dir.resolve("model");
        assertThatThrownBy(() -> DecoderTraining.run(tiny(data, out).checkpointEvery(2).build(), stopAt(4), line -> { })).hasMessage("stopped");
        assertThat(out.resolve(DecoderTraining.CHECKPOINT)).exists();
        DecoderTraining.Summary resumed = DecoderTraining.run(tiny(data, out).checkpointEvery(2).resume(true).build(), stopAt(-1), line -> { });
        assertThat(resumed.steps()).isEqualTo(4); // steps 3 to 6, after the checkpoint of step 2
    }

    @Test
    void aMambaRunStoppedPartWayLeavesNoFolderAndKeepsAnEarlierOne(@TempDir Path dir) throws Exception {
        Path data = Files.writeString(dir.resolve("text.txt"), TEXT), out = dir.resolve("mamba");
        TrainingRequest.Builder mamba = tiny(data, out).checkpointEvery(2);
        assertThatThrownBy(() -> MambaTraining.run(mamba.build(), stopAt(4), line -> { })).hasMessage("stopped");
        try (var left = Files.list(dir)) { // not even a hidden folder: the run removed its staging as it failed
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("text.txt");
        }

        MambaTraining.run(mamba.build(), stopAt(-1), line -> { });
        byte[] trained = Files.readAllBytes(out.resolve("model.safetensors"));
        assertThatThrownBy(() -> MambaTraining.run(mamba.force(true).seed(7).build(), stopAt(3), line -> { })).hasMessage("stopped");
        assertThat(Files.readAllBytes(out.resolve("model.safetensors"))).isEqualTo(trained); // --force replaces it only once trained
        assertThat(MambaModel.load(out, Precision.FLOAT32).parameterCount()).isPositive();
    }
}
