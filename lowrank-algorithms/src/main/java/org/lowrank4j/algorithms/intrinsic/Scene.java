package org.lowrank4j.algorithms.intrinsic;

/**
 * A rendered scene with its ground truth: {@code image} (linear RGB as an 8-bit sRGB camera records it), {@code albedo}
 * (linear RGB in (0, 1]) and {@code shading} (one channel, &gt; 0), with image ≈ albedo ⊙ shading up to 8-bit rounding
 * and clipping of over-exposed pixels.
 */
public record Scene(long seed, Raster image, Raster albedo, Raster shading) {
}
