package org.lowrank4j.compress.methods;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.basis.BasisSharing;
import org.lowrank4j.compress.methods.basis.BasisSharingOptions;
import org.lowrank4j.compress.methods.basis.ClusteringOptions;
import org.lowrank4j.compress.methods.fwsvd.FwsvdOptions;
import org.lowrank4j.compress.methods.saes.SaesOptions;
import org.lowrank4j.compress.methods.svdllm.SvdLlmOptions;
import org.lowrank4j.linalg.DoubleMatrix;

/** Methods named with options on the command line: {@code NAME[:KEY=VALUE…]}. */
class MethodSpecTest {
    private static final LinearWeight W = Synthetic.weight(32, 24, 2);
    private static final DoubleMatrix X = MethodFixtures.activations(400, 24, 2, 20, 1);
    private static final LayerStats STATS = MethodFixtures.full(W, X, X, 11).stats();

    static Stream<String> names() {
        return Methods.all().stream().map(CompressionMethod::name);
    }

    private static double distance(CompressionMethod a, CompressionMethod b, int rank) {
        DoubleMatrix x = a.prepare(W, STATS).factorAt(rank).toDense();
        DoubleMatrix y = b.prepare(W, STATS).factorAt(rank).toDense();
        return MethodFixtures.minus(x, y).frobeniusNorm() / x.frobeniusNorm();
    }

    @Test
    void parsesNameKeysAndLists() {
        MethodSpec s = MethodSpec.parse(" SAES:alphas=0/0.5/1:floor=1e-9 ");
        assertThat(s.name()).isEqualTo("saes");
        assertThat(s.label()).isEqualTo("saes:alphas=0/0.5/1:floor=1e-9");
        assertThat(s.hasOptions()).isTrue();
        assertThat(s.numbers("alphas", null)).containsExactly(0.0, 0.5, 1.0);
        assertThat(s.number("floor", 0)).isEqualTo(1e-9);
        s.requireAllRead();
        assertThat(MethodSpec.parse("Whitened").label()).isEqualTo("whitened");
        assertThat(MethodSpec.parse("basis-sharing:private=none").words("private", List.of("x"))).isEmpty();
    }

