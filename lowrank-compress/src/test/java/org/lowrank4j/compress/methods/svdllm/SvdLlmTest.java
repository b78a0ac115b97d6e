package org.lowrank4j.compress.methods.svdllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.methods.PreparedSite;
import org.lowrank4j.compress.methods.GramRoot;
import org.lowrank4j.compress.methods.MethodFixtures;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Synthetic;
import org.lowrank4j.compress.methods.CompressionMethod.Requirement;
import org.lowrank4j.compress.methods.svd.PlainSvdMethod;
import org.lowrank4j.compress.methods.svdllm.SvdLlmMethod;
import org.lowrank4j.compress.methods.svdllm.SvdLlmOptions;
import org.lowrank4j.compress.methods.svdllm.SvdLlmOptions.Update;
import org.lowrank4j.compress.methods.svdllm.SvdLlmV2Method;
import org.lowrank4j.compress.methods.svdllm.SvdLlmV2Options;
import org.lowrank4j.linalg.DoubleMatrix;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.QrResult;
import org.lowrank4j.linalg.SvdResult;
import org.lowrank4j.linalg.decomposition.Cholesky;
import org.lowrank4j.linalg.decomposition.ExactSvd;
import org.lowrank4j.linalg.decomposition.Qr;
import org.lowrank4j.linalg.decomposition.TriangularSolve;

/** The "how to test it" list of spec c04 (SVD-LLM V1 with its closed-form update, and the V2 eigen route). */
class SvdLlmTest {
    private final LinearWeight w = Synthetic.weight(36, 30, 31);
    private final DoubleMatrix x = MethodFixtures.activations(4 * 30, 30, 3, 30, 32); // N = 4n, outlier channels
    private final DoubleMatrix xc = MethodFixtures.drifted(x, 0.4, 0.2, 33);
    private final LayerStats drifted = MethodFixtures.stats(w, x, xc, false, true, false, 0);
    private final LayerStats consistent = MethodFixtures.stats(w, x, x, false, true, false, 0);

    private static SvdLlmMethod svdLlm(Update update) {
        return new SvdLlmMethod(new SvdLlmOptions(update, 0, 1e-10));
    }

    @Test
    void identityGramIsPlainSvd() {
        DoubleMatrix identity = DoubleMatrix.identity(30);
        LayerStats stats = MethodFixtures.stats(w, identity, identity, false, true, false, 0);
        DoubleMatrix plain = new PlainSvdMethod().prepare(w, null).factorAt(7).toDense();
        for (Update update : Update.values()) {
            DoubleMatrix mine = svdLlm(update).prepare(w, stats).factorAt(7).toDense();
            assertThat(mine.approximatelyEquals(plain, 1e-10 * plain.frobeniusNorm())).as("%s", update).isTrue();
        }
    }

    @Test
    void outputErrorIsExactlyTheWhitenedTail() {
        // Whitening only (any prefix), and the update when the prefix is the original model (it then changes nothing).
        PreparedSite none = svdLlm(Update.NONE).prepare(w, drifted);
        PreparedSite updated = svdLlm(Update.CLOSED_FORM).prepare(w, consistent);
        for (PreparedSite site : new PreparedSite[] {none, updated}) {
            double[] s = site.spectrum();
            for (int r : new int[] {1, 5, 15, 29}) {
                double error = Synthetic.outputError(x, w.weight(), site.factorAt(r));
                assertThat(error * error).as("r=%d", r).isCloseTo(MethodFixtures.tail(s, r), Percentage.withPercentage(1e-6));
            }
        }
    }

    @Test
    void closedFormUpdateLowersThePrefixErrorAndIsTheDirectLeastSquaresSolution() {
        PreparedSite before = svdLlm(Update.NONE).prepare(w, drifted);
        PreparedSite after = svdLlm(Update.CLOSED_FORM).prepare(w, drifted);
        assertThat(after.spectrum()).containsExactly(before.spectrum());
        for (int r : new int[] {3, 8, 16, 29}) {
            double errorBefore = Synthetic.outputError(xc, w.weight(), before.factorAt(r));
            double errorAfter = Synthetic.outputError(xc, w.weight(), after.factorAt(r));
            assertThat(errorAfter).as("r=%d", r).isLessThanOrEqualTo(errorBefore * (1 + 1e-12));
            DoubleMatrix direct = directLeastSquares(r);
            DoubleMatrix mine = after.factorAt(r).toDense();
            assertThat(MethodFixtures.minus(mine, direct).frobeniusNorm()).as("r=%d", r).isLessThan(1e-8 * direct.frobeniusNorm());
        }
        // With drift, the update really moves the factors at a low rank.
        assertThat(Synthetic.outputError(xc, w.weight(), after.factorAt(3)))
                .isLessThan(0.999 * Synthetic.outputError(xc, w.weight(), before.factorAt(3)));
    }

