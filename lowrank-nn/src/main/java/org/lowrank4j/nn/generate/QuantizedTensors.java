package org.lowrank4j.nn.generate;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.formats.safetensors.SafetensorsDtype;
import org.lowrank4j.formats.safetensors.SafetensorsWriter;
import org.lowrank4j.formats.safetensors.TensorSource;
import org.lowrank4j.linalg.quant.QuantizationFormat;
import org.lowrank4j.linalg.quant.QuantizedMatrix;
import org.lowrank4j.nn.Parameter;
import org.lowrank4j.nn.layers.Linear;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.tensor.Tensor;
import org.lowrank4j.nn.weight.LowRankWeight;
import org.lowrank4j.nn.weight.QuantizedWeight;

/**
 * A quantized projection in a checkpoint, {@code <name>} being the {@link Linear}'s name (the layout of
 * {@link QuantizedMatrix}, which is also what ONNX Runtime's MatMulNBits reads):
 * <ul>
 *   <li>{@code <name>.qweight} U8 [out, ⌈in·bits/8⌉]: the codes, each row a little-endian bit stream;</li>
 *   <li>{@code <name>.qscales} F32 [out, in/group]: one scale per group of {@code group} input columns;</li>
 *   <li>{@code <name>.qzeros} U8 [out, ⌈(in/group)·bits/8⌉]: packed zero points (asymmetric grids only);</li>
 *   <li>{@code <name>.qbranch_A} F32 [out, r] and {@code <name>.qbranch_B} F32 [r, in]: the float low-rank branch
 *       (EoRA, LQ-LoRA), {@code W ≈ dequant(Q) + A·B}; absent without a branch;</li>
 *   <li>{@code <name>.qinput_scale} F32 [in]: a per-input-channel scale s of the base's input (SVDQuant's 1/λ),
 *       {@code y = (x ⊙ s)·dequant(Q)ᵀ + (x·Bᵀ)·Aᵀ}; absent when the base reads x as it is;</li>
 *   <li>the safetensors {@code __metadata__} entry {@code lowrank4j.quant.<name>} = {@code SCHEME:BITS:GROUP}
 *       ({@code asymmetric:4:32}, {@code nf:3:32}), which says how to read the codes.</li>
 * </ul>
 * Loading installs a {@link QuantizedWeight}: the runtime multiplies by the codes without restoring the dense weight.
 */
public final class QuantizedTensors {
    public static final String CODES = ".qweight", SCALES = ".qscales", ZEROS = ".qzeros", BRANCH_A = ".qbranch_A", BRANCH_B = ".qbranch_B",
            INPUT_SCALE = ".qinput_scale";
    public static final String METADATA_PREFIX = "lowrank4j.quant.";

    private QuantizedTensors() {
    }

    /** Whether {@code source} holds any quantized projection. */
    public static boolean anyIn(TensorSource source) {
        return source.names().stream().anyMatch(n -> n.endsWith(CODES));
    }

    /** The metadata value of a format: {@code scheme:bits:group}. */
    public static String describe(QuantizationFormat format, int columns) {
        String scheme = format.kind().name().toLowerCase(Locale.ROOT).replace("normal_float", "nf");
        return scheme + ":" + format.bits() + ":" + format.groupSizeFor(columns);
    }

