/**
 * The JVM transformer runtime: layers with explicit forward/backward pairs, architectures in one folder each,
 * KV cache, sampling and the training loop.
 */
package org.lowrank4j.nn;
