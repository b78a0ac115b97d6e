package org.lowrank4j.formats.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.lowrank4j.formats.io.MessageText;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Conversions between ONNX tensors and Java {@code float[]}, including IEEE half precision.
 *
 * <p>Reading accepts 32-bit floats ({@code raw_data} little-endian or {@code float_data}), 16-bit floats
 * and bfloat16 ({@code raw_data} or bit patterns in {@code int32_data}) and doubles. Writing always uses
 * {@code raw_data}, which is what exporters produce and what runtimes read fastest. Tensors whose data
 * is still in an external file must be resolved first ({@link OnnxModel#read} does that).
 */
public final class OnnxTensors {

    private OnnxTensors() {}

    /**
     * Number of elements of a tensor with the given dimensions.
     *
     * @throws IllegalArgumentException for a negative dimension or a count beyond {@code Long.MAX_VALUE}
     */
    public static long elementCount(long[] dims) {
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d + " in shape " + shapeText(dims));
            }
            if (d != 0 && count > Long.MAX_VALUE / d) {
                throw new IllegalArgumentException("shape " + shapeText(dims) + " has more elements than fit in a long");
            }
            count *= d;
        }
        return count;
    }

    /** The dimensions of a tensor as an array. */
    public static long[] dims(TensorProto tensor) {
        return tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** True when {@link #toFloats} can decode tensors of this element type. */
    public static boolean isFloatingPoint(int dataType) {
        return dataType == DataType.FLOAT_VALUE
                || dataType == DataType.FLOAT16_VALUE
                || dataType == DataType.BFLOAT16_VALUE
                || dataType == DataType.DOUBLE_VALUE;
    }

    /**
     * Decodes a floating-point tensor to 32-bit floats in row-major order.
     *
     * @throws IllegalArgumentException if the tensor is not floating point, its data is external or
     *     segmented, or the amount of data does not match its shape
     */
    public static float[] toFloats(TensorProto tensor) {
        String name = MessageText.oneLine(tensor.getName());
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("tensor '" + name + "' still refers to external data; load it first");
        }
        if (tensor.hasSegment()) {
            throw new IllegalArgumentException("tensor '" + name + "' is a segment of a larger tensor; not supported");
        }
        long count;
        try {
            count = elementCount(dims(tensor));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + count + " elements, too many for a float[]");
        }
        int n = (int) count;
        int type = tensor.getDataType();
        boolean raw = tensor.hasRawData();
        float[] out = new float[n];
        switch (type) {
            case DataType.FLOAT_VALUE -> {
                if (raw) {
                    checkBytes(tensor, n, 4);
                    littleEndian(tensor.getRawData()).asFloatBuffer().get(out);
                } else {
                    checkCount(tensor, n, tensor.getFloatDataCount());
                    for (int i = 0; i < n; i++) {
                        out[i] = tensor.getFloatData(i);
                    }
                }
            }
            case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> {
                boolean half = type == DataType.FLOAT16_VALUE;
                if (raw) {
                    checkBytes(tensor, n, 2);
                    var shorts = littleEndian(tensor.getRawData()).asShortBuffer();
                    for (int i = 0; i < n; i++) {
                        short bits = shorts.get(i);
                        out[i] = half ? halfToFloat(bits) : bfloat16ToFloat(bits);
                    }
                } else {
                    checkCount(tensor, n, tensor.getInt32DataCount());
                    for (int i = 0; i < n; i++) {
                        short bits = (short) tensor.getInt32Data(i);
                        out[i] = half ? halfToFloat(bits) : bfloat16ToFloat(bits);
                    }
                }
            }
            case DataType.DOUBLE_VALUE -> {
                if (raw) {
                    checkBytes(tensor, n, 8);
                    var doubles = littleEndian(tensor.getRawData()).asDoubleBuffer();
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) doubles.get(i);
                    }
                } else {
                    checkCount(tensor, n, tensor.getDoubleDataCount());
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) tensor.getDoubleData(i);
                    }
                }
            }
            default -> throw new IllegalArgumentException(
                    "tensor '" + name + "' has element type " + typeName(type) + "; expected a floating-point type");
        }
        return out;
    }

    /**
     * Encodes floats as a tensor of the given element type (FLOAT, FLOAT16 or BFLOAT16) in {@code raw_data}.
     *
     * @param values row-major values; not modified
     */
    public static TensorProto fromFloats(String name, long[] dims, float[] values, DataType type) {
        long count = elementCount(dims);
        if (count != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + shapeText(dims) + " needs "
                    + count + " values, got " + values.length);
        }
        ByteBuffer bytes;
        switch (type) {
            case FLOAT -> {
                bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
            }
            case FLOAT16, BFLOAT16 -> {
                bytes = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                var shorts = bytes.asShortBuffer();
                for (float v : values) {
                    shorts.put(type == DataType.FLOAT16 ? floatToHalf(v) : floatToBfloat16(v));
                }
            }
            default -> throw new IllegalArgumentException(
                    "tensor '" + name + "': cannot write element type " + type + "; use FLOAT, FLOAT16 or BFLOAT16");
        }
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            tensor.addDims(d);
        }
        return tensor.setRawData(ByteString.copyFrom(bytes.array())).build();
    }

    /** Converts an IEEE 754 half-precision bit pattern to a float (exactly). */
    public static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa * 2^-24
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Converts a float to the nearest IEEE 754 half-precision value (ties to even; overflow gives infinity). */
    public static short floatToHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7fffff;
        if (exponent == 0xff) { // infinity stays infinity; NaN stays a (quiet) NaN
            return (short) (sign | 0x7c00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
        }
        int halfExponent = exponent - 112;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) { // result is subnormal or zero
            int shift = 14 - halfExponent;
            if (shift > 24) {
                return (short) sign;
            }
            int full = mantissa | 0x800000;
            return (short) (sign | roundShift(full, shift));
        }
        // Normal: adding the rounded mantissa may carry into the exponent, which is the right result.
        return (short) (sign | ((halfExponent << 10) + roundShift(mantissa, 13)));
    }

    /** Converts a bfloat16 bit pattern to a float (exactly). */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Converts a float to the nearest bfloat16 (ties to even). */
    public static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** A readable element type name, e.g. "FLOAT16" or "type 99". */
    public static String typeName(int dataType) {
        DataType known = DataType.forNumber(dataType);
        return known != null ? known.name() : "type " + dataType;
    }

    static String shapeText(long[] dims) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            text.append(i == 0 ? "" : "×").append(dims[i]);
        }
        return text.append(']').toString();
    }

    /** value >> shift, rounded to nearest with ties to even. */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (kept & 1) == 1)) {
            kept++;
        }
        return kept;
    }

    private static ByteBuffer littleEndian(ByteString bytes) {
        return bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void checkBytes(TensorProto tensor, int count, int width) {
        long expected = (long) count * width;
        if (tensor.getRawData().size() != expected) {
            throw new IllegalArgumentException("tensor '" + MessageText.oneLine(tensor.getName()) + "' of shape " + shapeText(dims(tensor))
                    + " needs " + expected + " bytes of raw_data, has " + tensor.getRawData().size());
        }
    }

    private static void checkCount(TensorProto tensor, int expected, int actual) {
        if (expected != actual) {
            throw new IllegalArgumentException("tensor '" + MessageText.oneLine(tensor.getName()) + "' of shape " + shapeText(dims(tensor))
                    + " needs " + expected + " values, has " + actual);
        }
    }
}
