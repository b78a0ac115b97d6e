/**
 * How a linear layer's weight is stored and applied: {@link org.lowrank4j.nn.weight.WeightFactorization} with the
 * dense and low-rank forms; compression methods add forms here without touching the layers.
 */
package org.lowrank4j.nn.weight;
