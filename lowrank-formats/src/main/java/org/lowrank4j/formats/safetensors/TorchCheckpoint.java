package org.lowrank4j.formats.safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import org.lowrank4j.formats.io.FiniteValues;
import org.lowrank4j.formats.io.MessageText;

/**
 * A PyTorch checkpoint ({@code pytorch_model.bin}, as {@code torch.save} has written it since PyTorch 1.6) read as a
 * {@link TensorSource}: a zip holding {@code PREFIX/data.pkl}, the pickled state dict, and one entry
 * {@code PREFIX/data/KEY} of raw little-endian elements per storage. The pickle is read by Pyrolite's unpickler with
 * constructors for the few names a state dict uses ({@code collections.OrderedDict},
 * {@code torch._utils._rebuild_tensor_v2}, the typed storages); nothing it names is run, and any other name is refused.
 * Tensors must be stored contiguously (row-major strides), as a saved state dict's are. The legacy format of PyTorch
 * before 1.6 (not a zip) is refused in one line.
 */
public final class TorchCheckpoint implements TensorSource {
    private final Path path;
    private final ZipFile zip;
    private final String prefix;                 // "archive/" or the saved file's stem, with the slash
    private final Map<String, Stored> tensors;   // name -> where its elements are, sorted by name

    /** A tensor's place: storage {@code key}'s entry, element offset, shape and strides. */
    private record Stored(SafetensorsDtype dtype, String key, long offset, long[] shape, long[] stride) {
        long count() {
            return TensorInfo.elementCount(shape);
        }
    }

    private TorchCheckpoint(Path path, ZipFile zip, String prefix, Map<String, Stored> tensors) {
        this.path = path;
        this.zip = zip;
        this.prefix = prefix;
        this.tensors = tensors;
    }

