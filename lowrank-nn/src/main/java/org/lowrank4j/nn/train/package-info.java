/**
 * Training: {@link org.lowrank4j.nn.train.AdamW}, the warmup + cosine {@link org.lowrank4j.nn.train.LearningRateSchedule},
 * {@link org.lowrank4j.nn.train.GradientClipping}, the {@link org.lowrank4j.nn.train.TokenWindows} data loader and
 * the {@link org.lowrank4j.nn.train.Trainer} loop with gradient accumulation, validation and safetensors
 * {@link org.lowrank4j.nn.train.Checkpoint}s that resume to the same loss curve.
 */
package org.lowrank4j.nn.train;
