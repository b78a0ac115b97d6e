package org.lowrank4j.compress.recover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.bert.BertModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.Checkpoint;
import org.lowrank4j.nn.train.TrainingDivergedException;
import org.lowrank4j.nn.weight.LowRankWeight;

/** The training loop on tiny random encoders: it learns, resumes bit for bit, stops on NaN, and refuses what it cannot use. */
class DistillRunTest {
    private static final BertModel TEACHER = TinyEncoders.teacher(Precision.FLOAT32, 1);

    private static DistillOptions.Builder options() {
        return DistillOptions.builder().steps(8).learningRate(3e-3).trainNorms(true).checkpointEvery(2);
    }

    @Test
    void trainingLowersTheLossOnAFixedBatch() throws Exception {
        Distiller d = Distiller.encoder(TEACHER, TinyEncoders.student(TEACHER, 3, 2), options().steps(20).build());
        double before = d.loss(TinyEncoders.batch(0)).total();
        RecoveryResult r = d.run(TinyEncoders::batch, Progress.NONE);
        double after = d.loss(TinyEncoders.batch(0)).total();
        assertThat(r.losses()).hasSize(20);
        assertThat(r.initialLoss()).isEqualTo(r.losses()[0]);
        assertThat(after).isLessThan(0.8 * before);
        System.out.printf("tiny encoder, 20 steps: loss on batch 0 %.4f -> %.4f%n", before, after);
    }

    @ParameterizedTest
    @EnumSource(FactorSchedule.class)
    void resumingEqualsAnUninterruptedRun(FactorSchedule schedule, @TempDir Path dir) throws Exception {
        DistillOptions o = options().schedule(schedule).build(); // 8 steps; U-then-V switches at step 4
        BertModel straight = TinyEncoders.student(TEACHER, 3, 2);
        Distiller.encoder(TEACHER, straight, o).run(TinyEncoders::batch, Progress.NONE);

        for (long stop : new long[] {3, 4}) {
            Path checkpoint = dir.resolve("stop" + stop + ".safetensors");
            BertModel interrupted = TinyEncoders.student(TEACHER, 3, 2);
            RecoveryResult part = Distiller.encoder(TEACHER, interrupted, o).checkpointTo(checkpoint, false).stopAfter(stop)
                    .run(TinyEncoders::batch, Progress.NONE);
            assertThat(part.endStep()).isEqualTo(stop);
            assertThat(Checkpoint.readState(checkpoint).step()).isEqualTo(stop);
            BertModel resumed = TinyEncoders.student(TEACHER, 3, 2);
            RecoveryResult rest = Distiller.encoder(TEACHER, resumed, o).checkpointTo(checkpoint, true).run(TinyEncoders::batch, Progress.NONE);
            assertThat(rest.firstStep()).isEqualTo(stop);
            assertThat(rest.initialLoss()).isEqualTo(part.initialLoss());
            assertSameValues(resumed, straight);
        }
    }

    @Test
    void keptTeacherStatesGiveTheSameTrainingAsRunningTheTeacher() throws Exception {
        BertModel teacher = TinyEncoders.teacher(Precision.FLOAT64, 1);
        BertModel cached = TinyEncoders.student(teacher, 3, 2), uncached = TinyEncoders.student(teacher, 3, 2);
        Distiller withCache = Distiller.encoder(teacher, cached, options().teacherCacheMegabytes(1).build());
        RecoveryResult a = withCache.run(TinyEncoders::namedBatch, Progress.NONE);
        assertThat(withCache.teacherCacheBytes()).isEqualTo((6 + 4 + 5 + 3) * 12 * 2 * 8L); // tokens · C · layers · float64
        RecoveryResult b = Distiller.encoder(teacher, uncached, options().teacherCacheMegabytes(0).build()).run(TinyEncoders::namedBatch, Progress.NONE);
        for (int i = 0; i < a.losses().length; i++) {
            assertThat(a.losses()[i]).isCloseTo(b.losses()[i], org.assertj.core.data.Offset.offset(1e-12));
        }
        List<Parameter> x = cached.parameters(), y = uncached.parameters();
        for (int i = 0; i < x.size(); i++) {
            for (int j = 0; j < x.get(i).size(); j++) {
                assertThat(x.get(i).value().get(j)).isCloseTo(y.get(i).value().get(j), org.assertj.core.data.Offset.offset(1e-10));
            }
        }
    }

