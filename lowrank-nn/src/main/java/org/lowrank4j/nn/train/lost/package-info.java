/**
 * LOST: block projections split at initialisation into their dominant rank-r SVD part and a channel-wise sparse
 * complement, both trained ({@link org.lowrank4j.nn.train.lost.Lost}, a {@link org.lowrank4j.nn.train.Parameterization}
 * over {@link org.lowrank4j.nn.weight.SparsePlusLowRankWeight}); the optimizer is plain AdamW.
 */
package org.lowrank4j.nn.train.lost;
