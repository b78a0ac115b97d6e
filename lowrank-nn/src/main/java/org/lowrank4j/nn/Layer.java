package org.lowrank4j.nn;

import org.lowrank4j.nn.tensor.Tensor;

/**
 * A layer mapping a tensor {@code (..., C_in)} to a tensor {@code (..., C_out)} with an explicit backward pass, in
 * the style of llm.c: {@code forward} keeps what the backward pass needs (its input, saved statistics) in the layer;
 * {@code backward} takes the gradient of the loss with respect to the output of the <em>latest</em> forward,
 * adds the parameter gradients into {@link Parameter#gradient()} and returns the gradient with respect to the
 * input as a new tensor. Inputs are not modified and must not be modified between forward and backward.
 */
public interface Layer extends Module {

    Tensor forward(Tensor x);

    Tensor backward(Tensor dy);
}
