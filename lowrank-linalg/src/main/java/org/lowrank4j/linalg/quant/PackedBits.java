package org.lowrank4j.linalg.quant;

/**
 * Codes of 1 to 8 bits packed as a little-endian bit stream: code k of a row occupies bits [k·b, (k+1)·b) of the
 * row's bytes, low bits first, so for b = 4 the first code is the low nibble of byte 0 and for b = 2 the first code
 * is bits 0–1. Rows start on a byte boundary.
 */
final class PackedBits {

    private PackedBits() {}

    /** Bytes needed for {@code count} codes of {@code bits} bits. */
    static int bytesFor(long count, int bits) {
        long bytes = (count * bits + 7) / 8;
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(count + " codes of " + bits + " bits do not fit in a Java array");
        }
        return (int) bytes;
    }

    /** Reads code {@code index} of a stream starting at byte {@code start}. */
    static int get(byte[] data, int start, long index, int bits) {
        long bit = index * bits;
        int at = start + (int) (bit >>> 3);
        int shift = (int) (bit & 7);
        int word = data[at] & 0xff;
        if (shift + bits > 8) {
            word |= (data[at + 1] & 0xff) << 8;
        }
        return (word >>> shift) & ((1 << bits) - 1);
    }

    /** Writes code {@code index} of a stream starting at byte {@code start}; the code must fit in {@code bits}. */
    static void set(byte[] data, int start, long index, int bits, int code) {
        assert code >= 0 && code < (1 << bits) : code;
        long bit = index * bits;
        int at = start + (int) (bit >>> 3);
        int shift = (int) (bit & 7);
        int mask = ((1 << bits) - 1) << shift;
        int word = (data[at] & 0xff) | (shift + bits > 8 ? (data[at + 1] & 0xff) << 8 : 0);
        word = (word & ~mask) | (code << shift);
        data[at] = (byte) word;
        if (shift + bits > 8) {
            data[at + 1] = (byte) (word >>> 8);
        }
    }
}
