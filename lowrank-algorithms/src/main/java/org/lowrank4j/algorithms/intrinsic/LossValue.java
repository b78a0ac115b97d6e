package org.lowrank4j.algorithms.intrinsic;

/** A loss and its gradient with respect to the prediction it was given (same length, same layout). */
public record LossValue(double value, double[] gradient) {
}
