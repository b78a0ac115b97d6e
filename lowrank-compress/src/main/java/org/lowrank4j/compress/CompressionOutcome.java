package org.lowrank4j.compress;

import java.nio.file.Path;
import java.util.Map;
import org.lowrank4j.compress.embeddings.EmbeddingChange;

/**
 * A written compression, whatever the format (an ONNX file or a low-rank model folder): the result, where it came
 * from and went, sizes before and after, where the time went, the embedding table's change ({@code embeddings}, null when
 * none), and what a route adds to its record ({@code details}, written
 * under that key: block pruning lists the removed blocks and their sensitivities). Records and reports are built from it.
 */
public record CompressionOutcome(CompressionResult result, Path input, Path output, long bytesIn, long bytesOut, long modelParametersBefore,
                                 long modelParametersAfter, long calibrationTokens, double calibrationSeconds, double compressSeconds,
                                 EmbeddingChange embeddings, Map<String, Object> details) {

    /**
     * An outcome without route-specific details.
     *
     * @param embeddings the change of the embedding table ({@code --embeddings}), or null when it stays as it was
     */
    public CompressionOutcome(CompressionResult result, Path input, Path output, long bytesIn, long bytesOut, long modelParametersBefore,
                              long modelParametersAfter, long calibrationTokens, double calibrationSeconds, double compressSeconds,
                              EmbeddingChange embeddings) {
        this(result, input, output, bytesIn, bytesOut, modelParametersBefore, modelParametersAfter, calibrationTokens, calibrationSeconds,
                compressSeconds, embeddings, Map.of());
    }

    /** Fraction of the whole model's parameters removed. */
    public double modelRatio() {
        return 1 - (double) modelParametersAfter / modelParametersBefore;
    }
}
