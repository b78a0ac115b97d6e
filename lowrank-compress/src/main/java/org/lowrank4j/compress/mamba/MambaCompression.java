package org.lowrank4j.compress.mamba;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank4j.compress.CompressionOutcome;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Listener;
import org.lowrank4j.nn.arch.mamba.MambaConfig;
import org.lowrank4j.nn.arch.mamba.MambaModel;
import org.lowrank4j.nn.tensor.Precision;
import org.lowrank4j.nn.train.DecoderTraining;

/**
 * {@code lowrank compress --model <Mamba folder> --method dlrmamba --ratio R}: loads the folder, factorises it with
 * {@link MambaFactorization} and writes the low-rank Mamba folder (factors as {@code .lowrank_A}/{@code .lowrank_B}).
 * The record lists each matrix's rank and the parameter counts (targeted matrices and whole model) under
 * {@code details}.
 */
public final class MambaCompression {
    private MambaCompression() {
    }

    public static CompressionOutcome run(Path model, Path out, String method, DlrMambaOptions options, Listener listener) throws IOException {
        DecoderTraining.requireModelFolder(model);
        if (!MambaConfig.isMambaFolder(model)) {
            throw new IllegalArgumentException("--method " + DlrMambaOptions.NAME + " compresses Mamba model folders (config.json model_type \"mamba\");"
                    + " " + model + " is not one");
        }
        long start = System.nanoTime();
        MambaModel mamba = MambaModel.load(model, Precision.FLOAT32);
        MambaFactorization.Report report = MambaFactorization.apply(mamba, options);
        for (MambaFactorization.Site s : report.sites()) {
            listener.note(String.format(java.util.Locale.ROOT, "%-24s %4dx%-4d rank %s (%.4f of the squared spectrum)", s.name(), s.rows(), s.cols(),
                    s.rank() == 0 ? "dense" : Integer.toString(s.rank()), s.keptEnergy()));
        }
        MambaFolders.write(mamba, out);
        List<Map<String, Object>> sites = new ArrayList<>();
        List<org.lowrank4j.compress.SiteResult> results = new ArrayList<>();
        for (MambaFactorization.Site s : report.sites()) {
            int block = Integer.parseInt(s.name().split(" ")[1]);
            org.lowrank4j.linalg.DoubleMatrix shape = org.lowrank4j.linalg.DoubleMatrix.zeros(s.rows(), s.cols()); // sizes only: the record counts bytes
            org.lowrank4j.compress.LinearWeight weight = new org.lowrank4j.compress.LinearWeight(s.name(), "mamba", block, shape);
            results.add(new org.lowrank4j.compress.SiteResult(weight, s.rank() == 0 ? Math.min(s.rows(), s.cols()) : s.rank(), s.rank() == 0
                    ? new org.lowrank4j.compress.Dense(shape) : new org.lowrank4j.compress.LowRank(org.lowrank4j.linalg.DoubleMatrix.zeros(s.rows(), s.rank()),
                    org.lowrank4j.linalg.DoubleMatrix.zeros(s.rank(), s.cols())), new double[0], 0));
            Map<String, Object> site = new LinkedHashMap<>();
            site.put("site", s.name());
            site.put("shape", List.of(s.rows(), s.cols()));
            site.put("rank", s.rank());
            site.put("parameters_before", s.parametersBefore());
            site.put("parameters_after", s.parametersAfter());
            site.put("kept_spectrum_energy", s.keptEnergy());
            sites.add(site);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("architecture", "mamba");
        details.put("energy", options.energy());
        details.put("state_rank", options.stateRank());
        details.put("targeted_layer_ratio_definition", "parameters removed from every block's in_proj, x_proj, out_proj and A_log / their dense parameters");
        details.put("targeted_parameters_before", report.targetedBefore());
        details.put("targeted_parameters_after", report.targetedAfter());
        details.put("sites", sites);
        CompressionResult result = new CompressionResult(method, "per-matrix ratio" + (options.energy() == null ? "" : " and spectrum energy"),
                options.ratio(), results, report.targetedBefore(), report.targetedAfter());
        return new CompressionOutcome(result, model, out, Files.size(model.resolve("model.safetensors")), Files.size(out.resolve("model.safetensors")),
                report.modelBefore(), report.modelAfter(), 0, 0, (System.nanoTime() - start) / 1e9, null, details);
    }
}
