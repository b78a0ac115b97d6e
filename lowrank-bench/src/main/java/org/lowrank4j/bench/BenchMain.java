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
import org.lowrank4j.nn.tensor.Kernels;

/**
 * The benchmarks: {@code java -jar lowrank-bench.jar [--suite linalg|runtime|lora|lora-limits|quant|flashsvd|decoders|adapters|onnx-decoders] [--out FILE] [--quick] [--peak GFLOPS]
 * [--threads N] [--text FILE]}. Prints a table as it goes and writes every figure to a JSON file (atomically):
 * {@code results/bench-linalg.json} for the linear-algebra suite, {@code results/bench-runtime.json} for the runtime
 * suite (BERT vs ONNX Runtime, decoder dense vs low-rank), {@code results/bench-lora.json} for the LoRA suite (a LoRA
 * training step against a full fine-tuning step on {@code --model}, default models/sotu-decoder; {@code --rank}, {@code --batch}),
 * {@code results/bench-lora-limits.json} for spec 19's Taylor-feature attention gradient against the exact one,
 * {@code results/bench-adapters.json} for decoding with LoRA adapters switched in unmerged against merged copies
 * ({@code --model DECODER --folders ADAPTER,...}), {@code results/bench-onnx-decoders.json} for decoder folders exported to ONNX and
 * run in ONNX Runtime against the JVM runtime ({@code --folders DECODER,...}).
 */
public final class BenchMain {

    private static final java.util.List<String> SUITES = java.util.List.of("linalg", "runtime", "lora", "lora-limits", "quant",
            "flashsvd", "decoders", "adapters", "onnx-decoders");

