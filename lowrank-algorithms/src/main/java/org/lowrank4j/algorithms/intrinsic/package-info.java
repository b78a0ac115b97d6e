/**
 * Intrinsic image decomposition via ordinal shading (Careaga &amp; Aksoy, ACM TOG 2023) at CPU scale: an image is
 * albedo ⊙ shading; two small U-Nets estimate the inverse shading 1/(1+S) (an ordinal network trained with a shift- and
 * scale-invariant loss, run at two resolutions, and a merge network), albedo is implied as I / S. Synthetic scenes with
 * known albedo and shading ({@link org.lowrank4j.algorithms.intrinsic.SceneRenderer}) train and test it; a classical
 * Retinex ({@link org.lowrank4j.algorithms.intrinsic.Retinex}) is the baseline. Spec: docs/specs/intrinsic-ordinal-shading.md.
 */
package org.lowrank4j.algorithms.intrinsic;
