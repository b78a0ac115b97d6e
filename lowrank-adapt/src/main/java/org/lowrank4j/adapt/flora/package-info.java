/**
 * FLoRA (spec ../shared/methods/08-flora-tucker-nd.md) as an adapter variant: a Tucker core with one factor per mode of
 * an N-mode view of each weight (matrix, or attention heads), trained without forming ΔW.
 */
package org.lowrank4j.adapt.flora;
