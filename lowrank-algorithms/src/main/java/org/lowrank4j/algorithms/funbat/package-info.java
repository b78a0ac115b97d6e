/**
 * FunBaT (Fang et al., ICLR 2024, arXiv:2311.04829): Bayesian Tucker decomposition of a tensor whose indices are
 * continuous coordinates. Each mode's factor functions carry Matérn-1/2 Gaussian-process priors, written as a
 * Gauss–Markov chain over the mode's sorted coordinates so that their posterior is one Kalman filter and RTS smoother
 * pass ({@link org.lowrank4j.algorithms.funbat.MarkovChainSmoother}); core and noise precision have Gaussian and Gamma
 * posteriors ({@link org.lowrank4j.algorithms.funbat.FunctionalTucker}).
 */
package org.lowrank4j.algorithms.funbat;
