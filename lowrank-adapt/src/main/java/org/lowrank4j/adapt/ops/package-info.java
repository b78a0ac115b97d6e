/**
 * Operations on trained adapters: {@link org.lowrank4j.adapt.ops.Squeeze} (LoRA-Squeeze, spec 02),
 * {@link org.lowrank4j.adapt.ops.AdapterMerge} (into a decoder folder) and {@link org.lowrank4j.adapt.ops.AdapterSummary}.
 */
package org.lowrank4j.adapt.ops;
