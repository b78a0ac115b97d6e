package org.lowrank4j.compress.recover;

import org.lowrank4j.compress.eval.EvalReport;

/**
 * Fidelity to the original on one evaluation set before and after recovery ({@code after} null while the run has not
 * finished): distillation fits the text it trains on, so the out-of-domain sets show whether the gain carries over.
 */
public record SetFidelity(String set, EvalReport.Fidelity before, EvalReport.Fidelity after) {
}
