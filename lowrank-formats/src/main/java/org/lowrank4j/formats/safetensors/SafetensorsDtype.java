package org.lowrank4j.formats.safetensors;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types a safetensors header may name, with their size in bytes. Every type here can be read as
 * numbers ({@link SafetensorsFile#readFloats}); {@link #isWritable()} says which ones {@link SafetensorsWriter}
 * produces.
 */
public enum SafetensorsDtype {
    BOOL(1),
    U8(1),
    I8(1),
    /** 8-bit float, 5 exponent bits, 2 mantissa bits (the top byte of an IEEE half). */
    F8_E5M2(1),
    /** 8-bit float, 4 exponent bits, 3 mantissa bits, no infinities (the "FN" variant). */
    F8_E4M3(1),
    I16(2),
    U16(2),
    F16(2),
    BF16(2),
    I32(4),
    U32(4),
    F32(4),
    F64(8),
    I64(8),
    U64(8);

    private final int byteSize;

    SafetensorsDtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types (F8_E5M2, F8_E4M3, F16, BF16, F32, F64), whose values may be non-finite. */
    public boolean isFloatingPoint() {
        return this == F8_E5M2 || this == F8_E4M3 || this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /** True for F32, F16 and BF16, the types {@link SafetensorsWriter} writes. */
    public boolean isWritable() {
        return this == F32 || this == F16 || this == BF16;
    }

    /**
     * The type with this header name (as written in files: "F32", "BF16", ...).
     *
     * @throws IllegalArgumentException for a name that is not a safetensors type, listing the known ones
     */
    public static SafetensorsDtype fromHeaderName(String name) {
        for (SafetensorsDtype dtype : values()) {
            if (dtype.name().equals(name)) {
                return dtype;
            }
        }
        throw new IllegalArgumentException("unknown dtype \"" + name + "\"; known: " + knownNames());
    }

    static String knownNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
