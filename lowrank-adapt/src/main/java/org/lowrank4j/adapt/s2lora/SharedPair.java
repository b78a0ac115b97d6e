package org.lowrank4j.adapt.s2lora;

import java.util.List;
import org.lowrank4j.nn.Parameter;

/**
 * The LoRA pair one shape group shares: A (r, in) and B (out, r), and the modules that use it. It is stored under the
 * pseudo-module {@code s2lora_shared_<out>x<in>} (no dots, so the folder's {@code <module>.<tensor>} names stay
 * unambiguous; no model has a module of that name).
 */
record SharedPair(String name, int out, int in, Parameter a, Parameter b, List<String> modules) {

    static String nameOf(int out, int in) {
        return "s2lora_shared_" + out + "x" + in;
    }

    int rank() {
        return a.value().dim(0);
    }
}