    public static void main(String[] args) throws IOException {
        Path out = null;
        boolean quick = false;
        double peak = 185.6;
        String suite = "linalg";
        int threads = Runtime.getRuntime().availableProcessors();
        Path text = Path.of("..", "shared", "data", "moby-dick", "chapter_1.txt");
        Path model = Path.of("models", "sotu-decoder");
        java.util.List<Path> folders = java.util.List.of();
        int rank = 8, batch = 4;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(requireValue(args, ++i, "--out"));
                case "--quick" -> quick = true;
                case "--peak" -> peak = Double.parseDouble(requireValue(args, ++i, "--peak"));
                case "--suite" -> suite = requireValue(args, ++i, "--suite");
                case "--threads" -> threads = Integer.parseInt(requireValue(args, ++i, "--threads"));
                case "--text" -> text = Path.of(requireValue(args, ++i, "--text"));
                case "--model" -> model = Path.of(requireValue(args, ++i, "--model"));
                case "--folders" -> folders = java.util.Arrays.stream(requireValue(args, ++i, "--folders").split(",")).map(Path::of).toList();
                case "--rank" -> rank = Integer.parseInt(requireValue(args, ++i, "--rank"));
                case "--batch" -> batch = Integer.parseInt(requireValue(args, ++i, "--batch"));
                case "-h", "--help" -> {
                    System.out.println("usage: lowrank-bench [--suite " + String.join("|", SUITES) + "] [--out FILE] [--quick] [--peak GFLOPS_PER_CORE]"
                            + " [--threads N] [--text FILE (runtime: sentences for BERT; lora: training text)] [--model DECODER] [--rank R] [--batch B]");
                    return;
                }
                default -> {
                    System.err.println("lowrank-bench: unknown option " + args[i] + " (try --help)");
                    System.exit(2);
                }
            }
        }
        if (!SUITES.contains(suite)) {
            System.err.println("lowrank-bench: --suite must be one of " + String.join(", ", SUITES) + ", not " + suite);
            System.exit(2);
        }
        if (suite.equals("lora") && !Files.isRegularFile(model.resolve("config.json"))) {
            System.err.println("lowrank-bench: --model " + model + " is not a decoder folder (no config.json)");
            System.exit(2);
        }
        if (suite.equals("adapters") && (folders.isEmpty() || !Files.isRegularFile(model.resolve("config.json")))) {
            System.err.println("lowrank-bench: --suite adapters needs --model DECODER and --folders A,B,... (PEFT LoRA adapter folders for it)");
            System.exit(2);
        }
        if ((suite.equals("decoders") || suite.equals("onnx-decoders")) && folders.isEmpty()) {
            System.err.println("lowrank-bench: --suite " + suite + " needs --folders A,B,... (decoder model folders)");
            System.exit(2);
        }
        if (!java.util.Set.of("linalg", "quant", "flashsvd", "decoders", "onnx-decoders", "lora-limits", "adapters").contains(suite) && !Files.isRegularFile(text)) {
            System.err.println("lowrank-bench: --text " + text + " does not exist (fetch the data with scripts/fetch-data.sh or give a text file)");
            System.exit(2);
        }
        if (threads < 1) {
            System.err.println("lowrank-bench: --threads must be >= 1");
            System.exit(2);
        }
        if (out == null) {
            out = Path.of("results", "bench-" + suite + ".json");
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
        root.put("openblas_coretype_env", System.getenv().getOrDefault("OPENBLAS_CORETYPE", ""));
        root.put("openblas_thread_timeout_env", System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT", ""));
        root.put("products_read_java_arrays_in_place", nb.readsHeapInPlace()); // Java 22+; else operands are copied
        if (!nb.readsHeapInPlace()) {
            root.put("products_copy_operands_because", nb.copiesOperandsBecause());
            System.err.println("lowrank-bench: products copy their operands in and out of native memory ("
                    + nb.copiesOperandsBecause() + "); on Java 22 or later they read the Java arrays in place (results/heap-blas)");
        }
        if (nb.kernelHint() != null) {
            System.err.println("lowrank-bench: " + nb.kernelHint());
        }
        root.put("float_kernels", Kernels.floatForm());
        root.put("nominal_peak_gflops_per_core", peak);
        root.put("quick", quick);
        System.out.printf("lowrank4j %s benchmark — %s, %d cores, %s; %s%n", suite, CpuInfo.modelName(),
                Runtime.getRuntime().availableProcessors(), nb.describe(), Kernels.floatForm());

        if (suite.equals("linalg")) {
            LinalgBenchmarks linalg = new LinalgBenchmarks(nb, peak, quick);
            ArrayNode gemm = root.putArray("sgemm");
            linalg.gemm(gemm);
            ArrayNode svd = root.putArray("thin_svd_fp32");
            linalg.thinSvd(svd);
            linalg.randomizedSvd(root.putObject("randomized_svd"));
            linalg.symmetric(root.putObject("syevd_potrf"));
        } else if (suite.equals("decoders")) {
            new DecoderFolderBenchmarks(threads, quick).run(root.putArray("decoder_folders"), folders);
        } else if (suite.equals("onnx-decoders")) {
            try {
                new OnnxDecoderBenchmarks(threads, quick).run(root.putArray("onnx_decoders"), folders, Path.of("target", "bench-models"));
            } catch (ai.onnxruntime.OrtException e) {
                System.err.println("lowrank-bench: ONNX Runtime failed: " + e.getMessage());
                System.exit(1);
            }
        } else if (suite.equals("adapters")) {
            new AdapterServingBenchmarks(threads, quick).run(root.putObject("adapters_unmerged_vs_merged_decoding"), model, folders);
        } else if (suite.equals("quant")) {
            new QuantBenchmarks(quick).forward(root.putObject("quantized_weight_forward_vs_dense"));
        } else if (suite.equals("flashsvd")) {
            new FlashSvdBenchmarks(quick).sweep(root.putObject("flashsvd_minilm"), Path.of("target", "bench-models"));
        } else if (suite.equals("lora-limits")) {
            new AttentionGradientBenchmarks(quick).sweep(root.putObject("lora_attention_gradient_exact_vs_taylor"), 1e-3);
        } else if (suite.equals("lora")) {
            new LoraStepBenchmarks(quick).steps(root.putObject("lora_step_vs_full_step"), model, text, rank, batch, 0);
        } else {
            RuntimeBenchmarks runtime = new RuntimeBenchmarks(threads, quick);
            try {
                runtime.bertThroughput(root.putObject("bert_forward_vs_onnxruntime"), text, Path.of("target", "bench-models"));
            } catch (ai.onnxruntime.OrtException e) {
                System.err.println("lowrank-bench: ONNX Runtime failed: " + e.getMessage());
                System.exit(1);
            }
            runtime.decode(root.putObject("decoder_dense_vs_lowrank"));
        }

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
