/**
 * A small convolutional U-Net over channel-last images ({@link org.lowrank4j.nn.arch.unet.UNet}), built from the runtime's
 * {@link org.lowrank4j.nn.layers.Conv2d}, {@link org.lowrank4j.nn.layers.Upsample2x} and
 * {@link org.lowrank4j.nn.layers.Channels}: the dense-prediction network of the intrinsic image decomposition.
 */
package org.lowrank4j.nn.arch.unet;
