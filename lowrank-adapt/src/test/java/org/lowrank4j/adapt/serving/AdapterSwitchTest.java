package org.lowrank4j.adapt.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.lowrank4j.adapt.Refusals.oneLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank4j.adapt.TinyModels;
import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.lora.LoraSettings;
import org.lowrank4j.adapt.lora.ModulePaths;
import org.lowrank4j.adapt.lora.TargetModules;
import org.lowrank4j.adapt.peft.PeftConfig;
import org.lowrank4j.adapt.peft.PeftFolder;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.arch.llama.LlamaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;

/** Several adapters over one base: each runs exactly as it would alone, the base alone runs as the untouched base. */
class AdapterSwitchTest {
    private static final int[] IDS = {84, 104, 101, 32, 85, 110, 105, 111, 110};
    private static final long BASE_SEED = 5;

    /** An adapter of the tiny decoder with random A and B (B is zero at the start of training, which would hide a wrong switch). */
    static Path adapter(Path folder, List<String> targets, int rank, long seed) throws IOException {
        LoraModel lora = LoraModel.over(ModulePaths.decoder(TinyModels.llama(Precision.FLOAT32, BASE_SEED)), 0);
        lora.addAdapter("default", TargetModules.names(targets), m -> LoraSettings.of(rank, 2 * rank), new Random(seed));
        Random random = new Random(seed + 1);
        for (Parameter p : lora.parameters()) {
            Tensor t = p.value();
            for (int i = 0; i < t.size(); i++) {
                t.set(i, random.nextGaussian() * 0.3);
            }
        }
        PeftFolder.write(folder, PeftFolder.capture(lora, "default", PeftConfig.lora(LoraSettings.of(rank, 2 * rank), targets, "tiny", "CAUSAL_LM")));
        return folder;
    }

    /** The base with only this adapter, attached the way a single adapter is (the reference). */
    private static Tensor alone(Path folder) throws IOException {
        LlamaModel model = TinyModels.llama(Precision.FLOAT32, BASE_SEED);
        PeftFolder.apply(PeftFolder.read(folder), LoraModel.over(ModulePaths.decoder(model), 0), "default", Precision.FLOAT32);
        return model.forward(IDS, 1, IDS.length);
    }

    /**
     * Two adapters that overlap on v_proj, the logits of the base and of each alone, and a fresh base model to attach
     * them to.
     */
    private record Fixture(Path qv, Path mlp, Tensor base, Tensor qvAlone, Tensor mlpAlone, LlamaModel model) {
        static Fixture in(Path dir) throws IOException {
            Path qv = adapter(dir.resolve("qv"), List.of("q_proj", "v_proj"), 4, 1);
            Path mlp = adapter(dir.resolve("mlp"), List.of("v_proj", "down_proj"), 2, 2);
            return new Fixture(qv, mlp, TinyModels.llama(Precision.FLOAT32, BASE_SEED).forward(IDS, 1, IDS.length), alone(qv), alone(mlp),
                    TinyModels.llama(Precision.FLOAT32, BASE_SEED));
        }

        /** Both adapters attached, qv first. */
        AdapterSwitch attached() throws IOException {
            Map<String, Path> folders = new LinkedHashMap<>();
            folders.put("qv", qv);
            folders.put("mlp", mlp);
            return AdapterSwitch.attach(model, folders);
        }
    }

