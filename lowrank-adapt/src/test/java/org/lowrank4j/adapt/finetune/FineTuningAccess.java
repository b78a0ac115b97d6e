package org.lowrank4j.adapt.finetune;

import org.lowrank4j.adapt.lora.LoraModel;
import org.lowrank4j.adapt.peft.PeftAdapter;
import org.lowrank4j.adapt.peft.PeftConfig;

/** Test access to package-private parts of fine-tuning. */
public final class FineTuningAccess {
    private FineTuningAccess() {
    }

    public static PeftAdapter written(LoraModel lora, PeftConfig config, PeftAdapter initial) {
        return FineTuning.written(lora, config, initial);
    }
}
