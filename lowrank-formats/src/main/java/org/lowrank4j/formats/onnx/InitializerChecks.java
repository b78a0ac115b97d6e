package org.lowrank4j.formats.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.lowrank4j.formats.io.FiniteValues;
import org.lowrank4j.formats.io.MessageText;
import org.lowrank4j.formats.onnx.proto.Onnx.GraphProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto;
import org.lowrank4j.formats.onnx.proto.Onnx.TensorProto.DataType;

/**
 * What {@link OnnxModel#read} checks of every initializer once its bytes are inline: a shape with no negative
 * dimension whose element count fits in a long, as many bytes (or typed values) as that shape needs for element
 * types of fixed width, and, for floating-point types, finite values (see {@link FiniteValues}). The value check is
 * one pass over bytes already in memory, reading only the exponent bits.
 */
final class InitializerChecks {
    private InitializerChecks() {
    }

    static void check(GraphProto.Builder graph, Path file) {
        for (TensorProto tensor : graph.getInitializerList()) {
            check(tensor, file);
        }
    }

    static void check(TensorProto tensor, Path file) {
        long count = elementCount(tensor, file);
        int type = tensor.getDataType();
        int width = byteWidth(type);
        if (tensor.hasRawData()) {
            if (width > 0 && tensor.getRawData().size() != count * width) {
                throw new IllegalArgumentException(file + ": tensor " + MessageText.quoted(tensor.getName())
                        + " of shape " + OnnxTensors.shapeText(OnnxTensors.dims(tensor)) + " and type "
                        + OnnxTensors.typeName(type) + " needs " + count * width + " bytes of data, has "
                        + tensor.getRawData().size() + "; the file is truncated or damaged");
            }
        } else {
            int values = typedValueCount(tensor);
            if (values >= 0 && values != count) {
                throw new IllegalArgumentException(file + ": tensor " + MessageText.quoted(tensor.getName())
                        + " of shape " + OnnxTensors.shapeText(OnnxTensors.dims(tensor)) + " needs " + count
                        + " values, has " + values + "; the file is damaged");
            }
        }
        long damaged = firstDamaged(tensor, count);
        if (damaged >= 0) {
            throw FiniteValues.damaged(file, tensor.getName(), damaged);
        }
    }

    private static long elementCount(TensorProto tensor, Path file) {
        long count = 1;
        for (long d : tensor.getDimsList()) {
            if (d < 0) {
                throw new IllegalArgumentException(file + ": tensor " + MessageText.quoted(tensor.getName())
                        + " has a negative dimension " + d + "; the file is damaged");
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(file + ": tensor " + MessageText.quoted(tensor.getName())
                        + " has more elements than fit in a long; the file is damaged", e);
            }
        }
        return count;
    }

    /** Bytes per element in raw_data, or 0 for types whose size this check does not know (strings, 4-bit). */
    static int byteWidth(int dataType) {
        DataType type = DataType.forNumber(dataType);
        if (type == null) {
            return 0;
        }
        return switch (type) {
            case UINT8, INT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> 1;
            case UINT16, INT16, FLOAT16, BFLOAT16 -> 2;
            case FLOAT, INT32, UINT32 -> 4;
            case DOUBLE, INT64, UINT64, COMPLEX64 -> 8;
            case COMPLEX128 -> 16;
            default -> 0;
        };
    }

    /** Values in the typed field a floating-point tensor without raw_data uses, or -1 for other types. */
    private static int typedValueCount(TensorProto tensor) {
        return switch (tensor.getDataType()) {
            case DataType.FLOAT_VALUE -> tensor.getFloatDataCount();
            case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> tensor.getInt32DataCount();
            case DataType.DOUBLE_VALUE -> tensor.getDoubleDataCount();
            default -> -1;
        };
    }

    /** Index of the first NaN (or infinity, in a tensor of more than one element), or -1. */
    private static long firstDamaged(TensorProto tensor, long count) {
        boolean scalar = count == 1;
        int type = tensor.getDataType();
        if (tensor.hasRawData()) {
            ByteString raw = tensor.getRawData();
            ByteBuffer bytes = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            switch (type) {
                case DataType.FLOAT_VALUE -> {
                    var floats = bytes.asIntBuffer();
                    for (int i = 0; i < floats.limit(); i++) {
                        if (damaged32(floats.get(i), scalar)) {
                            return i;
                        }
                    }
                }
                case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> {
                    boolean half = type == DataType.FLOAT16_VALUE;
                    var shorts = bytes.asShortBuffer();
                    for (int i = 0; i < shorts.limit(); i++) {
                        if (damaged16(shorts.get(i), half, scalar)) {
                            return i;
                        }
                    }
                }
                case DataType.DOUBLE_VALUE -> {
                    var longs = bytes.asLongBuffer();
                    for (int i = 0; i < longs.limit(); i++) {
                        if (damaged64(longs.get(i), scalar)) {
                            return i;
                        }
                    }
                }
                default -> { }
            }
            return -1;
        }
        switch (type) {
            case DataType.FLOAT_VALUE -> {
                for (int i = 0; i < tensor.getFloatDataCount(); i++) {
                    if (damaged32(Float.floatToRawIntBits(tensor.getFloatData(i)), scalar)) {
                        return i;
                    }
                }
            }
            case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> {
                for (int i = 0; i < tensor.getInt32DataCount(); i++) {
                    if (damaged16((short) tensor.getInt32Data(i), type == DataType.FLOAT16_VALUE, scalar)) {
                        return i;
                    }
                }
            }
            case DataType.DOUBLE_VALUE -> {
                for (int i = 0; i < tensor.getDoubleDataCount(); i++) {
                    if (damaged64(Double.doubleToRawLongBits(tensor.getDoubleData(i)), scalar)) {
                        return i;
                    }
                }
            }
            default -> { }
        }
        return -1;
    }

    // An all-ones exponent marks infinity (zero mantissa) or NaN; a scalar may be an infinity (a mask fill value).

    private static boolean damaged32(int bits, boolean scalar) {
        return (bits & 0x7f800000) == 0x7f800000 && (!scalar || (bits & 0x007fffff) != 0);
    }

    private static boolean damaged16(short value, boolean half, boolean scalar) {
        int bits = value & 0xffff;
        int exponent = half ? 0x7c00 : 0x7f80;
        int mantissa = half ? 0x03ff : 0x007f;
        return (bits & exponent) == exponent && (!scalar || (bits & mantissa) != 0);
    }

    private static boolean damaged64(long bits, boolean scalar) {
        long exponent = 0x7ff0000000000000L;
        return (bits & exponent) == exponent && (!scalar || (bits & 0x000fffffffffffffL) != 0);
    }
}
