package org.lowrank4j.adapt.flora;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.variant.AdapterVariant;
import org.lowrank4j.adapt.variant.StoredTensor;
import org.lowrank4j.adapt.variant.VariantAdapter;

/** The layers of one FLoRA adapter and how they are stored: the view of each module in the config, core and factors as tensors. */
final class FloraAdapter extends VariantAdapter {
    private final FloraVariant variant;
    private final Map<String, FloraWeight> flora;
    private final String view;
    private final double scale;

    FloraAdapter(FloraVariant variant, Map<String, FloraWeight> layers, String view, double scale) {
        super(layers);
        this.variant = variant;
        this.flora = layers;
        this.view = view;
        this.scale = scale;
    }

    @Override
    public AdapterVariant variant() {
        return variant;
    }

    @Override
    public ObjectNode config() {
        ObjectNode o = FloraVariant.JSON.createObjectNode();
        o.put("view", view);
        o.put("scale", scale);
        ObjectNode views = o.putObject("views");
        flora.forEach((path, w) -> views.set(path, FloraStorage.json(w.view(), w.ranks())));
        return o;
    }

    /** {@code flora_core} (r_1, …, r_N) and {@code flora_U<m>} (size_m, r_m) per module. */
    @Override
    public Map<String, Map<String, StoredTensor>> tensors() {
        Map<String, Map<String, StoredTensor>> out = new LinkedHashMap<>();
        flora.forEach((path, w) -> {
            Map<String, StoredTensor> m = new LinkedHashMap<>();
            m.put(FloraVariant.CORE, StoredTensor.of(w.core().value()));
            for (int k = 0; k < w.factors().size(); k++) {
                m.put(FloraVariant.FACTOR + k, StoredTensor.of(w.factors().get(k).value()));
            }
            out.put(path, m);
        });
        return out;
    }

    @Override
    public List<String> report() {
        List<String> out = new ArrayList<>();
        long core = 0;
        for (FloraWeight w : flora.values()) {
            core += w.core().size();
            out.add(String.format(Locale.ROOT, "%s: %s, ranks %s, core %d + factors %d values", w.module(), w.view(), Arrays.toString(w.ranks()),
                    w.core().size(), w.trainableCount() - w.core().size()));
        }
        out.add(0, String.format(Locale.ROOT, "FLoRA view %s, scale %s: %,d values in cores, %,d in factors", view, scale, core, trainableCount() - core));
        return out;
    }
}