    /**
     * Opens a {@code torch.save} zip and reads its index (not the elements).
     *
     * @throws IllegalArgumentException naming the file when it is not a zip of the PyTorch 1.6+ format, its pickle names
     *                                  something other than tensors in a dict, or a tensor's storage is missing
     */
    public static TorchCheckpoint open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("PyTorch checkpoint " + file + " does not exist");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(file + " is not a zip: a PyTorch checkpoint older than PyTorch 1.6 (or no checkpoint);"
                    + " save it again with a recent torch, or convert it to model.safetensors");
        }
        try {
            ZipEntry pickle = zip.stream().filter(e -> e.getName().endsWith("data.pkl") && e.getName().indexOf('/') == e.getName().length() - 9)
                    .findFirst().orElseThrow(() -> new IllegalArgumentException(file + " is a zip without PREFIX/data.pkl, not a PyTorch checkpoint"));
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            Object root;
            try (InputStream in = zip.getInputStream(pickle)) {
                root = new StateDictUnpickler().load(in);
            } catch (PickleException e) {
                throw new IllegalArgumentException(file + ": its pickle is not a plain state dict (" + MessageText.oneLine(e.getMessage()) + ")");
            }
            Map<String, Stored> tensors = new TreeMap<>();
            collect(file, root, tensors);
            for (Stored s : tensors.values()) {
                if (zip.getEntry(prefix + "data/" + s.key()) == null) {
                    throw new IllegalArgumentException(file + " has no entry " + prefix + "data/" + s.key() + " for a tensor's storage");
                }
            }
            return new TorchCheckpoint(file, zip, prefix, Collections.unmodifiableMap(tensors));
        } catch (RuntimeException | IOException e) {
            zip.close();
            throw e;
        }
    }

    /** The tensors of a state dict: a dict of name -> tensor (nested dicts are not state dicts and are refused). */
    private static void collect(Path file, Object root, Map<String, Stored> into) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(file + " holds a pickled " + describe(root) + ", not a state dict of tensors");
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof Stored stored)) {
                throw new IllegalArgumentException(file + " holds " + describe(e.getValue()) + " under key " + MessageText.quoted(String.valueOf(e.getKey()))
                        + ", not a tensor: only a state dict (name -> tensor, as save_pretrained writes) is read");
            }
            into.put(name, stored);
        }
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof Map ? "dict" : o instanceof Object[] ? "tuple" : o.getClass().getSimpleName();
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<String> names() {
        return new ArrayList<>(tensors.keySet());
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        Stored s = stored(name);
        long begin = s.offset() * s.dtype().byteSize();
        return new TensorInfo(name, s.dtype(), s.shape(), begin, begin + s.count() * s.dtype().byteSize());
    }

    private Stored stored(String name) {
        Stored s = tensors.get(name);
        if (s == null) {
            throw new IllegalArgumentException("missing tensor " + MessageText.quoted(name) + " in " + path);
        }
        return s;
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public float[] readFloats(String name) {
        Stored s = stored(name);
        float[] out = new float[length(name, s)];
        ElementDecoding.toFloats(s.dtype(), bytes(name, s), out.length, out, 0);
        if (s.dtype().isFloatingPoint()) {
            FiniteValues.require(out, path, name);
        }
        return out;
    }

    @Override
    public double[] readDoubles(String name) {
        Stored s = stored(name);
        double[] out = new double[length(name, s)];
        ElementDecoding.toDoubles(s.dtype(), bytes(name, s), out.length, out, 0);
        if (s.dtype().isFloatingPoint()) {
            FiniteValues.require(out, path, name);
        }
        return out;
    }

    private int length(String name, Stored s) {
        long count = s.count();
        if (count > Integer.MAX_VALUE - 8 || count * s.dtype().byteSize() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + MessageText.quoted(name) + " in " + path + " has " + count + " elements, more than one array holds");
        }
        long expected = 1;
        for (int d = s.shape().length - 1; d >= 0; d--) {
            if (s.shape()[d] > 1 && s.stride()[d] != expected) {
                throw new IllegalArgumentException("tensor " + MessageText.quoted(name) + " in " + path + " is stored with strides "
                        + Arrays.toString(s.stride()) + " for shape " + Arrays.toString(s.shape()) + ", not contiguously; save it from a"
                        + " state dict of contiguous tensors");
            }
            expected *= s.shape()[d];
        }
        return (int) count;
    }

    /** The tensor's elements, little-endian, read from its storage's entry. */
    private ByteBuffer bytes(String name, Stored s) {
        int size = (int) (s.count() * s.dtype().byteSize());
        ZipEntry entry = zip.getEntry(prefix + "data/" + s.key());
        try (InputStream in = zip.getInputStream(entry)) {
            in.skipNBytes(s.offset() * s.dtype().byteSize());
            byte[] data = in.readNBytes(size);
            if (data.length != size) {
                throw new IllegalArgumentException("tensor " + MessageText.quoted(name) + " in " + path + " runs past the end of its storage "
                        + entry.getName() + ": the file is damaged");
            }
            return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        } catch (java.io.EOFException e) {
            throw new IllegalArgumentException("tensor " + MessageText.quoted(name) + " in " + path + " starts past the end of its storage "
                    + entry.getName() + ": the file is damaged");
        } catch (IOException e) {
            throw new UncheckedIOException("reading tensor " + name + " from " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ the pickle

    /** A typed storage class ({@code torch.FloatStorage}, …): what its elements are. */
    private record StorageType(SafetensorsDtype dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("a storage type is only named in a checkpoint, not called");
        }
    }

    /** A storage as the pickle's persistent id names it: its element type and its entry under data/. */
    private record StorageRef(SafetensorsDtype dtype, String key) {
    }

    /** {@code collections.OrderedDict}: a map; the state a state dict carries ({@code _metadata}) is dropped. */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        /** Called by the unpickler's BUILD with the dict's attributes; a state dict's {@code _metadata} is not needed. */
        public void __setstate__(HashMap<?, ?> state) {
            // nothing kept
        }
    }

    private static final class StateDictUnpickler extends Unpickler {
        static {
            registerConstructor("collections", "OrderedDict", args -> new OrderedDict());
            registerConstructor("torch._utils", "_rebuild_tensor_v2", StateDictUnpickler::tensor);
            registerConstructor("torch._utils", "_rebuild_parameter", args -> args[0]); // (data, requires_grad, hooks): the data
            Map<String, SafetensorsDtype> storages = Map.of("FloatStorage", SafetensorsDtype.F32, "HalfStorage", SafetensorsDtype.F16,
                    "BFloat16Storage", SafetensorsDtype.BF16, "DoubleStorage", SafetensorsDtype.F64, "LongStorage", SafetensorsDtype.I64,
                    "IntStorage", SafetensorsDtype.I32, "ShortStorage", SafetensorsDtype.I16, "CharStorage", SafetensorsDtype.I8,
                    "ByteStorage", SafetensorsDtype.U8, "BoolStorage", SafetensorsDtype.BOOL);
            storages.forEach((name, dtype) -> registerConstructor("torch", name, new StorageType(dtype)));
        }

        /** (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) -> where the tensor is. */
        private static Object tensor(Object[] args) {
            if (args.length < 4 || !(args[0] instanceof StorageRef storage) || !(args[2] instanceof Object[] size)
                    || !(args[3] instanceof Object[] stride) || size.length != stride.length) {
                throw new PickleException("a tensor rebuilt from unexpected arguments");
            }
            long[] shape = new long[size.length], strides = new long[size.length];
            for (int d = 0; d < size.length; d++) {
                shape[d] = ((Number) size[d]).longValue();
                strides[d] = ((Number) stride[d]).longValue();
            }
            return new Stored(storage.dtype(), storage.key(), ((Number) args[1]).longValue(), shape, strides);
        }

        /** ('storage', storage type, key, location, numel) -> the storage. */
        @Override
        protected Object persistentLoad(Object pid) {
            if (pid instanceof Object[] t && t.length >= 3 && "storage".equals(t[0]) && t[1] instanceof StorageType type) {
                return new StorageRef(type.dtype(), String.valueOf(t[2]));
            }
            throw new PickleException("a persistent id other than a typed storage: " + (pid instanceof Object[] t ? Arrays.toString(t) : pid));
        }
    }
}
