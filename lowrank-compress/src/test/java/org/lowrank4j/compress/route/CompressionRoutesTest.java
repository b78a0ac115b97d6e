package org.lowrank4j.compress.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.lowrank4j.compress.runtime.DecoderRuntime;
import org.junit.jupiter.api.io.TempDir;

/** The entry point picks the route from the model and the method; a route is chosen by exactly one rule. */
class CompressionRoutesTest {

    private static CompressionRoute routeFor(Path model, String method) {
        CompressionRequest r = CompressionRequest.builder().model(model).method(method).ratio(0.2).out(model.resolveSibling("out")).build();
        return Compression.ROUTES.stream().filter(route -> route.handles(r)).findFirst().orElseThrow();
    }

    @Test
    void eachKindOfRequestHasItsRoute(@TempDir Path dir) throws IOException {
        Path onnx = Files.writeString(dir.resolve("m.onnx"), "not read by the routing");
        Path folder = Files.createDirectories(dir.resolve("decoder"));
        assertThat(routeFor(onnx, "whitened")).isInstanceOf(OnnxSiteRoute.class);
        assertThat(routeFor(onnx, "asvd:alpha=1")).isInstanceOf(OnnxSiteRoute.class);
        assertThat(routeFor(onnx, "svd-llm")).isInstanceOf(OnnxRuntimeRoute.class);
        assertThat(routeFor(onnx, "saes")).isInstanceOf(OnnxRuntimeRoute.class);
        assertThat(routeFor(onnx, "basis-sharing:group=3")).isInstanceOf(OnnxRuntimeRoute.class);
        assertThat(routeFor(folder, "whitened")).isInstanceOf(DecoderFolderRoute.class);
        assertThat(routeFor(folder, "basis-sharing")).isInstanceOf(DecoderFolderRoute.class); // which refuses it, naming the reason
    }

    @Test
    void decoderCalibrationRunsLongWindowsFewAtATime() {
        // attention layers keep a batch's (B, heads, T, T) probabilities: 8 windows of 256, 2 of 1,024, 1 of 2,048 or more
        assertThat(DecoderRuntime.windowsPerBatch(256)).isEqualTo(8);
        assertThat(DecoderRuntime.windowsPerBatch(1024)).isEqualTo(2);
        assertThat(DecoderRuntime.windowsPerBatch(2048)).isEqualTo(1);
        assertThat(DecoderRuntime.windowsPerBatch(8192)).isEqualTo(1);
    }

    @Test
    void theBudgetIsExactlyOneOfRatioAndSize(@TempDir Path dir) throws IOException {
        Path onnx = Files.writeString(dir.resolve("m.onnx"), "x");
        CompressionRequest.Builder b = CompressionRequest.builder().model(onnx).out(dir.resolve("o.onnx"));
        assertThatThrownBy(() -> Compression.run(b.build(), org.lowrank4j.compress.Listener.NONE)).hasMessageContaining("either --ratio");
        assertThatThrownBy(() -> Compression.run(b.ratio(0.2).targetSize("80MB").build(), org.lowrank4j.compress.Listener.NONE))
                .hasMessageContaining("either --ratio");
        assertThatThrownBy(() -> Compression.run(b.ratio(1.5).targetBytes(null).build(), org.lowrank4j.compress.Listener.NONE))
                .hasMessageContaining("(0, 1)");
        assertThat(dir.resolve("o.onnx")).doesNotExist();
    }

    @Test
    void recordsSitBesideTheirModel() {
        assertThat(Compression.recordPath(Path.of("/a/m.onnx"), false, ".json")).isEqualTo(Path.of("/a/m.json"));
        assertThat(Compression.recordPath(Path.of("/a/lowrank.v2"), true, ".json")).isEqualTo(Path.of("/a/lowrank.v2.json"));
        assertThat(Compression.recordPath(Path.of("/a/model"), false, ".html")).isEqualTo(Path.of("/a/model.html"));
    }

    /** A trained folder carries the trainer's checkpoint beside its weights; the size before compression is the weights'. */
    @Test
    void aFoldersWeightBytesLeaveOutTheCheckpointBesideThem(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("trained"));
        new org.lowrank4j.formats.safetensors.SafetensorsWriter().add("w", new long[] {4, 4}, new float[16]).write(folder.resolve("model.safetensors"));
        new org.lowrank4j.formats.safetensors.SafetensorsWriter().add("optimizer.m.w", new long[] {64, 64}, new float[4096])
                .write(folder.resolve("checkpoint.safetensors"));
        assertThat(DecoderFolderRoute.weightBytes(folder)).isEqualTo(Files.size(folder.resolve("model.safetensors")));
    }
}
