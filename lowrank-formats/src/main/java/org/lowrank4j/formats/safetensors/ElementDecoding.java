package org.lowrank4j.formats.safetensors;

import java.nio.ByteBuffer;
import org.lowrank4j.formats.onnx.OnnxTensors;

/** Converts little-endian elements of any {@link SafetensorsDtype} to float or double. */
final class ElementDecoding {
    private static final double TWO_TO_64 = 0x1p64;

    private ElementDecoding() {
    }

    /** Decodes {@code count} elements from {@code src} (little-endian, positioned at the first) into {@code dst}. */
    static void toFloats(SafetensorsDtype dtype, ByteBuffer src, int count, float[] dst, int offset) {
        switch (dtype) {
            case F32 -> src.asFloatBuffer().get(dst, offset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = OnnxTensors.halfToFloat(src.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = OnnxTensors.bfloat16ToFloat(src.getShort());
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    dst[offset + i] = (float) next(dtype, src);
                }
            }
        }
    }

    /** Decodes {@code count} elements from {@code src} (little-endian, positioned at the first) into {@code dst}. */
    static void toDoubles(SafetensorsDtype dtype, ByteBuffer src, int count, double[] dst, int offset) {
        if (dtype == SafetensorsDtype.F64) {
            src.asDoubleBuffer().get(dst, offset, count);
            return;
        }
        for (int i = 0; i < count; i++) {
            dst[offset + i] = next(dtype, src);
        }
    }

    /** Reads one element and advances the buffer. */
    private static double next(SafetensorsDtype dtype, ByteBuffer src) {
        return switch (dtype) {
            case BOOL -> src.get() != 0 ? 1 : 0;
            case U8 -> src.get() & 0xff;
            case I8 -> src.get();
            case F8_E5M2 -> OnnxTensors.halfToFloat((short) ((src.get() & 0xff) << 8));
            case F8_E4M3 -> e4m3ToFloat(src.get());
            case I16 -> src.getShort();
            case U16 -> src.getShort() & 0xffff;
            case F16 -> OnnxTensors.halfToFloat(src.getShort());
            case BF16 -> OnnxTensors.bfloat16ToFloat(src.getShort());
            case I32 -> src.getInt();
            case U32 -> src.getInt() & 0xffffffffL;
            case F32 -> src.getFloat();
            case F64 -> src.getDouble();
            case I64 -> src.getLong();
            case U64 -> {
                long bits = src.getLong();
                yield bits >= 0 ? bits : bits + TWO_TO_64;
            }
        };
    }

    /** 8-bit float with bias 7, 3 mantissa bits, no infinities; S.1111.111 is NaN. */
    static float e4m3ToFloat(byte value) {
        int bits = value & 0xff;
        int exponent = (bits >>> 3) & 0xf;
        int mantissa = bits & 0x7;
        float magnitude;
        if (exponent == 0xf && mantissa == 0x7) {
            magnitude = Float.NaN;
        } else if (exponent == 0) {
            magnitude = mantissa * 0x1p-9f;
        } else {
            magnitude = (1 + mantissa / 8f) * (float) Math.scalb(1.0, exponent - 7);
        }
        return (bits & 0x80) != 0 ? -magnitude : magnitude;
    }
}
