package org.lowrank4j.algorithms.turbovbi;

import java.nio.file.Path;

/**
 * One run of {@link BayesianPruning}: which model, which method, the fine-tune and the output.
 *
 * @param model     a LLaMA-style decoder folder (config.json + model.safetensors)
 * @param out       the pruned model folder to write (an ordinary decoder folder, pruned weights stored as zeros)
 * @param method    {@code turbo-vbi}, {@code magnitude}, {@code magnitude-neuron} or {@code keep-zeros}
 * @param data      training text (a .txt file or a folder); needed when steps > 0
 * @param from      with a folder: first year
 * @param to        with a folder: last year
 * @param steps     optimizer steps of the fine-tune; 0 for none (not for turbo-vbi)
 * @param batch     windows per step
 * @param learningRate peak learning rate
 * @param warmup    warm-up steps
 * @param seed      seed of the data order and the noise
 * @param match     for the magnitude methods: a {@value BayesianPruning#RECORD} whose per-site zero counts to match
 * @param sparsity  for the magnitude methods without match: the fraction of each projection to prune
 * @param options   Turbo-VBI's hyperparameters
 * @param force     replace an existing out
 */
public record PruningRequest(Path model, Path out, String method, Path data, Integer from, Integer to, int steps, int batch,
        double learningRate, int warmup, long seed, Path match, Double sparsity, TurboVbiOptions options, boolean force) {
}
