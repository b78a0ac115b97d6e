package org.lowrank4j.compress.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.LayerStats;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.nn.tensor.Tensor;

/**
 * Calibration through the JVM runtime: every calibration batch runs forward once, and each group of sites that
 * reads one tensor (query/key/value, gate/up) adds that tensor's real rows to one {@link LayerStats}. Memory is the
 * statistics (n² + n doubles per site) plus one batch's activations, whatever the amount of text.
 */
public final class RuntimeCalibration {
    private RuntimeCalibration() {
    }

    /**
     * @return statistics per site name, in site order; every site gets its own object (sites of one group start from
     *         equal copies), so per-site additions such as {@link LayerStats#accumulateFisher} do not collide
     */
    public static Map<String, LayerStats> collect(RuntimeModel model, Progress progress) {
        List<List<RuntimeSite>> groups = RuntimeSite.groups(model.sites());
        List<LayerStats> perGroup = new ArrayList<>();
        for (List<RuntimeSite> g : groups) {
            perGroup.add(new LayerStats(g.get(0).inFeatures()));
        }
        int batches = model.batchCount();
        for (int b = 0; b < batches; b++) {
            progress.update("calibrate", b, batches, "");
            int[] mask = model.forward(b);
            for (int g = 0; g < groups.size(); g++) {
                Tensor x = sharedInput(groups.get(g));
                float[] rows = RuntimeSite.realRows(x, mask);
                perGroup.get(g).accumulate(rows, 0, rows.length / x.dim(-1));
            }
        }
        progress.update("calibrate", batches, batches, "");
        model.releaseActivations();
        return perSite(groups, perGroup);
    }

    /**
     * Every site's statistics from its group's (sites reading the same input share one accumulation): the first site
     * of a group gets the group's object, the others copies, so that each may be dropped or changed on its own. The
     * map is mutable and in site order.
     */
    public static Map<String, LayerStats> perSite(List<List<RuntimeSite>> groups, List<LayerStats> perGroup) {
        Map<String, LayerStats> bySite = new LinkedHashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            LayerStats s = perGroup.get(g);
            boolean first = true;
            for (RuntimeSite site : groups.get(g)) {
                bySite.put(site.name(), first ? s : LayerStats.of(s.gram().copy(), s.absSum().clone(), s.sum().clone(), s.tokens())
                        .withAbsMax(s.absMax()));
                first = false;
            }
        }
        return bySite;
    }

    /** The input of the group's latest forward, checked to be one tensor for all its sites. */
    public static Tensor sharedInput(List<RuntimeSite> group) {
        Tensor x = group.get(0).linear().lastInput();
        if (x == null) {
            throw new IllegalStateException(group.get(0).name() + " saw no input; the model's forward did not reach it");
        }
        for (RuntimeSite s : group) {
            if (s.linear().lastInput() != x) {
                throw new IllegalStateException(s.name() + " and " + group.get(0).name() + " are grouped (block " + s.block() + ", stage "
                        + s.stage() + ") but read different tensors");
            }
        }
        return x;
    }
}
