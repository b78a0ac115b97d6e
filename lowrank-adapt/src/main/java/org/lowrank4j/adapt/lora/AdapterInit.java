package org.lowrank4j.adapt.lora;

import java.util.Locale;

/** How fine-tuning starts its adapters. */
public enum AdapterInit {
    /** PEFT's default: A kaiming-uniform, B = 0; the base weight is untouched. */
    LORA,
    /** PiSSA (spec 04): A, B from the top-r singular triplets of W, the frozen base becomes the residual. */
    PISSA,
    /** SVFit (spec 04 B): only the top-r singular values of W train; the adapter is written as their change. */
    SVFIT;

    /** {@code lora} or {@code pissa}, refusing anything else in one line. */
    public static AdapterInit parse(String name) {
        for (AdapterInit init : values()) {
            if (init.name().equalsIgnoreCase(name)) {
                return init;
            }
        }
        throw new IllegalArgumentException("--init must be lora, pissa or svfit, got " + name);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
