package org.lowrank4j.compress.mamba;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.generate.ByteTokenizer;

/** Writes a Mamba model folder as one unit: filled as a hidden sibling, then renamed into place (an old folder moved aside first). */
final class MambaFolders {
    private MambaFolders() {
    }

    /** config.json, model.safetensors (low-rank sites as factors) and the byte-level tokenizer.json into {@code out}. */
    static void write(MambaModel model, Path out) throws IOException {
        Path target = out.toAbsolutePath().normalize();
        Path temp = target.resolveSibling("." + target.getFileName() + ".tmp"), old = target.resolveSibling("." + target.getFileName() + ".old");
        deleteTree(temp);
        try {
            Files.createDirectories(temp);
            model.save(temp);
            ByteTokenizer.writeJson(temp);
            deleteTree(old);
            if (Files.exists(target)) {
                Files.move(target, old);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } finally {
            deleteTree(temp);
        }
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