    private static void assertSame(Tensor a, Tensor b) {
        assertThat(a.size()).isEqualTo(b.size());
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i)).as("logit %d", i).isEqualTo(b.get(i));
        }
    }

    @Test
    void eachAdapterRunsAsItWouldAloneAndNoneRunsTheBase(@TempDir Path dir) throws IOException {
        Fixture f = Fixture.in(dir);
        Tensor base = f.base(), qvAlone = f.qvAlone(), mlpAlone = f.mlpAlone();
        LlamaModel model = f.model();
        AdapterSwitch adapters = f.attached();
        assertThat(adapters.names()).containsExactly("qv", "mlp");
        assertThat(adapters.inUse()).isNull();
        assertSame(model.forward(IDS, 1, IDS.length), base);
        for (String order : java.util.Arrays.asList("qv", "mlp", null, "mlp", "qv", null)) { // switching back and forth leaves nothing behind
            adapters.use(order);
            assertThat(adapters.inUse()).isEqualTo(order);
            assertSame(model.forward(IDS, 1, IDS.length), order == null ? base : order.equals("qv") ? qvAlone : mlpAlone);
        }
        // the adapters do change the logits, so the comparisons above tell them apart
        assertThat(org.lowrank4j.adapt.FiniteDifferences.maxDifference(qvAlone, base)).isGreaterThan(1e-3);
        assertThat(org.lowrank4j.adapt.FiniteDifferences.maxDifference(mlpAlone, qvAlone)).isGreaterThan(1e-3);
        assertThat(adapters.config("mlp").rank()).isEqualTo(2);
    }

    @Test
    void adaptersComeAndGoWithoutDisturbingTheOneInUse(@TempDir Path dir) throws IOException {
        Fixture f = Fixture.in(dir);
        Path qv = f.qv(), mlp = f.mlp();
        Tensor base = f.base(), qvAlone = f.qvAlone(), mlpAlone = f.mlpAlone();
        LlamaModel model = f.model();
        AdapterSwitch adapters = AdapterSwitch.over(model);
        assertThat(adapters.names()).isEmpty();
        assertSame(model.forward(IDS, 1, IDS.length), base);
        adapters.add("qv", qv);
        assertSame(model.forward(IDS, 1, IDS.length), base); // attached, not in use
        adapters.use("qv");
        adapters.add("mlp", mlp); // shares v_proj with qv: qv alone still runs
        assertSame(model.forward(IDS, 1, IDS.length), qvAlone);
        Throwable taken = catchThrowable(() -> adapters.add("qv", mlp));
        assertThat(oneLine(taken)).contains("'qv' is already attached");
        adapters.remove("qv"); // the one in use: the base alone runs after it
        assertThat(adapters.inUse()).isNull();
        assertSame(model.forward(IDS, 1, IDS.length), base);
        assertThat(adapters.names()).containsExactly("mlp");
        adapters.use("mlp");
        assertSame(model.forward(IDS, 1, IDS.length), mlpAlone);
        LlamaModel wider = TinyModels.wider(Precision.FLOAT32);
        Path other = dir.resolve("other");
        LoraModel otherLora = LoraModel.over(ModulePaths.decoder(wider), 0);
        otherLora.addAdapter("default", TargetModules.names(List.of("q_proj")), m -> LoraSettings.of(2, 4), new Random(9));
        PeftFolder.write(other, PeftFolder.capture(otherLora, "default", PeftConfig.lora(LoraSettings.of(2, 4), List.of("q_proj"), "wider", "CAUSAL_LM")));
        assertThat(oneLine(catchThrowable(() -> adapters.add("other", other)))).contains("another base model");
        assertThat(adapters.names()).containsExactly("mlp"); // a refused folder changes nothing
        assertSame(model.forward(IDS, 1, IDS.length), mlpAlone);
        assertThat(oneLine(catchThrowable(() -> adapters.remove("qv")))).contains("no adapter named 'qv'");
    }

    @Test
    void oneBatchRunsEachSequenceWithItsOwnAdapter(@TempDir Path dir) throws IOException {
        Fixture f = Fixture.in(dir);
        Tensor base = f.base(), qvAlone = f.qvAlone(), mlpAlone = f.mlpAlone();
        LlamaModel model = f.model();
        AdapterSwitch adapters = f.attached();
        int[] three = new int[3 * IDS.length];
        for (int b = 0; b < 3; b++) {
            System.arraycopy(IDS, 0, three, b * IDS.length, IDS.length);
        }
        adapters.useEach(java.util.Arrays.asList("mlp", null, "qv"));
        assertThat(adapters.inUse()).isNull();
        Tensor logits = model.forward(three, 3, IDS.length);
        assertClose(logits, 0, mlpAlone);
        assertClose(logits, 1, base);
        assertClose(logits, 2, qvAlone);
        adapters.remove("mlp"); // its sequence runs the base alone afterwards; the others keep theirs
        logits = model.forward(three, 3, IDS.length);
        assertClose(logits, 0, base);
        assertClose(logits, 2, qvAlone);
        adapters.useEach(List.of("qv", "qv", "qv")); // one name for all: the plain switch
        assertThat(adapters.inUse()).isEqualTo("qv");
        assertClose(model.forward(three, 3, IDS.length), 1, qvAlone);
        assertThat(oneLine(catchThrowable(() -> adapters.useEach(List.of("qv", "gone"))))).isEqualTo("no adapter named 'gone' is attached (adapters: qv)");
        assertThat(oneLine(catchThrowable(() -> adapters.useEach(List.of())))).contains("no sequences");
    }

    /** Sequence b's logits of a batched forward against one sequence's, to float32 rounding of the batched products. */
    private static void assertClose(Tensor batched, int b, Tensor alone) {
        for (int i = 0; i < alone.size(); i++) {
            assertThat(batched.get(b * alone.size() + i)).as("sequence %d, logit %d", b, i)
                    .isCloseTo(alone.get(i), org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(alone.get(i)))));
        }
    }

    @Test
    void badAdaptersAreOneLineNamingTheAdapter(@TempDir Path dir) throws IOException {
        Path qv = adapter(dir.resolve("qv"), List.of("q_proj", "v_proj"), 4, 1);
        LlamaModel wider = TinyModels.wider(Precision.FLOAT32);
        assertThat(oneLine(catchThrowable(() -> AdapterSwitch.attach(wider, Map.of("qv", qv)))))
                .startsWith("adapter 'qv' (" + qv + "): ").contains("lora_A.weight has shape [4, 16]").contains("another base model");

        Path missing = dir.resolve("nothing-here");
        assertThat(oneLine(catchThrowable(() -> AdapterSwitch.attach(TinyModels.llama(Precision.FLOAT32, BASE_SEED), Map.of("gone", missing)))))
                .startsWith("adapter 'gone': ").contains(missing.toString());

        Path variant = Files.createDirectories(dir.resolve("nola"));
        Files.writeString(variant.resolve("adapter_config.json"), "{\"peft_type\": \"LOWRANK4J_NOLA\"}");
        assertThat(oneLine(catchThrowable(() -> AdapterSwitch.attach(TinyModels.llama(Precision.FLOAT32, BASE_SEED), Map.of("n", variant)))))
                .contains("LOWRANK4J_NOLA").contains("lowrank adapter merge");

        assertThat(oneLine(catchThrowable(() -> AdapterSwitch.attach(TinyModels.llama(Precision.FLOAT32, BASE_SEED), Map.of("a b", qv)))))
                .contains("adapter name 'a b'");

        AdapterSwitch adapters = AdapterSwitch.attach(TinyModels.llama(Precision.FLOAT32, BASE_SEED), Map.of("qv", qv));
        assertThat(oneLine(catchThrowable(() -> adapters.use("other")))).isEqualTo("no adapter named 'other' is attached (adapters: qv)");
        assertThat(adapters.inUse()).isNull();
    }
}
