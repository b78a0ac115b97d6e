package org.lowrank4j.adapt.snell;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;

/**
 * The layers of one SNELL (or SNELLA) adapter and how they are stored; SNELLA extends it with its allocator. The
 * variant's own config fields (SNELL's sparsity, SNELLA's schedule) are added to the shared ones of {@link SnellLayers}.
 */
public class SnellAdapter extends VariantAdapter {
    private final AdapterVariant variant;
    private final Map<String, SnellWeight> snell;
    private final ObjectNode fields;

    public SnellAdapter(AdapterVariant variant, Map<String, SnellWeight> layers, ObjectNode fields) {
        super(layers);
        this.variant = variant;
        this.snell = layers;
        this.fields = fields.deepCopy();
    }

    @Override
    public AdapterVariant variant() {
        return variant;
    }

    /** The layers by module path. */
    public Map<String, SnellWeight> snellLayers() {
        return snell;
    }

    @Override
    public ObjectNode config() {
        ObjectNode o = SnellLayers.config(snell);
        o.setAll(fields);
        return o;
    }

    @Override
    public Map<String, Map<String, StoredTensor>> tensors() {
        return SnellLayers.tensors(snell);
    }

    /** The storage line, then per layer the entries kept and |ΔW|_F. */
    @Override
    public List<String> report() {
        List<String> out = new ArrayList<>();
        out.add(SnellLayers.storageLine(variant.name().toUpperCase(Locale.ROOT), snell));
        snell.forEach((path, w) -> out.add(String.format(Locale.ROOT, "%s: keeps %,d of %,d entries, |ΔW|_F %.4g", path,
                w.sparse() ? w.kept() : (long) w.inFeatures() * w.outFeatures(), (long) w.inFeatures() * w.outFeatures(), w.delta().norm())));
        return out;
    }
}
