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

    /** A source in which each fused tensor reads as its parts: row ranges of it, which are contiguous in its bytes. */
    private static final class SplitView implements TensorSource {
        private record Part(String fused, long firstRow, long rows) {}

        private final TensorSource source;
        private final Map<String, Part> parts = new HashMap<>();
        private final List<String> names = new ArrayList<>();

        SplitView(HfConfig config, TensorSource source) {
            this.source = source;
            long q = (long) config.numAttentionHeads() * config.headDim(), kv = (long) config.numKeyValueHeads() * config.headDim();
            long hidden = config.intermediateSize();
            for (String name : source.names()) {
                if (name.endsWith(".self_attn.qkv_proj.weight")) {
                    String p = name.substring(0, name.length() - "qkv_proj.weight".length());
                    split(name, q + 2 * kv, p + "q_proj.weight", 0L, q, p + "k_proj.weight", q, kv, p + "v_proj.weight", q + kv, kv);
                } else if (name.endsWith(".mlp.gate_up_proj.weight")) {
                    String p = name.substring(0, name.length() - "gate_up_proj.weight".length());
                    split(name, 2 * hidden, p + "gate_proj.weight", 0L, hidden, p + "up_proj.weight", hidden, hidden);
                } else {
                    names.add(name);
                }
            }
            names.sort(null);
        }

        /** Registers the parts (name, first row, rows; repeated) of a fused tensor of {@code total} rows, checking its height. */
        private void split(String fused, long total, Object... nameFirstRows) {
            long height = source.info(fused).dim(0);
            if (source.info(fused).rank() != 2 || height != total) {
                throw new IllegalArgumentException("tensor '" + fused + "' in " + source.path() + " has shape "
                        + java.util.Arrays.toString(source.info(fused).shape()) + " but " + total + " rows were expected from the config");
            }
            for (int i = 0; i < nameFirstRows.length; i += 3) {
                String name = (String) nameFirstRows[i];
                parts.put(name, new Part(fused, (Long) nameFirstRows[i + 1], (Long) nameFirstRows[i + 2]));
                names.add(name);
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
            if (part == null) {
                return source.readFloats(name);
            }
            long cols = source.info(part.fused()).dim(1);
            float[] all = source.readFloats(part.fused());
            return java.util.Arrays.copyOfRange(all, (int) (part.firstRow() * cols), (int) ((part.firstRow() + part.rows()) * cols));
        }

        @Override
        public double[] readDoubles(String name) {
            Part part = parts.get(name);
            if (part == null) {
                return source.readDoubles(name);
            }
            long cols = source.info(part.fused()).dim(1);
            double[] all = source.readDoubles(part.fused());
            return java.util.Arrays.copyOfRange(all, (int) (part.firstRow() * cols), (int) ((part.firstRow() + part.rows()) * cols));
        }

        @Override
        public void close() {
            source.close();
        }
    }
}
