package org.lowrank4j.compress.prune;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lowrank4j.formats.safetensors.TensorInfo;
import org.lowrank4j.formats.safetensors.TensorSource;

/**
 * A decoder's tensors seen without some blocks: {@code model.layers.j.*} of a removed block is hidden and the later
 * blocks are renumbered so that the kept ones are {@code 0..N−1}; other tensors (embeddings, final norm, head) pass.
 * Reads go to the underlying source, which stays open (and owned) by the caller.
 */
final class RenumberedLayers implements TensorSource {
    private static final Pattern LAYER = Pattern.compile("^model\\.layers\\.(\\d+)\\.(.+)$");
    private final TensorSource source;
    private final Map<String, String> originalOf = new HashMap<>();
    private final List<String> names = new ArrayList<>();

    RenumberedLayers(TensorSource source, int layers, Set<Integer> removed) {
        this.source = source;
        int[] newIndex = new int[layers];
        for (int j = 0, n = 0; j < layers; j++) {
            newIndex[j] = removed.contains(j) ? -1 : n++;
        }
        for (String name : source.names()) {
            Matcher m = LAYER.matcher(name);
            String mapped = name;
            if (m.matches()) {
                int j = Integer.parseInt(m.group(1));
                if (j >= layers || newIndex[j] < 0) {
                    continue;
                }
                mapped = "model.layers." + newIndex[j] + "." + m.group(2);
            }
            originalOf.put(mapped, name);
            names.add(mapped);
        }
        names.sort(null);
    }

    private String original(String name) {
        String o = originalOf.get(name);
        if (o == null) {
            throw new IllegalArgumentException("no tensor " + name + " in the pruned view of " + source.path());
        }
        return o;
    }

    @Override public Path path() { return source.path(); }
    @Override public List<String> names() { return List.copyOf(names); }
    @Override public boolean contains(String name) { return originalOf.containsKey(name); }
    @Override public TensorInfo info(String name) { return source.info(original(name)); }
    @Override public Map<String, String> metadata() { return source.metadata(); }
    @Override public float[] readFloats(String name) { return source.readFloats(original(name)); }
    @Override public double[] readDoubles(String name) { return source.readDoubles(original(name)); }
    @Override public void close() { }
}
