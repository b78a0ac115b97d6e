package org.lowrank4j.compress.route;

import java.io.IOException;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.compress.mamba.DlrMambaOptions;
import org.lowrank4j.compress.mamba.MambaCompression;

/** {@code --method dlrmamba}: a Mamba model folder's projections and state transitions as U·V (docs/specs/dlrmamba.md). */
final class DlrMambaRoute implements CompressionRoute {

    @Override
    public boolean handles(CompressionRequest r) {
        return DlrMambaOptions.names(r.method());
    }

    @Override
    public CompressionOutcome compress(CompressionRequest r, Listener listener) throws IOException {
        if (r.calibration() != null || r.tokenizer() != null || r.embeddings() != null || r.labels() != null) {
            throw new IllegalArgumentException(DlrMambaOptions.NAME + " factorises from the weights alone (truncated SVD); --calib, --tokenizer,"
                    + " --embeddings and --labels do not apply");
        }
        return MambaCompression.run(r.model(), r.out(), r.method(), DlrMambaOptions.parse(r.method(), r.ratio()), listener);
    }
}
