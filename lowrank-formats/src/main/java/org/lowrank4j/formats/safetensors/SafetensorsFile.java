package org.lowrank4j.formats.safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.lowrank4j.formats.io.FiniteValues;
import org.lowrank4j.formats.io.MessageText;

/**
 * One safetensors file, memory-mapped for reading. The layout is an 8-byte little-endian header length N, N bytes
 * of UTF-8 JSON describing each tensor (dtype, shape, byte range relative to the end of the header) plus an
 * optional {@code __metadata__} string map, then the little-endian tensor data.
 *
 * <p>{@link #open} reads and validates the whole header, so a file that opens has only well-formed entries that
 * lie inside the file and do not overlap. Tensor data is mapped in windows of at most 1 GiB, so files larger than
 * 2 GiB work; a window is mapped when first needed and shared by all tensors inside it. Reads are thread-safe.
 */
public final class SafetensorsFile implements TensorSource {
    /** Largest single mapping; tensors that straddle a window boundary are mapped on their own, in pieces. */
    public static final long WINDOW_BYTES = 1L << 30;

    /** Real paths of the files open in this JVM (with a count), so a writer can refuse to replace one. */
    private static final Map<Path, Integer> OPEN = new ConcurrentHashMap<>();

    private final Path path;
    private final Path realPath;
    private final FileChannel channel;
    private final long dataStart;
    private final long dataLength;
    private final SafetensorsHeader header;
    private final long windowBytes;
    private final MappedByteBuffer[] windows;
    private final boolean mapped;
    private volatile boolean closed;

    private SafetensorsFile(Path path, Path realPath, FileChannel channel, long dataStart, long dataLength,
            SafetensorsHeader header, long windowBytes, boolean mapped) {
        this.path = path;
        this.mapped = mapped;
        this.realPath = realPath;
        this.channel = channel;
        this.dataStart = dataStart;
        this.dataLength = dataLength;
        this.header = header;
        this.windowBytes = windowBytes;
        this.windows = new MappedByteBuffer[(int) ((dataLength + windowBytes - 1) / windowBytes)];
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws IllegalArgumentException when the file is not valid safetensors (truncated header, bad JSON, unknown
     *                                  dtype, a shape that does not match its byte range, offsets past the end of
     *                                  the file, overlapping tensors), naming the file and the tensor
     * @throws IOException              when the file cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(path, WINDOW_BYTES);
    }

    /**
     * {@link #open(Path)} for reading without memory mapping: every read copies the tensor's bytes from the file with
     * positional reads, in pieces of {@value #UNMAPPED_PIECE_BYTES} bytes. Pages read stay in the operating system's page
     * cache, not in the process, so a process that reads a large model part by part keeps a resident size of the parts it
     * holds (mapped files count every page touched so far). {@link #bytes} is not available.
     */
    public static SafetensorsFile openUnmapped(Path path) throws IOException {
        return open(path, WINDOW_BYTES, false);
    }

    /** Bytes copied at once by an unmapped read. */
    static final int UNMAPPED_PIECE_BYTES = 1 << 24;

    /** {@link #open(Path)} with another mapping window size (tests use small ones to exercise the windowing). */
    static SafetensorsFile open(Path path, long windowBytes) throws IOException {
        return open(path, windowBytes, true);
    }

