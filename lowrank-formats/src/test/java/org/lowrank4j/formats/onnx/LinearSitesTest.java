package org.lowrank4j.formats.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lowrank4j.formats.onnx.proto.Onnx.ModelProto;
import org.lowrank4j.formats.onnx.proto.Onnx.NodeProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

class LinearSitesTest {

    private static final List<String> ROLES_IN_ORDER = List.of(
            "attention.query", "attention.key", "attention.value", "attention.output", "ffn.up", "ffn.down");

    @Test
    void miniLmHasSixBlocksOfSixSites() throws Exception {
        List<LinearSite> sites = OnnxModel.read(TestModels.minilm()).linearSites();
        assertThat(sites).hasSize(36);
        assertThat(sites).extracting(LinearSite::name).isEqualTo(expectedNames(6));
        for (LinearSite site : sites) {
            assertThat(site.opType()).isEqualTo("MatMul");
            assertThat(site.initializer()).startsWith("onnx::MatMul_");
            assertThat(site.dataType()).isEqualTo(DataType.FLOAT);
            assertThat(site.transposed()).isFalse();
            int[] shape = switch (site.role()) {
                case FFN_UP -> new int[] {384, 1536};
                case FFN_DOWN -> new int[] {1536, 384};
                default -> new int[] {384, 384};
            };
            assertThat(new int[] {site.inFeatures(), site.outFeatures()}).as(site.name()).containsExactly(shape);
        }
        LinearSite query3 = sites.get(3 * 6);
        assertThat(query3.nodeName()).isEqualTo("/encoder/layer.3/attention/self/query/MatMul");
        assertThat(sites.get(3 * 6 + 1).input()).isEqualTo(query3.input()); // q, k, v share their input
    }

    @Test
    void bgeSmallHasTwelveBlocksOfSixSites() throws Exception {
        List<LinearSite> sites = OnnxModel.read(TestModels.bgeSmall()).linearSites();
        assertThat(sites).hasSize(72);
        assertThat(sites).extracting(LinearSite::name).isEqualTo(expectedNames(12));
        assertThat(sites).extracting(LinearSite::block).containsOnly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    @Test
    void withoutNodeNamesTheGraphStructureGivesTheSameSites() throws Exception {
        OnnxModel named = OnnxModel.read(TestModels.minilm());
        ModelProto.Builder anonymous = named.toProto().toBuilder();
        for (NodeProto.Builder node : anonymous.getGraphBuilder().getNodeBuilderList()) {
            node.clearName();
        }
        List<LinearSite> fromNames = named.linearSites();
        List<LinearSite> fromStructure = OnnxModel.of(anonymous.build()).linearSites();
        assertThat(fromStructure).extracting(LinearSite::name)
                .isEqualTo(fromNames.stream().map(LinearSite::name).toList());
        assertThat(fromStructure).extracting(LinearSite::initializer)
                .isEqualTo(fromNames.stream().map(LinearSite::initializer).toList());
    }

    @Test
    void smallSitesAreSkippedAndGemmTransBIsRespected() {
        OnnxModel tiny = OnnxModel.of(SyntheticModels.matMulWithBias(8, 32, new float[8 * 32], DataType.FLOAT));
        assertThat(LinearSites.find(tiny)).isEmpty();
        assertThat(LinearSites.find(tiny, 8)).singleElement()
                .satisfies(site -> assertThat(site.inFeatures()).isEqualTo(8));

        OnnxModel gemm = OnnxModel.of(SyntheticModels.gemmTransposed(24, 40, new float[40 * 24]));
        LinearSite head = LinearSites.find(gemm).get(0);
        assertThat(head.opType()).isEqualTo("Gemm");
        assertThat(head.transposed()).isTrue();
        assertThat(head.hasBias()).isTrue();
        assertThat(head.inFeatures()).isEqualTo(24);
        assertThat(head.outFeatures()).isEqualTo(40);
        assertThat(head.role()).isEqualTo(SiteRole.OTHER);
        assertThat(head.name()).isEqualTo("other (head)");
    }

    private static List<String> expectedNames(int blocks) {
        List<String> names = new ArrayList<>();
        for (int block = 0; block < blocks; block++) {
            for (String role : ROLES_IN_ORDER) {
                names.add("block " + block + " " + role);
            }
        }
        return names;
    }
}
