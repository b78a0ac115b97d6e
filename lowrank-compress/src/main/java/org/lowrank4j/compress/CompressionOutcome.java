package org.lowrank4j.compress;

import java.nio.file.Path;
import org.lowrank4j.compress.embeddings.EmbeddingChange;

/**
 * A written compression, whatever the format (an ONNX file or a low-rank model folder): the result, where it came
 * from and went, sizes before and after, and where the time went. Records and reports are built from it.
 */
public record CompressionOutcome(CompressionResult result, Path input, Path output, long bytesIn, long bytesOut, long modelParametersBefore,
                                 long modelParametersAfter, long calibrationTokens, double calibrationSeconds, double compressSeconds,
                                 EmbeddingChange embeddings) {

    /** Fraction of the whole model's parameters removed. */
    public double modelRatio() {
        return 1 - (double) modelParametersAfter / modelParametersBefore;
    }
}
