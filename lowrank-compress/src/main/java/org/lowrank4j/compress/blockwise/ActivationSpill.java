package org.lowrank4j.compress.blockwise;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.lowrank4j.formats.io.ExitCleanup;

/**
 * The activations of every calibration (or evaluation) batch at one point of the model, kept on disk as float32 so
 * that memory holds one batch at a time whatever the amount of text: batches are written once, in order, and read
 * back by index. The file is a temporary one, deleted on {@link #close}.
 */
final class ActivationSpill implements Closeable {
    private static final int CHUNK_FLOATS = 1 << 20;
    private final Path file;
    private final FileChannel channel;
    private final long[] offsets; // float offset of each batch
    private final int[] lengths;  // floats of each batch
    private int written;

    private ActivationSpill(Path file, int batches) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        this.offsets = new long[batches + 1];
        this.lengths = new int[batches];
    }

    /** A new empty spill of {@code batches} batches in a temporary file under {@code folder}. */
    static ActivationSpill create(Path folder, String name, int batches) throws IOException {
        Path file = Files.createTempFile(folder, "lowrank-" + name + "-", ".f32");
        ExitCleanup.register(file); // a run stopped by SIGTERM or Ctrl-C leaves no spilled activations
        try {
            return new ActivationSpill(file, batches);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            ExitCleanup.forget(file);
            throw e;
        }
    }

    /** A tensor's values as float32, without a copy when it already holds exactly them. */
    static float[] floats(org.lowrank4j.nn.tensor.Tensor t) {
        if (t instanceof org.lowrank4j.nn.tensor.FloatTensor f && f.data().length == t.size()) {
            return f.data();
        }
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) t.get(i);
        }
        return out;
    }

    int batches() {
        return lengths.length;
    }

    /** Appends batch {@code index}, which must be the next one. */
    void write(int index, float[] values) {
        if (index != written) {
            throw new IllegalStateException("batch " + index + " written out of order (next is " + written + ")");
        }
        try {
            ByteBuffer chunk = ByteBuffer.allocate(Math.min(values.length, CHUNK_FLOATS) * 4).order(ByteOrder.LITTLE_ENDIAN);
            long position = offsets[index] * 4;
            for (int start = 0; start < values.length; start += CHUNK_FLOATS) {
                int end = Math.min(values.length, start + CHUNK_FLOATS);
                chunk.clear();
                chunk.asFloatBuffer().put(values, start, end - start);
                chunk.limit((end - start) * 4);
                while (chunk.hasRemaining()) {
                    position += channel.write(chunk, position);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write calibration activations to " + file + ": " + e.getMessage(), e);
        }
        lengths[index] = values.length;
        offsets[index + 1] = offsets[index] + values.length;
        written++;
    }

    /** Batch {@code index} as written. */
    float[] read(int index) {
        if (index < 0 || index >= written) {
            throw new IllegalStateException("batch " + index + " was not written (" + written + " are)");
        }
        float[] out = new float[lengths[index]];
        try {
            ByteBuffer chunk = ByteBuffer.allocate(Math.min(out.length, CHUNK_FLOATS) * 4).order(ByteOrder.LITTLE_ENDIAN);
            long position = offsets[index] * 4;
            for (int start = 0; start < out.length; start += CHUNK_FLOATS) {
                int count = Math.min(out.length - start, CHUNK_FLOATS);
                chunk.clear().limit(count * 4);
                while (chunk.hasRemaining()) {
                    int n = channel.read(chunk, position);
                    if (n < 0) {
                        throw new IOException("unexpected end of file");
                    }
                    position += n;
                }
                chunk.flip();
                chunk.asFloatBuffer().get(out, start, count);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration activations from " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Closes and deletes the file; again does nothing. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(file);
            ExitCleanup.forget(file);
        }
    }
}
