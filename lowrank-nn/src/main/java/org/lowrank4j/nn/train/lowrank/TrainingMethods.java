package org.lowrank4j.nn.train.lowrank;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.lowrank4j.nn.train.TrainingMethod;
import org.lowrank4j.nn.train.lowrank.maestro.MaestroAdam;
import org.lowrank4j.nn.train.lowrank.maestro.MaestroSettings;
import org.lowrank4j.nn.train.lowrank.maestro.MaestroSites;
import org.lowrank4j.nn.train.lowrank.sst.SpectralAdam;
import org.lowrank4j.nn.train.lowrank.sst.SpectralSites;
import org.lowrank4j.nn.train.lowrank.sst.SstSettings;
import org.lowrank4j.nn.train.lowrank.trp.TrpAdam;
import org.lowrank4j.nn.train.lowrank.trp.TrpSettings;
import org.lowrank4j.nn.train.lost.Lost;
import org.lowrank4j.nn.train.sltrain.SlTrain;

/**
 * The training methods {@code lowrank train --method} knows, by name. A new method is one entry here and its
 * optimizer class (or its {@link org.lowrank4j.nn.train.Parameterization}: SLTrain, LOST); the trainer itself only sees
 * {@link org.lowrank4j.nn.train.Optimizer}.
 */
public final class TrainingMethods {
    /** GaLore's LLaMA pre-training settings (rank 128, gap 200, scale 0.25; arXiv:2403.03507). */
    public static final int DEFAULT_RANK = 128, DEFAULT_GAP = 200;
    public static final double DEFAULT_SCALE = 0.25;

    private record Entry(String name, Function<MethodOptions, TrainingMethod> configure) {
    }

    private static final List<Entry> METHODS = List.of(
            new Entry("full", o -> TrainingMethod.full()),
            new Entry(GaLore.METHOD, o -> {
                ProjectionSettings p = projection(GaLore.METHOD, o);
                return new TrainingMethod(GaLore.METHOD, describe(GaLore.METHOD, p),
                        (params, s) -> new GaLore(params, s, p, ProjectedAdam.BLOCK_MATRICES));
            }),
            new Entry(DctGaLore.METHOD, o -> {
                ProjectionSettings p = projection(DctGaLore.METHOD, o);
                return new TrainingMethod(DctGaLore.METHOD, describe(DctGaLore.METHOD, p),
                        (params, s) -> new DctGaLore(params, s, p, ProjectedAdam.BLOCK_MATRICES));
            }),
            new Entry(Fira.METHOD, o -> {
                int alphaInResidual = o.integer("alpha-in-residual", 1);
                ProjectionSettings p = projection(Fira.METHOD, o);
                if (alphaInResidual != 0 && alphaInResidual != 1) {
                    throw new IllegalArgumentException(Fira.METHOD + ": option alpha-in-residual must be 1 (the reference code) or 0 (the paper), got "
                            + alphaInResidual);
                }
                return new TrainingMethod(Fira.METHOD, describe(Fira.METHOD, p) + ":alpha-in-residual=" + alphaInResidual,
                        (params, s) -> new Fira(params, s, p, ProjectedAdam.BLOCK_MATRICES, alphaInResidual == 1));
            }),
            new Entry(SstSettings.METHOD, o -> {
                SstSettings sst = new SstSettings(o.integer("rank", SstSettings.DEFAULT_RANK), o.integer("period", SstSettings.DEFAULT_PERIOD));
                SpectralSites sites = new SpectralSites(sst);
                return new TrainingMethod(SstSettings.METHOD, sst.describe(), (params, s) -> new SpectralAdam(params, s, sites), sites);
            }),
            new Entry(MaestroSettings.METHOD, o -> {
                MaestroSettings m = new MaestroSettings(o.number("lambda", MaestroSettings.DEFAULT_LAMBDA),
                        o.number("threshold", MaestroSettings.DEFAULT_THRESHOLD), o.integer("shrink-every", MaestroSettings.DEFAULT_SHRINK_EVERY));
                MaestroSites sites = new MaestroSites(m);
                return new TrainingMethod(MaestroSettings.METHOD, m.describe(), (params, s) -> new MaestroAdam(params, s, sites), sites);
            }),
            new Entry(TrpSettings.METHOD, o -> {
                TrpSettings trp = new TrpSettings(o.integer("period", TrpSettings.DEFAULT_PERIOD), o.number("energy", TrpSettings.DEFAULT_ENERGY),
                        o.number("nuclear", TrpSettings.DEFAULT_NUCLEAR));
                return new TrainingMethod(TrpSettings.METHOD, trp.describe(), (params, s) -> new TrpAdam(params, s, trp, ProjectedAdam.BLOCK_MATRICES));
            }),
            new Entry(SlTrain.METHOD, o -> {
                SlTrain p = new SlTrain(o.integer("rank", SlTrain.DEFAULT_RANK), o.number("density", SlTrain.DEFAULT_DENSITY),
                        o.number("alpha", SlTrain.DEFAULT_ALPHA));
                return new TrainingMethod(SlTrain.METHOD, p.describe(), TrainingMethod.full().factory(), p);
            }),
            new Entry(Lost.METHOD, o -> {
                int outputChannels = o.integer("output-channels", 0);
                if (outputChannels != 0 && outputChannels != 1) {
                    throw new IllegalArgumentException(Lost.METHOD + ": option output-channels must be 0 (keep input channels, columns) or 1 "
                            + "(output channels, rows), got " + outputChannels);
                }
                Lost p = new Lost(o.integer("rank", Lost.DEFAULT_RANK), o.number("density", Lost.DEFAULT_DENSITY), outputChannels == 1);
                return new TrainingMethod(Lost.METHOD, p.describe(), TrainingMethod.full().factory(), p);
            }));

    private TrainingMethods() {
    }

    /** The method names, in the order they are listed. */
    public static List<String> names() {
        return METHODS.stream().map(Entry::name).toList();
    }

    /**
     * The method {@code name} with {@code options} read and checked.
     *
     * @throws IllegalArgumentException for an unknown name, an unknown option key or an option out of range, in one line
     */
    public static TrainingMethod configure(String name, MethodOptions options) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Entry e : METHODS) {
            if (e.name().equals(key)) {
                TrainingMethod method = e.configure().apply(options);
                options.requireAllRead();
                return method;
            }
        }
        throw new IllegalArgumentException("unknown training method '" + name + "'; choose one of "
                + METHODS.stream().map(Entry::name).collect(Collectors.joining(", ")));
    }

    private static ProjectionSettings projection(String method, MethodOptions o) {
        int rank = o.integer("rank", DEFAULT_RANK);
        int gap = o.integer("gap", DEFAULT_GAP);
        double scale = o.number("scale", DEFAULT_SCALE);
        int rotate = o.integer("rotate", 0);
        if (rotate != 0 && rotate != 1) {
            throw new IllegalArgumentException(method + ": option rotate must be 0 (keep Adam's moments when the basis changes, the reference) "
                    + "or 1 (carry them into the new basis), got " + rotate);
        }
        try {
            return new ProjectionSettings(rank, gap, scale, rotate == 1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(method + ": " + e.getMessage(), e);
        }
    }

    private static String describe(String method, ProjectionSettings p) {
        // rotate appears only when on, so checkpoints written before the option existed still resume
        return String.format(Locale.ROOT, "%s:rank=%d:gap=%d:scale=%s", method, p.rank(), p.gap(), p.scale()) + (p.rotate() ? ":rotate=1" : "");
    }
}
