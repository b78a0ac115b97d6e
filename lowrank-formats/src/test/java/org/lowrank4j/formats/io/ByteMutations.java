package org.lowrank4j.formats.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random damage to a valid file's bytes: flipped bits, overwritten bytes, a 4- or 8-byte field replaced by an
 * extreme or random value (lengths and offsets live in such fields), deleted or inserted runs, and truncation.
 * Positions are fractions of the length, so one mutation applies to a file of any size.
 */
public final class ByteMutations {
    private ByteMutations() {
    }

    /** What a mutation does at its position. */
    public enum Kind { FLIP_BITS, SET_BYTE, INT32_FIELD, INT64_FIELD, DELETE_RUN, INSERT_RUN, TRUNCATE }

    /** One mutation: its kind, where (a fraction of the length), and a value whose use depends on the kind. */
    public record Mutation(Kind kind, double where, long value) {
        @Override
        public String toString() {
            return kind + "@" + String.format("%.4f", where) + "=" + value;
        }
    }

    /** Values a length or offset field is set to: the edges of the integer types and a few telling sizes. */
    public static final List<Long> EXTREMES = List.of(0L, 1L, -1L, 7L, 255L, 65535L, (long) Integer.MAX_VALUE,
            (long) Integer.MIN_VALUE, Integer.MAX_VALUE + 1L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40,
            100L << 20);

    /** A value for a length or offset: mostly an extreme, sometimes any long. */
    public static Arbitrary<Long> fieldValue() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(EXTREMES)), Tuple.of(1, Arbitraries.longs()));
    }

    public static Arbitrary<Mutation> mutation() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.doubles().between(0, 1), fieldValue())
                .as(Mutation::new);
    }

    /** One to four mutations. */
    public static Arbitrary<List<Mutation>> mutations() {
        return mutation().list().ofMinSize(1).ofMaxSize(4);
    }

    /** {@code original} with the mutations applied in order (the array itself is not changed). */
    public static byte[] apply(byte[] original, List<Mutation> mutations) {
        byte[] bytes = original.clone();
        for (Mutation m : mutations) {
            bytes = apply(bytes, m);
        }
        return bytes;
    }

    private static byte[] apply(byte[] bytes, Mutation m) {
        int at = (int) Math.min(bytes.length, Math.floor(m.where() * bytes.length));
        int inside = Math.min(at, Math.max(0, bytes.length - 1));
        switch (m.kind()) {
            case FLIP_BITS -> {
                if (bytes.length > 0) {
                    int bits = (int) (m.value() & 0xff);
                    bytes[inside] ^= (byte) (bits == 0 ? 1 : bits);
                }
            }
            case SET_BYTE -> {
                if (bytes.length > 0) {
                    bytes[inside] = (byte) m.value();
                }
            }
            case INT32_FIELD, INT64_FIELD -> {
                int width = m.kind() == Kind.INT32_FIELD ? 4 : 8;
                if (bytes.length >= width) {
                    int start = Math.min(at, bytes.length - width);
                    ByteBuffer field = ByteBuffer.wrap(bytes, start, width).order(ByteOrder.LITTLE_ENDIAN);
                    if (width == 4) {
                        field.putInt((int) m.value());
                    } else {
                        field.putLong(m.value());
                    }
                }
            }
            case DELETE_RUN -> {
                int run = Math.min(bytes.length - at, 1 + Math.floorMod(m.value(), 16));
                byte[] out = new byte[bytes.length - run];
                System.arraycopy(bytes, 0, out, 0, at);
                System.arraycopy(bytes, at + run, out, at, bytes.length - at - run);
                bytes = out;
            }
            case INSERT_RUN -> {
                int run = 1 + Math.floorMod(m.value(), 16);
                byte[] out = new byte[bytes.length + run];
                System.arraycopy(bytes, 0, out, 0, at);
                Arrays.fill(out, at, at + run, (byte) (m.value() >>> 8));
                System.arraycopy(bytes, at, out, at + run, bytes.length - at);
                bytes = out;
            }
            case TRUNCATE -> bytes = Arrays.copyOf(bytes, at);
        }
        return bytes;
    }
}
