package org.lowrank4j.compress.mamba;

import java.io.IOException;
import java.nio.file.Path;
import org.lowrank4j.formats.io.AtomicFiles;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;

/**
 * Writes a Mamba model folder as one unit ({@link AtomicFiles#replaceFolder}): filled as a hidden sibling, then renamed
 * into place (an old folder moved aside first); a run stopped meanwhile leaves no hidden folder, or one the next run removes.
 */
final class MambaFolders {
    private MambaFolders() {
    }

    /** config.json, model.safetensors (low-rank sites as factors) and the byte-level tokenizer.json into {@code out}. */
    static void write(MambaModel model, Path out) throws IOException {
        AtomicFiles.replaceFolder(out.toAbsolutePath().normalize(), temp -> {
            model.save(temp);
            ByteTokenizer.writeJson(temp);
        });
    }
}
