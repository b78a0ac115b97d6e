/**
 * SLTrain: block projections trained as a scaled low-rank product plus a sparse matrix on a fixed random support
 * ({@link org.lowrank4j.nn.train.sltrain.SlTrain}, a {@link org.lowrank4j.nn.train.Parameterization} over
 * {@link org.lowrank4j.nn.weight.SparsePlusLowRankWeight}); the optimizer is plain AdamW on the factors and values.
 */
package org.lowrank4j.nn.train.sltrain;
