package org.lowrank4j.adapt.finetune;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lowrank4j.formats.io.Sha256;
import org.lowrank4j.nn.train.Checkpoint;

/**
 * The options a fine-tuning checkpoint is written with, kept in its metadata, so that {@code --resume} continues the
 * same run: a different {@code --rank} used to surface as a tensor-shape error, and a different {@code --data} was
 * trained on without a word. Checkpoints written before these keys existed carry none and are not checked.
 */
final class ResumeOptions {
    private static final String PREFIX = "finetune.option.";
    private static final String DATA_SHA256 = "finetune.data_sha256", DATA_NAME = "finetune.data"; // the text, not its path, counts

    private ResumeOptions() {
    }

    /** The metadata entries of a run: each option as the user would write it, and the SHA-256 of the text. */
    static Map<String, String> of(FineTuneRequest r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(DATA_SHA256, Sha256.ofText(r.text()));
        m.put(PREFIX + "--adapter", r.adapter() == null ? "lora" : r.adapter());
        if (r.lora() != null) {
            m.put(PREFIX + "--rank", Integer.toString(r.lora().rank()));
            m.put(PREFIX + "--alpha", Double.toString(r.lora().alpha()));
            m.put(PREFIX + "--dropout", Double.toString(r.lora().dropout()));
            m.put(PREFIX + "--rslora", Boolean.toString(r.lora().useRslora()));
        }
        m.put(PREFIX + "--targets", r.targets() == null ? "" : String.join(",", r.targets()));
        m.put(PREFIX + "--init", r.init() == null ? "" : r.init().label());
        m.put(PREFIX + "--steps", Integer.toString(r.steps()));
        m.put(PREFIX + "--batch", Integer.toString(r.batch()));
        m.put(PREFIX + "--context", Integer.toString(r.context()));
        m.put(PREFIX + "--lr", Double.toString(r.learningRate()));
        m.put(PREFIX + "--warmup", Integer.toString(r.warmup()));
        m.put(PREFIX + "--weight-decay", Double.toString(r.weightDecay()));
        m.put(PREFIX + "--held-out", Double.toString(r.heldOutFraction()));
        m.put(PREFIX + "--seed", Long.toString(r.seed()));
        return m;
    }

    /** {@link #of} with the text's name, which the checkpoint keeps for the refusal but which is not compared. */
    static Map<String, String> written(FineTuneRequest r) {
        Map<String, String> m = new LinkedHashMap<>(of(r));
        m.put(DATA_NAME, r.dataName());
        return m;
    }

    /**
     * Refuses a resumed run whose options differ from those {@code checkpoint} was written with, naming the first option
     * that differs with both values.
     *
     * @throws IllegalArgumentException naming the option, the checkpoint's value and this run's
     */
    static void requireSame(Path checkpoint, FineTuneRequest r) throws IOException {
        Map<String, String> written = Checkpoint.readMetadata(checkpoint);
        for (Map.Entry<String, String> now : of(r).entrySet()) {
            String then = written.get(now.getKey());
            if (then == null || then.equals(now.getValue())) {
                continue;
            }
            String what = now.getKey().equals(DATA_SHA256)
                    ? "--data: " + checkpoint + " was made from another text (" + written.getOrDefault(DATA_NAME, "?") + " as it was then) than "
                            + r.dataName() + " holds now"
                    : now.getKey().substring(PREFIX.length()) + ": " + checkpoint + " was made with " + show(then) + ", this run gives "
                            + show(now.getValue());
            throw new IllegalArgumentException("--resume " + what + "; resume with the options of the run it continues, or start a new run with"
                    + " --force");
        }
    }

    private static String show(String value) {
        return value.isEmpty() ? "none" : value;
    }
}
