/**
 * Turbo-VBI structured Bayesian compression (Xia, Tsang, Lau, IEEE TSP 71:670–685, 2023, arXiv:2302.10483; spec
 * ../shared/methods/20-turbo-vbi-structured-bayesian-compression.md): a three-layer prior (support s, precision ρ,
 * weight w), module A's closed-form Gamma and support updates ({@link org.lowrank4j.algorithms.turbovbi.GammaPrior}),
 * module B's sum–product over a Markov chain of supports with a neuron indicator
 * ({@link org.lowrank4j.algorithms.turbovbi.SupportChain}, {@link org.lowrank4j.algorithms.turbovbi.NeuronSupport}),
 * a linear-regression solver on the full loop, and the decoder MLPs' Bayesian fine-tune and pruning.
 */
package org.lowrank4j.algorithms.turbovbi;