    /** U from the N×r system min ‖X_c B̃ᵀ Σ_r Uᵀ − X_c Wᵀ‖ by QR of the data matrix; returns U Σ_r B̃ (m×n). */
    private DoubleMatrix directLeastSquares(int r) {
        DoubleMatrix l = new Cholesky().decompose(Linalg.gram(x.toFloat().toDouble())).lower();
        SvdResult svd = new ExactSvd().decompose(Linalg.multiply(w.weight(), l));
        DoubleMatrix basis = new TriangularSolve().rightLower(l, svd.vt().toDouble().rowRange(0, r).copy()); // B̃ (r×n)
        DoubleMatrix sigmaBasis = basis.copy(); // Σ_r B̃
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < sigmaBasis.cols(); j++) {
                sigmaBasis.set(i, j, sigmaBasis.get(i, j) * svd.s()[i]);
            }
        }
        DoubleMatrix m = Linalg.multiply(xc, sigmaBasis.transpose());     // X_c B̃ᵀ Σ_r (N×r)
        DoubleMatrix y = Linalg.multiply(xc, w.weight().transpose());     // X_c Wᵀ (N×m)
        QrResult qr = new Qr().decompose(m);
        DoubleMatrix ut = new TriangularSolve().upper(qr.r(), Linalg.multiply(qr.q().toDouble().transpose(), y)); // Uᵀ (r×m)
        return Linalg.multiply(ut.transpose(), sigmaBasis);
    }

    @Test
    void rankDeficientGramWorksWithJitterAndWithTheEigenRoute() {
        DoubleMatrix few = MethodFixtures.activations(18, 30, 0, 1, 35); // G has rank 18 of 30
        LayerStats singular = MethodFixtures.stats(w, few, few, false, true, false, 0);
        GramRoot jittered = GramRoot.of(singular.gram(), 1e-6, 1e-10);
        assertThat(jittered.route()).isEqualTo(GramRoot.Route.CHOLESKY);
        assertThat(jittered.jitter()).isGreaterThan(0);
        assertThat(GramRoot.of(singular.gram(), 0, 1e-10).route()).isEqualTo(GramRoot.Route.EIGEN);

        LowRank v1 = new SvdLlmMethod(new SvdLlmOptions(Update.NONE, 1e-6, 1e-10)).prepare(w, singular).factorAt(8);
        LowRank eigen = svdLlm(Update.NONE).prepare(w, singular).factorAt(8);
        LowRank v2 = new SvdLlmV2Method(SvdLlmV2Options.defaults()).prepare(w, singular).factorAt(8);
        LowRank updated = svdLlm(Update.CLOSED_FORM).prepare(w, singular).factorAt(8);
        double plain = Synthetic.outputError(few, w.weight(), new PlainSvdMethod().prepare(w, null).factorAt(8));
        double reference = Synthetic.outputError(few, w.weight(), v2);
        for (LowRank f : new LowRank[] {v1, eigen, updated}) {
            assertThat(f.b().firstNonFinite()).isNull();
            assertThat(f.a().firstNonFinite()).isNull();
            assertThat(Synthetic.outputError(few, w.weight(), f)).isCloseTo(reference, Percentage.withPercentage(1));
        }
        assertThat(reference).isLessThan(plain);
        // At rank 18 the calibration outputs are reproduced exactly.
        LowRank exact = new SvdLlmV2Method(SvdLlmV2Options.defaults()).prepare(w, singular).factorAt(18);
        assertThat(Synthetic.outputError(few, w.weight(), exact)).isCloseTo(0, Offset.offset(1e-7 * few.frobeniusNorm()));
    }

    @Test
    void v2EqualsV1OnAWellConditionedGram() {
        DoubleMatrix v1 = svdLlm(Update.NONE).prepare(w, drifted).factorAt(12).toDense();
        DoubleMatrix v2 = new SvdLlmV2Method(new SvdLlmV2Options(1e-12)).prepare(w, drifted).factorAt(12).toDense();
        assertThat(MethodFixtures.minus(v1, v2).frobeniusNorm()).isLessThan(1e-8 * v1.frobeniusNorm());
    }

    @Test
    void theUpdateNeedsTheCompressedPrefixAndSaysSo() {
        LayerStats original = MethodFixtures.stats(w, x, x, false, false, false, 0);
        assertThat(svdLlm(Update.CLOSED_FORM).requirements()).containsExactlyInAnyOrder(Requirement.GRAM, Requirement.COMPRESSED_PREFIX);
        assertThat(svdLlm(Update.NONE).requirements()).containsExactly(Requirement.GRAM);
        assertThatThrownBy(() -> svdLlm(Update.CLOSED_FORM).prepare(w, original)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("svd-llm").hasMessageContaining("compressed-prefix").hasMessageContaining(w.name());
        assertThat(svdLlm(Update.NONE).prepare(w, original).factorAt(4).rank()).isEqualTo(4);
    }

    @Test
    void refusesBadOptions() {
        assertThatThrownBy(() -> new SvdLlmOptions(null, 0, 1e-10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("svd-llm");
        assertThatThrownBy(() -> new SvdLlmOptions(Update.NONE, -1, 1e-10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
        assertThatThrownBy(() -> new SvdLlmOptions(Update.NONE, 0, 0.5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor");
        assertThatThrownBy(() -> new SvdLlmV2Options(Double.NaN)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("svd-llm-v2");
    }
}
