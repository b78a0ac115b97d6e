package org.lowrank4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.backend.NativeBackend;

/**
 * The linear-algebra benchmark: {@code java -jar lowrank-bench.jar [--out FILE] [--quick] [--peak GFLOPS]}.
 * Prints a table as it goes and writes every figure to a JSON file (atomically).
 */
public final class BenchMain {

    public static void main(String[] args) throws IOException {
        Path out = Path.of("results", "bench-linalg.json");
        boolean quick = false;
        double peak = 185.6;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(requireValue(args, ++i, "--out"));
                case "--quick" -> quick = true;
                case "--peak" -> peak = Double.parseDouble(requireValue(args, ++i, "--peak"));
                case "-h", "--help" -> {
                    System.out.println("usage: lowrank-bench [--out FILE] [--quick] [--peak GFLOPS_PER_CORE]");
                    return;
                }
                default -> {
                    System.err.println("lowrank-bench: unknown option " + args[i] + " (try --help)");
                    System.exit(2);
                }
            }
        }
        NativeBackend nb = Linalg.nativeBackend();
        if (nb == null) {
            System.err.println("lowrank-bench: OpenBLAS did not load (" + Linalg.nativeFailure() + "); nothing to benchmark");
            System.exit(1);
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("date", Instant.now().toString());
        root.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        root.put("cpu", CpuInfo.modelName());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        root.put("openblas", nb.describe());
        root.put("nominal_peak_gflops_per_core", peak);
        root.put("quick", quick);
        System.out.printf("lowrank4j linear-algebra benchmark — %s, %d cores, %s%n", CpuInfo.modelName(),
                Runtime.getRuntime().availableProcessors(), nb.describe());

        LinalgBenchmarks suite = new LinalgBenchmarks(nb, peak, quick);
        ArrayNode gemm = root.putArray("sgemm");
        suite.gemm(gemm);
        ArrayNode svd = root.putArray("thin_svd_fp32");
        suite.thinSvd(svd);
        suite.randomizedSvd(root.putObject("randomized_svd"));
        suite.symmetric(root.putObject("syevd_potrf"));

        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".bench-", ".json.tmp");
        json.writeValue(tmp.toFile(), root);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("wrote " + out);
    }

    private static String requireValue(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println("lowrank-bench: " + option + " needs a value");
            System.exit(2);
        }
        return args[i];
    }
}
