package org.lowrank4j.adapt.flora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** A {@link WeightView} in adapter_config.json: {@code {"modes": [..], "sizes": [..], "out_modes": p}}. */
final class FloraStorage {
    private FloraStorage() {
    }

    static ObjectNode json(WeightView view, int[] ranks) {
        ObjectNode o = FloraVariant.JSON.createObjectNode();
        ArrayNode labels = o.putArray("modes");
        view.labels().forEach(labels::add);
        ArrayNode sizes = o.putArray("sizes");
        for (int s : view.sizes()) {
            sizes.add(s);
        }
        o.put("out_modes", view.outModes());
        ArrayNode r = o.putArray("ranks");
        for (int k : ranks) {
            r.add(k);
        }
        return o;
    }

    /** @throws IllegalArgumentException naming the module when the entry is not a view */
    static WeightView view(String path, JsonNode node) {
        JsonNode labels = node.path("modes"), sizes = node.path("sizes");
        if (!labels.isArray() || !sizes.isArray() || labels.size() != sizes.size() || !node.path("out_modes").canConvertToInt()) {
            throw new IllegalArgumentException("adapter_config.json: views[\"" + path + "\"] needs modes, sizes of the same length and out_modes");
        }
        List<String> names = new ArrayList<>();
        int[] s = new int[sizes.size()];
        for (int m = 0; m < s.length; m++) {
            names.add(labels.get(m).asText());
            s[m] = sizes.get(m).asInt(0);
        }
        try {
            return new WeightView(names, s, node.path("out_modes").asInt());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("adapter_config.json: views[\"" + path + "\"]: " + e.getMessage());
        }
    }
}