    @Test
    void malformedSpecsAreRefusedWithTheSpecInTheMessage() {
        assertThatThrownBy(() -> MethodSpec.parse("asvd:alpha")).hasMessageContaining("KEY=VALUE").hasMessageContaining("asvd:alpha");
        assertThatThrownBy(() -> MethodSpec.parse("asvd:alpha=1:alpha=2")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> MethodSpec.parse(":alpha=1")).hasMessageContaining("name comes first");
        assertThatThrownBy(() -> MethodSpec.parse(" ")).hasMessageContaining("must be named");
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyMethodRefusesAnUnknownKeyNamingItself(String name) {
        assertThatThrownBy(() -> Methods.byName(name + ":bogus=1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name + " has no option 'bogus'");
        // without options the method keeps its plain name, so reports and caches are as before
        assertThat(Methods.byName(name).name()).isEqualTo(name);
    }

    @Test
    void theErrorListsTheKeysAMethodTakes() {
        assertThatThrownBy(() -> Methods.byName("asvd:alfa=1")).hasMessage("asvd has no option 'alfa'; asvd takes alpha");
        assertThatThrownBy(() -> Methods.byName("svd:rank=3")).hasMessageContaining("svd takes no options");
        assertThatThrownBy(() -> Methods.byName("whitened:route=qr")).hasMessageContaining("auto, cholesky, eigen").hasMessageContaining("'qr'");
        assertThatThrownBy(() -> Methods.byName("asvd:alpha=many")).hasMessageContaining("finite number");
        assertThatThrownBy(() -> Methods.byName("asvd:alpha=9")).hasMessageContaining("[0, 4]");
        assertThatThrownBy(() -> Methods.byName("saes:alpha=1:alphas=0/1")).hasMessageContaining("not both");
        assertThatThrownBy(() -> Methods.byName("nope:alpha=1")).hasMessageContaining("unknown method 'nope'");
    }

    @Test
    void optionsReachTheMethod() {
        // ASVD with α = 0 scales no channel: exactly plain SVD; the default α = 0.5 is not.
        CompressionMethod a0 = Methods.byName("asvd:alpha=0");
        assertThat(a0.name()).isEqualTo("asvd:alpha=0");
        assertThat(distance(a0, Methods.byName("svd"), 6)).isLessThan(1e-9);
        assertThat(distance(Methods.byName("asvd"), Methods.byName("svd"), 6)).isGreaterThan(1e-3);
        // LoRD's data-free variant is plain SVD; its default (output-feature PCA) is not
        assertThat(distance(Methods.byName("lord:variant=data-free"), Methods.byName("svd"), 6)).isLessThan(1e-9);
        assertThat(distance(Methods.byName("lord"), Methods.byName("svd"), 6)).isGreaterThan(1e-3);
        // both whitening routes give the same product when the Gram is positive definite
        assertThat(distance(Methods.byName("whitened:route=eigen"), Methods.byName("whitened:route=cholesky"), 6)).isLessThan(1e-6);
        // SVD-LLM without its update needs no compressed-prefix statistics
        assertThat(Methods.byName("svd-llm:update=none").requirements()).doesNotContain(CompressionMethod.Requirement.COMPRESSED_PREFIX);
        assertThat(Methods.byName("svd-llm").requirements()).contains(CompressionMethod.Requirement.COMPRESSED_PREFIX);
    }

    @Test
    void recordsReadTheirKeys() {
        assertThat(SaesOptions.from(MethodSpec.parse("saes:alphas=2/0/1")).alphas()).containsExactly(0.0, 1.0, 2.0);
        assertThat(SaesOptions.from(MethodSpec.parse("saes:alpha=0.5")).searches()).isFalse();
        assertThat(SaesOptions.from(MethodSpec.parse("saes")).alphas()).isEqualTo(SaesOptions.GRID);
        assertThat(FwsvdOptions.from(MethodSpec.parse("fwsvd:axis=output:epsilon=1e-4"))).isEqualTo(new FwsvdOptions(FwsvdOptions.Axis.OUTPUT, 1e-4));
        assertThat(SvdLlmOptions.from(MethodSpec.parse("svd-llm:update=closed-form:jitter=1e-6")))
                .isEqualTo(new SvdLlmOptions(SvdLlmOptions.Update.CLOSED_FORM, 1e-6, 1e-10));
    }

    @Test
    void basisSharingSpecs() {
        assertThat(Methods.isCrossLayer("Basis-Sharing:group=1")).isTrue();
        assertThat(Methods.isCrossLayer("whitened")).isFalse();
        assertThat(Methods.crossLayerByName("basis-sharing:group=2")).isInstanceOf(BasisSharing.class);
        assertThatThrownBy(() -> Methods.byName("basis-sharing")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("across layers");
        assertThatThrownBy(() -> Methods.crossLayerByName("whitened")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a cross-layer method");
        assertThat(BasisSharing.fromSpec("basis-sharing").options()).isEqualTo(BasisSharingOptions.defaults());
        BasisSharing g3 = BasisSharing.fromSpec("basis-sharing:group=3:private=none:split=balanced");
        assertThat(g3.name()).isEqualTo("basis-sharing:group=3:private=none:split=balanced");
        assertThat(g3.options().groupSize()).isEqualTo(3);
        assertThat(g3.options().privateRoles()).isEmpty();
        assertThat(g3.options().split()).isEqualTo(BasisSharingOptions.SigmaSplit.BALANCED);
        BasisSharingOptions c = BasisSharing.fromSpec("basis-sharing:grouping=clustered:eps=0.2:cluster=max-norm").options();
        assertThat(c.grouping()).isEqualTo(BasisSharingOptions.Grouping.CLUSTERED);
        assertThat(c.clustering().eps()).isEqualTo(0.2);
        assertThat(c.clustering().algorithm()).isEqualTo(ClusteringOptions.Algorithm.MAX_NORM);
        assertThatThrownBy(() -> BasisSharing.fromSpec("basis-sharing:eps=0.2")).hasMessageContaining("grouping=clustered");
        assertThatThrownBy(() -> BasisSharing.fromSpec("basis-sharing:grouping=clustered:group=2")).hasMessageContaining("consecutive");
        assertThatThrownBy(() -> BasisSharing.fromSpec("basis-sharing:group=0")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> BasisSharing.fromSpec("basis-sharing:groups=2")).hasMessageContaining("takes group, grouping");
        assertThatThrownBy(() -> BasisSharing.fromSpec("whitened")).hasMessageContaining("not a basis-sharing spec");
    }
}