    /** Reads a metadata value back, naming the projection when it is malformed. */
    static QuantizationFormat parse(String value, String base, TensorSource source) {
        String[] parts = value == null ? new String[0] : value.split(":");
        try {
            if (parts.length == 3) {
                QuantizationFormat.Kind kind = switch (parts[0]) {
                    case "asymmetric" -> QuantizationFormat.Kind.ASYMMETRIC;
                    case "symmetric" -> QuantizationFormat.Kind.SYMMETRIC;
                    case "nf" -> QuantizationFormat.Kind.NORMAL_FLOAT;
                    default -> throw new IllegalArgumentException("unknown scheme '" + parts[0] + "'");
                };
                return new QuantizationFormat(kind, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.path() + ": metadata " + METADATA_PREFIX + base + " = '" + value + "' is not a quantization"
                    + " format this lowrank4j reads (" + e.getMessage() + ")");
        }
        throw new IllegalArgumentException(source.path() + " holds '" + base + CODES + "' but no metadata " + METADATA_PREFIX + base
                + " = SCHEME:BITS:GROUP saying how to read it");
    }

    /** Adds a quantized {@code linear}'s tensors and metadata to {@code writer}; false (nothing added) for any other weight. */
    public static boolean put(SafetensorsWriter writer, String base, Linear linear) {
        if (!(linear.weight() instanceof QuantizedWeight q)) {
            return false;
        }
        QuantizedMatrix m = q.base();
        writer.add(base + CODES, new long[] {m.rows(), m.codeRowBytes()}, m.packedCodes());
        writer.add(base + SCALES, new long[] {m.rows(), m.groupsPerRow()}, m.scales());
        if (m.format().hasZeroPoints()) {
            writer.add(base + ZEROS, new long[] {m.rows(), m.zeroPointRowBytes()}, m.packedZeroPoints());
        }
        if (q.branch() != null) {
            LowRankWeight b = q.branch();
            writer.add(base + BRANCH_A, SafetensorsDtype.F32, new long[] {m.rows(), b.rank()}, floats(b.left().value()));
            writer.add(base + BRANCH_B, SafetensorsDtype.F32, new long[] {b.rank(), m.cols()}, floats(b.right().value()));
        }
        float[] inputScale = q.inputScale();
        if (inputScale != null) {
            writer.add(base + INPUT_SCALE, SafetensorsDtype.F32, new long[] {m.cols()}, inputScale);
        }
        writer.metadata(METADATA_PREFIX + base, describe(m.format(), m.cols()));
        if (linear.bias() != null) {
            writer.add(linear.bias().name(), SafetensorsDtype.F32, new long[] {linear.outFeatures()}, floats(linear.bias().value()));
        }
        return true;
    }

    /** Whether {@code source} stores {@code base} quantized. */
    public static boolean present(TensorSource source, String base) {
        return source.contains(base + CODES);
    }

    /**
     * Installs the quantized projection {@code base} of {@code source} in {@code linear} as a {@link QuantizedWeight}.
     *
     * @throws IllegalArgumentException when {@code base.weight} or low-rank factors are stored as well, a tensor is missing
     *                                  or of the wrong shape or type, or a scale or branch value is not finite
     */
    public static void install(TensorSource source, String base, Linear linear) {
        for (String other : new String[] {".weight", FactorTensors.A_SUFFIX, FactorTensors.B_SUFFIX}) {
            if (source.contains(base + other)) {
                throw new IllegalArgumentException(source.path() + " holds both '" + base + CODES + "' and '" + base + other
                        + "'; a projection is stored one way only");
            }
        }
        int out = linear.outFeatures(), in = linear.inFeatures();
        QuantizationFormat format = parse(source.metadata().get(METADATA_PREFIX + base), base, source);
        int group;
        try {
            group = format.groupSizeFor(in);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.path() + ": " + base + " " + e.getMessage());
        }
        int groups = in / group;
        byte[] codes = bytes(source, base + CODES, out, (int) ((long) in * format.bits() + 7) / 8);
        float[] scales = source.readFloats(requireShape(source, base + SCALES, SafetensorsDtype.F32, out, groups));
        byte[] zeros = format.hasZeroPoints() ? bytes(source, base + ZEROS, out, (groups * format.bits() + 7) / 8) : null;
        if (!format.hasZeroPoints() && source.contains(base + ZEROS)) {
            throw new IllegalArgumentException(source.path() + " holds '" + base + ZEROS + "' but " + base + " is " + format + ", which has no zero points");
        }
        QuantizedMatrix matrix;
        try {
            matrix = new QuantizedMatrix(format, out, in, codes, scales, zeros);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.path() + ": " + base + ": " + e.getMessage());
        }
        Precision precision = linear.weight().precision();
        LowRankWeight branch = null;
        if (source.contains(base + BRANCH_A) || source.contains(base + BRANCH_B)) {
            String a = base + BRANCH_A, b = base + BRANCH_B;
            if (!source.contains(a) || !source.contains(b)) {
                throw new IllegalArgumentException(source.path() + ": '" + (source.contains(a) ? a : b) + "' has no matching '"
                        + (source.contains(a) ? b : a) + "' (a branch needs both factors)");
            }
            long[] shapeA = source.info(a).shape();
            if (shapeA.length != 2 || shapeA[0] != out || shapeA[1] < 1 || shapeA[1] > Math.min(out, in)) {
                throw new IllegalArgumentException(source.path() + ": '" + a + "' has shape " + Arrays.toString(shapeA) + " but [" + out
                        + ", r] with 1 ≤ r ≤ " + Math.min(out, in) + " was expected");
            }
            int rank = (int) shapeA[1];
            source.requireShape(b, new long[] {rank, in});
            branch = new LowRankWeight(new Parameter(base + ".qbranch.A", Tensor.zeros(precision, out, rank)),
                    new Parameter(base + ".qbranch.B", Tensor.zeros(precision, rank, in)));
            HfCheckpoint.read(source, a, branch.left().value());
            HfCheckpoint.read(source, b, branch.right().value());
        }
        float[] inputScale = source.contains(base + INPUT_SCALE)
                ? source.readFloats(requireShape(source, base + INPUT_SCALE, SafetensorsDtype.F32, in)) : null;
        if (linear.bias() != null) {
            HfCheckpoint.read(source, linear.bias().name(), linear.bias().value());
        }
        try {
            linear.setWeight(QuantizedWeight.of(base, matrix, branch, inputScale, precision));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source.path() + ": " + e.getMessage());
        }
    }

    private static String requireShape(TensorSource source, String name, SafetensorsDtype dtype, long... shape) {
        if (!source.contains(name)) {
            throw new IllegalArgumentException("missing tensor '" + name + "' in " + source.path() + " (expected " + dtype + " "
                    + Arrays.toString(shape) + ")");
        }
        if (source.info(name).dtype() != dtype) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + source.path() + " is " + source.info(name).dtype() + "; "
                    + dtype + " was expected");
        }
        source.requireShape(name, shape);
        return name;
    }

    private static byte[] bytes(TensorSource source, String name, int rows, int rowBytes) {
        float[] values = source.readFloats(requireShape(source, name, SafetensorsDtype.U8, rows, rowBytes));
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) (int) values[i];
        }
        return out;
    }

    private static float[] floats(Tensor t) {
        float[] v = new float[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) t.get(i);
        }
        return v;
    }

    /** Unused-tensor guard for loaders: every quantized projection of {@code source} must belong to {@code sites}. */
    public static void requireKnown(TensorSource source, Map<String, Linear> sites, String modelDescription) {
        for (String name : source.names()) {
            if (name.endsWith(CODES) && !sites.containsKey(name.substring(0, name.length() - CODES.length()))) {
                throw new IllegalArgumentException("tensor '" + name + "' in " + source.path() + " does not belong to a projection of " + modelDescription);
            }
        }
    }
}