    @Test
    void uThenVTrainsTheLeftFactorsFirstThenTheRightOnes() throws Exception {
        Distiller d = Distiller.encoder(TEACHER, TinyEncoders.student(TEACHER, 3, 2),
                options().schedule(FactorSchedule.U_THEN_V).trainNorms(false).build());
        LowRankWeight pair = d.factorPairs().get(0);
        float[] a0 = values(pair.left()), b0 = values(pair.right());
        float[][] atHalf = new float[2][];
        d.run(TinyEncoders::batch, (phase, done, total, detail) -> {
            if (done == 4) {
                atHalf[0] = values(pair.left());
                atHalf[1] = values(pair.right());
            }
        });
        assertThat(atHalf[0]).isNotEqualTo(a0);
        assertThat(atHalf[1]).isEqualTo(b0);
        assertThat(values(pair.left())).isEqualTo(atHalf[0]);
        assertThat(values(pair.right())).isNotEqualTo(b0);
    }

    @Test
    void aNonFiniteLossStopsAtItsStepAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("ckpt.safetensors");
        BertModel student = TinyEncoders.student(TEACHER, 3, 2);
        Distiller d = Distiller.encoder(TEACHER, student, options().build()).checkpointTo(checkpoint, false);
        Parameter poisoned = d.factorPairs().get(1).left();
        Progress poison = (phase, done, total, detail) -> {
            if (done == 3) {
                poisoned.value().set(0, Float.NaN);
            }
        };
        assertThatThrownBy(() -> d.run(TinyEncoders::batch, poison))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("loss became NaN at step 4 of 8")
                .hasMessageContaining("last good checkpoint (after step 2)")
                .satisfies(e -> assertThat(((TrainingDivergedException) e).step()).isEqualTo(3));
        BertModel fresh = TinyEncoders.student(TEACHER, 3, 2);
        Distiller reader = Distiller.encoder(TEACHER, fresh, options().build());
        assertThat(Checkpoint.read(checkpoint, reader.trainableParameters(), null).step()).isEqualTo(2);
        for (Parameter p : reader.trainableParameters()) {
            for (float v : values(p)) {
                assertThat(Float.isFinite(v)).as(p.name()).isTrue();
            }
        }
    }

    @Test
    void refusesAStudentWithoutFactorsACheckpointOfOtherSettingsAndTooFewSentences(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Distiller.encoder(TEACHER, TinyEncoders.teacher(Precision.FLOAT32, 5), options().build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not compressed by lowrank4j");
        Path checkpoint = dir.resolve("ckpt.safetensors");
        Distiller.encoder(TEACHER, TinyEncoders.student(TEACHER, 3, 2), options().build()).checkpointTo(checkpoint, false).stopAfter(2)
                .run(TinyEncoders::batch, Progress.NONE);
        Distiller other = Distiller.encoder(TEACHER, TinyEncoders.student(TEACHER, 3, 2), options().steps(9).build())
                .checkpointTo(checkpoint, true);
        assertThatThrownBy(() -> other.run(TinyEncoders::batch, Progress.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recover.steps = 8, this run has 9");
        assertThatThrownBy(() -> new SentenceBatches(List.of("one", "two", "three"), null, 16, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the text holds 3 sentence(s), too few to fill one batch of 16; give more text or a smaller batch");
    }

    static float[] values(Parameter p) {
        float[] out = new float[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) p.value().get(i);
        }
        return out;
    }

    private static void assertSameValues(BertModel actual, BertModel expected) {
        List<Parameter> a = actual.parameters(), e = expected.parameters();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < a.size(); i++) {
            assertThat(values(a.get(i))).as(a.get(i).name()).isEqualTo(values(e.get(i)));
        }
    }
}
