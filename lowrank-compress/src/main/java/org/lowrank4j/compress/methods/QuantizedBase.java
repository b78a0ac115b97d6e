package org.lowrank4j.compress.methods;

import org.lowrank4j.linalg.quant.QuantizationFormat;

/**
 * The storage a quantizing method writes, shared by {@code rtn}, {@code gptq} and {@code eora}: the linear weights'
 * code width, group size and grid, and how the embedding tables are stored. Read from a method spec as
 * {@code bits=4:group=32:scheme=asymmetric:embeddings=int8:egroup=128:accuracy=0:branch=int8}.
 *
 * @param bits           2, 3, 4 or 8 (ONNX Runtime's MatMulNBits takes 2, 4 and 8)
 * @param group          input columns per scale (a power of two from 16 to 256 for MatMulNBits)
 * @param scheme         the code grid of the linear weights: asymmetric (scale and zero point per group), symmetric
 *                       (scale only) or NF (normal-float levels times the group's absmax; ONNX: 4 bits, MatMulBnb4)
 * @param embeddings     how every embedding table read by a Gather is stored
 * @param embeddingGroup hidden features per scale of a quantized table; 0 picks 128 for int8 and 32 for int4
 * @param accuracy       MatMulNBits' accuracy_level: 0 keeps activations in float (exact to the dequantized weights);
 *                       4 lets ONNX Runtime round them to int8 per block (faster on CPU, less exact)
 * @param branch         how a method's low-rank branch is stored: float32 factors, or 8/4-bit symmetric codes
 *                       ({@link org.lowrank4j.compress.QuantizedBranch}; ranks then come in steps of 16)
 */
public record QuantizedBase(int bits, int group, Scheme scheme, Embeddings embeddings, int embeddingGroup, int accuracy, Branch branch) {

    /** Code grid of the linear weights. */
    public enum Scheme { ASYMMETRIC, SYMMETRIC, NF }

    /** Storage of the embedding tables: float as they are, or 8/4-bit rows through GatherBlockQuantized. */
    public enum Embeddings { FP32, INT8, INT4 }

    /** Storage of the low-rank branch's factors: float32, or 8/4-bit symmetric codes (MatMulNBits in ONNX). */
    public enum Branch {
        FP32(32), INT8(8), INT4(4);

        private final int bits;

        Branch(int bits) {
            this.bits = bits;
        }

        /** Bits per factor value. */
        public int bits() {
            return bits;
        }
    }

    /** Every field but the branch's storage, which stays float32. */
    public QuantizedBase(int bits, int group, Scheme scheme, Embeddings embeddings, int embeddingGroup, int accuracy) {
        this(bits, group, scheme, embeddings, embeddingGroup, accuracy, Branch.FP32);
    }

    public QuantizedBase {
        if (scheme == null || embeddings == null || branch == null) {
            throw new IllegalArgumentException("quantization: scheme, embeddings and branch must be given");
        }
        if (group < 1) {
            throw new IllegalArgumentException("quantization: group must be a positive number of input columns, got " + group);
        }
        if (accuracy != 0 && accuracy != 4) {
            throw new IllegalArgumentException("quantization: accuracy must be 0 (float activations) or 4 (int8 activations), got " + accuracy);
        }
        if (embeddingGroup < 0) {
            throw new IllegalArgumentException("quantization: egroup must be positive (0 for the default), got " + embeddingGroup);
        }
        formatOf(scheme, bits, group); // refuses an unsupported bit width with the grid's own message
    }

    /** 4 bits, groups of 32, asymmetric; float embeddings. */
    public static QuantizedBase defaults() {
        return new QuantizedBase(4, 32, Scheme.ASYMMETRIC, Embeddings.FP32, 0, 0);
    }

    /** Reads the shared keys of a spec over {@code defaults}; the caller reads its own keys and calls requireAllRead. */
    public static QuantizedBase from(MethodSpec spec, QuantizedBase defaults) {
        return new QuantizedBase(spec.integer("bits", defaults.bits()), spec.integer("group", defaults.group()),
                spec.choice("scheme", Scheme.class, defaults.scheme()), spec.choice("embeddings", Embeddings.class, defaults.embeddings()),
                spec.integer("egroup", defaults.embeddingGroup()), spec.integer("accuracy", defaults.accuracy()),
                spec.choice("branch", Branch.class, defaults.branch()));
    }

    /** Whether the branch's factors are stored in codes rather than float32. */
    public boolean quantizedBranch() {
        return branch != Branch.FP32;
    }

    /** Ranks of the branch come in multiples of this: 1 for float32 factors, 16 for codes (MatMulNBits' blocks). */
    public int rankStep() {
        return quantizedBranch() ? org.lowrank4j.compress.QuantizedBranch.RANK_STEP : 1;
    }

    /** Stored bytes of a rank-r branch of an m×n site in this storage. */
    public long branchBytes(int m, int n, int rank) {
        if (rank == 0) {
            return 0;
        }
        return quantizedBranch() ? org.lowrank4j.compress.QuantizedBranch.bytes(m, n, rank, branch.bits(), group) : 4L * rank * (m + n);
    }

    /** The linear weights' format. */
    public QuantizationFormat format() {
        return formatOf(scheme, bits, group);
    }

    private static QuantizationFormat formatOf(Scheme scheme, int bits, int group) {
        return new QuantizationFormat(switch (scheme) {
            case ASYMMETRIC -> QuantizationFormat.Kind.ASYMMETRIC;
            case SYMMETRIC -> QuantizationFormat.Kind.SYMMETRIC;
            case NF -> QuantizationFormat.Kind.NORMAL_FLOAT;
        }, bits, group);
    }

    /** The embedding tables' format (asymmetric, as q00's baselines), or null for float tables. */
    public QuantizationFormat embeddingFormat() {
        return switch (embeddings) {
            case FP32 -> null;
            case INT8 -> QuantizationFormat.asymmetric(8, embeddingGroup == 0 ? 128 : embeddingGroup);
            case INT4 -> QuantizationFormat.asymmetric(4, embeddingGroup == 0 ? 32 : embeddingGroup);
        };
    }
}
