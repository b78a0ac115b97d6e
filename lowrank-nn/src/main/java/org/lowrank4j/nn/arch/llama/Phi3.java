package org.lowrank4j.nn.arch.llama;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.formats.hf.HfConfig;
import org.lowrank4j.formats.safetensors.TensorInfo;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Microsoft's Phi-3 ({@code model_type: phi3}) is LLaMA's layout with two projections fused in its checkpoints: each
 * layer stores {@code self_attn.qkv_proj} (the query rows, then the key rows, then the value rows) and
 * {@code mlp.gate_up_proj} (the gate rows, then the up rows). The runtime keeps the five projections apart, so that each
 * can be factorised on its own: {@link #view} splits the fused tensors on reading, {@link #fuse} joins them again for a
 * checkpoint Hugging Face loads. Its {@code sliding_window}, when set, applies to every layer.
 */
final class Phi3 {
    private Phi3() {
    }

    static boolean is(HfConfig config) {
        return config.modelType().toLowerCase(Locale.ROOT).equals("phi3");
    }

    /** For Phi-3, {@code source} with its fused tensors seen as the five projections; any other model's source as it is. */
    static TensorSource view(HfConfig config, TensorSource source) {
        return is(config) ? new SplitView(config, source) : source;
    }

    /**
     * For Phi-3, {@code tensors} (Hugging Face names, one tensor per projection) with each layer's q, k, v weights joined
     * into {@code qkv_proj.weight} and gate and up into {@code gate_up_proj.weight}, in place of the first of them; any
     * other model's map as it is.
     */
    static Map<String, Tensor> fuse(HfConfig config, Map<String, Tensor> tensors) {
        if (!is(config)) {
            return tensors;
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.endsWith(".self_attn.q_proj.weight")) {
                String p = name.substring(0, name.length() - "q_proj.weight".length());
                out.put(p + "qkv_proj.weight", rows(e.getValue(), tensors.get(p + "k_proj.weight"), tensors.get(p + "v_proj.weight")));
            } else if (name.endsWith(".mlp.gate_proj.weight")) {
                String p = name.substring(0, name.length() - "gate_proj.weight".length());
                out.put(p + "gate_up_proj.weight", rows(e.getValue(), tensors.get(p + "up_proj.weight")));
            } else if (!name.endsWith(".self_attn.k_proj.weight") && !name.endsWith(".self_attn.v_proj.weight") && !name.endsWith(".mlp.up_proj.weight")) {
                out.put(name, e.getValue());
            }
        }
        return out;
    }

    /** The row-wise concatenation of matrices of one width. */
    private static Tensor rows(Tensor... parts) {
        int cols = parts[0].dim(1), rows = 0;
        for (Tensor t : parts) {
            rows += t.dim(0);
        }
        Tensor out = Tensor.zeros(parts[0].precision(), rows, cols);
        int at = 0;
        for (Tensor t : parts) {
            out.matrix(rows, cols).rowRange(at, at + t.dim(0)).assign(t.matrix(t.dim(0), cols));
            at += t.dim(0);
        }
        return out;
    }

    /**
     * A source in which each fused tensor reads as its parts: row ranges of it, which are contiguous in its bytes. The
     * parts of a layer are read one after the other, so a fused tensor read for one part is kept until its last part.
     */
    private static final class SplitView implements TensorSource {
        private record Part(String fused, long firstRow, long rows) {}

        private final TensorSource source;
        private final Map<String, Part> parts = new HashMap<>();
        private final List<String> names = new ArrayList<>();
        private String cachedName;   // the fused tensor last read, and its values (float[] or double[])
        private Object cachedValues;

        SplitView(HfConfig config, TensorSource source) {
            this.source = source;
            long q = (long) config.numAttentionHeads() * config.headDim(), kv = (long) config.numKeyValueHeads() * config.headDim();
            long hidden = config.intermediateSize();
            for (String name : source.names()) {
                if (name.endsWith(".self_attn.qkv_proj.weight")) {
                    split(name, "qkv_proj.weight", new String[] {"q_proj.weight", "k_proj.weight", "v_proj.weight"}, new long[] {q, kv, kv});
                } else if (name.endsWith(".mlp.gate_up_proj.weight")) {
                    split(name, "gate_up_proj.weight", new String[] {"gate_proj.weight", "up_proj.weight"}, new long[] {hidden, hidden});
                } else {
                    names.add(name);
                }
            }
            names.sort(null);
        }

        /** Registers the consecutive row ranges of a fused tensor as {@code partNames} of the given heights, checking its height. */
        private void split(String fused, String suffix, String[] partNames, long[] heights) {
            TensorInfo info = source.info(fused);
            long total = java.util.Arrays.stream(heights).sum();
            if (info.rank() != 2 || info.dim(0) != total) {
                throw new IllegalArgumentException("tensor '" + fused + "' in " + source.path() + " has shape "
                        + java.util.Arrays.toString(info.shape()) + " but " + total + " rows were expected from the config");
            }
            String prefix = fused.substring(0, fused.length() - suffix.length());
            long first = 0;
            for (int i = 0; i < partNames.length; i++) {
                parts.put(prefix + partNames[i], new Part(fused, first, heights[i]));
                names.add(prefix + partNames[i]);
                first += heights[i];
            }
        }

        @Override
        public Path path() {
            return source.path();
        }

        @Override
        public List<String> names() {
            return List.copyOf(names);
        }

        @Override
        public boolean contains(String name) {
            return parts.containsKey(name) || !isFused(name) && source.contains(name);
        }

        private static boolean isFused(String name) {
            return name.endsWith(".self_attn.qkv_proj.weight") || name.endsWith(".mlp.gate_up_proj.weight");
        }

        @Override
        public TensorInfo info(String name) {
            Part part = parts.get(name);
            if (part == null) {
                return source.info(name);
            }
            TensorInfo fused = source.info(part.fused());
            long cols = fused.dim(1), rowBytes = cols * fused.dtype().byteSize();
            return new TensorInfo(name, fused.dtype(), new long[] {part.rows(), cols}, fused.begin() + part.firstRow() * rowBytes,
                    fused.begin() + (part.firstRow() + part.rows()) * rowBytes);
        }

        @Override
        public Map<String, String> metadata() {
            return source.metadata();
        }

        @Override
        public float[] readFloats(String name) {
            Part part = parts.get(name);
            return part == null ? source.readFloats(name) : (float[]) slice(part, float[].class, source::readFloats);
        }

        @Override
        public double[] readDoubles(String name) {
            Part part = parts.get(name);
            return part == null ? source.readDoubles(name) : (double[]) slice(part, double[].class, source::readDoubles);
        }

        /** A part's rows of its fused tensor (read with {@code read} unless it is the one last read, as {@code type}). */
        private Object slice(Part part, Class<?> type, java.util.function.Function<String, Object> read) {
            if (!part.fused().equals(cachedName) || !type.isInstance(cachedValues)) {
                cachedValues = read.apply(part.fused());
                cachedName = part.fused();
            }
            TensorInfo fused = source.info(part.fused());
            int cols = (int) fused.dim(1);
            int from = (int) (part.firstRow() * cols), to = (int) ((part.firstRow() + part.rows()) * cols);
            Object out = java.lang.reflect.Array.newInstance(type.getComponentType(), to - from);
            System.arraycopy(cachedValues, from, out, 0, to - from);
            if (part.firstRow() + part.rows() == fused.dim(0)) { // the last part: a blockwise reader holds no more than its block
                cachedValues = null;
                cachedName = null;
            }
            return out;
        }

        @Override
        public void close() {
            cachedValues = null;
            source.close();
        }
    }
}
