package org.lowrank4j.compress.route;

import java.nio.file.Path;
import java.util.List;
import org.lowrank4j.compress.eval.EvalReport;
import org.lowrank4j.compress.recover.RecoveryResult;
import org.lowrank4j.compress.recover.SetFidelity;
import org.lowrank4j.nn.generate.PerplexityResult;

/**
 * A finished (or stopped) {@link Recovery#run}: the training result and, when measured, fidelity before and after
 * (ONNX encoders: cosine and recall@10 on held-out sentences) or perplexity of the original and of the student before
 * and after (decoders), and for encoders the same fidelity on each out-of-domain set ({@code outOfDomain}, empty when not
 * measured). {@code record} is null when the run stopped before its last step.
 */
public record RecoveryRun(RecoveryResult result, int factorPairs, Path out, Path record, EvalReport.Fidelity fidelityBefore,
                          EvalReport.Fidelity fidelityAfter, PerplexityResult perplexityOriginal, PerplexityResult perplexityBefore,
                          PerplexityResult perplexityAfter, List<SetFidelity> outOfDomain) {
}
