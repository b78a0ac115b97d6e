package org.lowrank4j.nn.layers;

import java.util.Arrays;
import org.lowrank4j.nn.tensor.Tensor;

/** Shape checks shared by the layers. */
final class Norms {
    private Norms() {
    }

    static void checkInput(String name, Tensor x, Tensor weight) {
        if (x.rank() < 1 || x.dim(-1) != weight.size()) {
            throw new IllegalArgumentException(name + ": input of shape " + x.shapeString() + " does not end in " + weight.size() + " channels");
        }
        checkPrecision(name, x, weight);
    }

    static void checkPrecision(String name, Tensor x, Tensor parameter) {
        if (x.precision() != parameter.precision()) {
            throw new IllegalArgumentException(name + ": input is " + x.precision() + " but the layer is " + parameter.precision());
        }
    }

    /** The gradient of an output must have the shape of the output, which for these layers is the input's. */
    static void checkGradient(String name, Tensor dy, Tensor input) {
        if (input == null) {
            throw new IllegalStateException(name + ": backward called before forward");
        }
        if (!Arrays.equals(dy.shape(), input.shape()) || dy.precision() != input.precision()) {
            throw new IllegalArgumentException(name + ": output gradient " + dy.shapeString() + " " + dy.precision()
                    + " does not match the output " + input.shapeString() + " " + input.precision());
        }
    }
}
