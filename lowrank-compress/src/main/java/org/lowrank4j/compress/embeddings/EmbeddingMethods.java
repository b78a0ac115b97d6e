package org.lowrank4j.compress.embeddings;

import java.util.List;
import java.util.stream.Collectors;
import org.lowrank4j.compress.methods.afm.AfmEmbedding;

/** The embedding methods {@code --embeddings} takes, found by name. */
public final class EmbeddingMethods {
    private static final List<EmbeddingMethod> ALL = List.of(new AfmEmbedding(), new SvdEmbedding());

    private EmbeddingMethods() {
    }

    public static List<EmbeddingMethod> all() {
        return ALL;
    }

    /** @throws IllegalArgumentException naming the methods there are, for an unknown name */
    public static EmbeddingMethod byName(String name) {
        return ALL.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "--embeddings " + name + " is not an embedding method; use one of " + ALL.stream().map(EmbeddingMethod::name)
                        .collect(Collectors.joining(", ")) + " (as afm:rank=128)"));
    }
}