    private static SafetensorsFile open(Path path, long windowBytes, boolean mapped) throws IOException {
        if (windowBytes <= 0 || windowBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window of " + windowBytes + " bytes");
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("safetensors file " + path + " does not exist or is not a file");
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new IllegalArgumentException(path + ": " + size + " bytes is too short for a safetensors file "
                        + "(it starts with an 8-byte header length)");
            }
            long headerLength = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > size - 8) {
                throw new IllegalArgumentException(path + ": header length " + Long.toUnsignedString(headerLength)
                        + " does not fit in the file (" + size + " bytes); the header is truncated or this is not a "
                        + "safetensors file");
            }
            if (headerLength > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new IllegalArgumentException(path + ": header length " + headerLength + " exceeds the limit of "
                        + SafetensorsHeader.MAX_HEADER_BYTES + " bytes");
            }
            byte[] json = readFully(channel, 8, (int) headerLength).array();
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            SafetensorsHeader header = SafetensorsHeader.parse(json, dataLength, path);
            Path realPath = path.toRealPath();
            SafetensorsFile file = new SafetensorsFile(path, realPath, channel, dataStart, dataLength, header,
                    windowBytes, mapped);
            OPEN.merge(realPath, 1, Integer::sum);
            return file;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buffer.flip();
    }

    /** Whether some {@code SafetensorsFile} in this JVM currently has {@code file} open. */
    static boolean isOpen(Path file) {
        try {
            return Files.exists(file) && OPEN.containsKey(file.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<String> names() {
        return List.copyOf(header.tensors().keySet());
    }

    @Override
    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** Every header entry, by name (sorted). */
    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new IllegalArgumentException(notFound(name, path + " (" + header.tensors().size() + " tensors)",
                    header.tensors().keySet()));
        }
        return info;
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** Bytes after the header. */
    public long dataLength() {
        return dataLength;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException also when a floating-point tensor holds NaN or infinities (see
     *                                  {@link FiniteValues}): the file is damaged
     */
    @Override
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        float[] out = new float[arrayLength(info)];
        forEachPiece(info, (bytes, count, first) -> ElementDecoding.toFloats(info.dtype(), bytes, count, out, first));
        if (info.dtype().isFloatingPoint()) {
            FiniteValues.require(out, path, name);
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException also when a floating-point tensor holds NaN or infinities
     */
    @Override
    public double[] readDoubles(String name) {
        TensorInfo info = info(name);
        double[] out = new double[arrayLength(info)];
        forEachPiece(info, (bytes, count, first) -> ElementDecoding.toDoubles(info.dtype(), bytes, count, out, first));
        if (info.dtype().isFloatingPoint()) {
            FiniteValues.require(out, path, name);
        }
        return out;
    }

    /**
     * The tensor's raw bytes as a read-only little-endian view of the mapped file (no copy).
     *
     * @throws IllegalArgumentException when the tensor is missing or crosses a boundary between mapping windows
     *                                  (every {@value #WINDOW_BYTES} bytes); read it with {@link #readFloats} then
     */
    public ByteBuffer bytes(String name) {
        TensorInfo info = info(name);
        if (!mapped) {
            throw new IllegalStateException(path + " was opened without mapping; read tensors with readFloats");
        }
        ByteBuffer bytes = windowSlice(info.begin(), info.byteLength());
        if (bytes == null) {
            throw new IllegalArgumentException("tensor " + MessageText.quoted(name) + " in " + path + " (" + info.byteLength()
                    + " bytes) crosses a " + windowBytes + "-byte mapping window boundary; read it with readFloats");
        }
        return bytes;
    }

    private int arrayLength(TensorInfo info) {
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + MessageText.quoted(info.name()) + " in " + path + " has " + count
                    + " elements, more than a Java array holds");
        }
        return (int) count;
    }

    /** What receives consecutive pieces of a tensor: little-endian bytes, element count, index of the first. */
    @FunctionalInterface
    private interface PieceReader {
        void read(ByteBuffer bytes, int count, int firstElement);
    }

    private void forEachPiece(TensorInfo info, PieceReader reader) {
        long total = info.elementCount();
        if (total == 0) {
            return;
        }
        if (!mapped) {
            readPieces(info, reader);
            return;
        }
        ByteBuffer whole = windowSlice(info.begin(), info.byteLength());
        if (whole != null) {
            reader.read(whole, (int) total, 0);
            return;
        }
        int size = info.dtype().byteSize();
        long perPiece = Math.max(1, windowBytes / size);
        for (long done = 0; done < total; ) {
            int count = (int) Math.min(perPiece, total - done);
            ByteBuffer piece = map(dataStart + info.begin() + done * size, (long) count * size);
            reader.read(piece, count, (int) done);
            done += count;
        }
    }

    /** Copies the tensor's bytes with positional reads, one piece at a time (no mapping). */
    private void readPieces(TensorInfo info, PieceReader reader) {
        checkOpen();
        int size = info.dtype().byteSize();
        long total = info.elementCount();
        int perPiece = Math.max(1, UNMAPPED_PIECE_BYTES / size);
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(total, perPiece) * size).order(ByteOrder.LITTLE_ENDIAN);
        try {
            for (long done = 0; done < total; ) {
                int count = (int) Math.min(perPiece, total - done);
                buffer.clear().limit(count * size);
                long position = dataStart + info.begin() + done * size;
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, position + buffer.position()) < 0) {
                        throw new IOException("unexpected end of file");
                    }
                }
                buffer.flip();
                reader.read(buffer, count, (int) done);
                done += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor " + MessageText.quoted(info.name()) + " of " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Feeds the whole file, as this object opened it, to {@code digest}: the header's length and the header, then the
     * data through the same mapping windows the tensors are read from. A reader that needs both a file's tensors and its
     * hash (a record of what was merged) gets them from one opening and one pass over the data, so the hash is of the
     * bytes it parsed.
     */
    public void digest(java.security.MessageDigest digest) {
        checkOpen();
        try {
            digest.update(readFully(channel, 0, (int) dataStart));
            if (mapped) {
                for (int index = 0; index < windows.length; index++) {
                    ByteBuffer window = window(index).duplicate();
                    window.clear();
                    digest.update(window);
                }
                return;
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(Math.max(dataLength, 1), UNMAPPED_PIECE_BYTES));
            for (long done = 0; done < dataLength; ) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), dataLength - done));
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, dataStart + done + buffer.position()) < 0) {
                        throw new IOException("unexpected end of file");
                    }
                }
                done += buffer.flip().remaining();
                digest.update(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** A view of data bytes [begin, begin+length) when they lie in one window, else null. */
    private ByteBuffer windowSlice(long begin, long length) {
        checkOpen();
        if (length == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        }
        int index = (int) (begin / windowBytes);
        if ((begin + length - 1) / windowBytes != index) {
            return null;
        }
        MappedByteBuffer window = window(index);
        return window.slice((int) (begin - index * windowBytes), (int) length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private MappedByteBuffer window(int index) {
        synchronized (windows) {
            if (windows[index] == null) {
                long start = index * windowBytes;
                windows[index] = map(dataStart + start, Math.min(windowBytes, dataLength - start));
            }
            return windows[index];
        }
    }

    private MappedByteBuffer map(long position, long length) {
        checkOpen();
        try {
            MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
            buffer.order(ByteOrder.LITTLE_ENDIAN);
            return buffer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + length + " bytes at " + position + " of " + path, e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        OPEN.computeIfPresent(realPath, (p, n) -> n == 1 ? null : n - 1);
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path, e);
        }
    }

    /** The message for a missing tensor, with up to three present names that differ only by a prefix. */
    static String notFound(String name, String where, Collection<String> present) {
        List<String> similar = present.stream()
                .filter(other -> other.endsWith("." + name) || name.endsWith("." + other))
                .limit(3).toList();
        return "tensor " + MessageText.quoted(name) + " not found in " + where
                + (similar.isEmpty() ? "" : "; similar names: " + MessageText.oneLine(String.join(", ", similar), 400));
    }

    /** Names of the tensors, in the order their bytes appear in the file. */
    public List<String> namesInFileOrder() {
        return header.tensors().values().stream()
                .sorted(Comparator.comparingLong(TensorInfo::begin).thenComparing(TensorInfo::name))
                .map(TensorInfo::name).toList();
    }
}
