package org.lowrank4j.adapt.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.adapt.peft.LoraFactors;
import org.lowrank4j.adapt.peft.PeftAdapter;

/** What {@code lowrank adapter inspect} shows: per module, rank, scaling and the spectrum of ΔW = s·B·A. */
public final class AdapterSummary {
    private AdapterSummary() {
    }

    /** One line per module: path, shapes, r, α, ‖ΔW‖_F, the ranks holding 90% / 99% of the energy, the top singular values. */
    public static List<String> lines(PeftAdapter adapter) {
        Squeeze.Result spectra = Squeeze.apply(adapter, Squeeze.Target.energy(1.0));
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "peft_type LORA, r %d, lora_alpha %s, use_rslora %s, targets %s, %d modules, %,d parameters",
                adapter.config().rank(), trim(adapter.config().alpha()), adapter.config().useRslora(), adapter.config().targets().describe(),
                adapter.modules().size(), adapter.parameterCount()));
        for (Map.Entry<String, LoraFactors> e : adapter.modules().entrySet()) {
            LoraFactors f = e.getValue();
            double[] sigma = spectra.modules().get(e.getKey()).singular();
            double norm = 0;
            for (double v : sigma) {
                norm += v * v;
            }
            StringBuilder top = new StringBuilder();
            for (int i = 0; i < Math.min(4, sigma.length); i++) {
                top.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3g", sigma[i]));
            }
            out.add(String.format(Locale.ROOT, "%-48s %4dx%-4d r %-3d alpha %-5s |dW| %.4g  r90 %d r99 %d  sigma %s", e.getKey(), f.out(), f.in(),
                    f.rank(), trim(f.alpha()), Math.sqrt(norm), Squeeze.energyRank(sigma, 0.9), Squeeze.energyRank(sigma, 0.99), top));
        }
        return out;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
