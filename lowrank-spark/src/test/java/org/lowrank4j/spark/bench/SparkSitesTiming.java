package org.lowrank4j.spark.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.Compressor;
import org.lowrank4j.compress.LinearWeight;
import org.lowrank4j.compress.LowRank;
import org.lowrank4j.compress.Progress;
import org.lowrank4j.compress.allocation.GlobalGreedyAllocator;
import org.lowrank4j.compress.methods.Methods;
import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.spark.LocalSpark;
import org.lowrank4j.spark.TaskTimes;
import org.lowrank4j.spark.sites.SiteInput;
import org.lowrank4j.spark.sites.SparkSites;
import org.lowrank4j.spark.sites.SyntheticSites;

/**
 * Not a test: the time split of the per-site decompositions on Spark against the local threads, on synthetic sites of
 * an encoder's shapes (random weights with a decaying spectrum, Gram matrices of synthetic activations).
 * Args: blocks width tokens method master out.json. Writes one JSON object.
 */
public final class SparkSitesTiming {
    public static void main(String[] args) throws IOException {
        int blocks = Integer.parseInt(args[0]), width = Integer.parseInt(args[1]), tokens = Integer.parseInt(args[2]);
        String method = args[3], master = args[4];
        Path out = Path.of(args[5]);
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        long t0 = System.nanoTime();
        SyntheticSites sites = new SyntheticSites(blocks, width, tokens, 11);
        double generate = seconds(t0);

        // single-thread compute per site (the unit a task does), one site of each shape
        List<String> perShape = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            LinearWeight w = sites.weights.get(i);
            long s = System.nanoTime();
            Linalg.withSingleThreadedBlas(() -> Methods.byName(method).prepare(w, sites.stats.get(w.name())).factorAt(Math.min(w.outFeatures(), w.inFeatures()) / 4));
            perShape.add(String.format(Locale.ROOT, "{\"site\": \"%s\", \"shape\": \"%dx%d\", \"seconds\": %.4f}", w.name(), w.outFeatures(), w.inFeatures(), seconds(s)));
        }

        long s = System.nanoTime();
        CompressionResult local = new Compressor(Methods.byName(method), new GlobalGreedyAllocator()).compress(sites.weights, sites.stats, 0.3, Progress.NONE);
        double localSeconds = seconds(s);

        s = System.nanoTime();
        List<SiteInput> inputs = new ArrayList<>();
        for (int i = 0; i < sites.weights.size(); i++) {
            LinearWeight w = sites.weights.get(i);
            inputs.add(SiteInput.of(i, w, sites.stats.get(w.name())));
        }
        double encode = seconds(s);
        s = System.nanoTime();
        long inputBytes = serializedBytes(inputs);
        double javaSerialize = seconds(s);

        s = System.nanoTime();
        SparkSession session = LocalSpark.session(master, "lowrank4j-sites-timing");
        session.sparkContext().setLogLevel("WARN");
        double sessionStart = seconds(s);
        SparkSites spark = new SparkSites(session);
        spark.compress(method, new GlobalGreedyAllocator(), sites.weights.subList(0, 6), sites.stats, 0.3); // warm-up: classes, JIT
        TaskTimes times = TaskTimes.attach(session);
        s = System.nanoTime();
        CompressionResult distributed = spark.compress(method, new GlobalGreedyAllocator(), sites.weights, sites.stats, 0.3);
        double sparkSeconds = seconds(s);
        times.detach(session);
        session.stop();

        int identical = 0, factorised = 0;
        long factorBytes = 0;
        for (int i = 0; i < local.sites().size(); i++) {
            if (local.sites().get(i).factorization() instanceof LowRank a) {
                factorised++;
                LowRank b = (LowRank) distributed.sites().get(i).factorization();
                factorBytes += 8L * (a.a().rows() * a.rank() + a.rank() * a.b().cols());
                if (java.util.Arrays.equals(a.a().toArray(), b.a().toArray()) && java.util.Arrays.equals(a.b().toArray(), b.b().toArray())) {
                    identical++;
                }
            }
        }
        long doubles = inputs.stream().mapToLong(SiteInput::doubles).sum();
        String json = String.format(Locale.ROOT, """
                {"what": "per-site decompositions: local threads vs Spark tasks (synthetic sites, encoder shapes)",
                 "blocks": %d, "width": %d, "sites": %d, "calibrationTokens": %d, "method": "%s", "ratio": 0.3, "master": "%s",
                 "cores": %d, "generateSeconds": %.2f,
                 "singleThreadSecondsPerShape": [%s],
                 "localThreadsSeconds": %.3f,
                 "sparkSessionStartSeconds": %.3f, "sparkSeconds": %.3f,
                 "driverEncodeSeconds": %.3f, "inputDoubles": %d, "inputJavaSerializedBytes": %d, "inputJavaSerializeSeconds": %.3f,
                 "tasks": %d, "taskDeserializeSeconds": %.3f, "taskRunSeconds": %.3f, "taskResultSerializeSeconds": %.3f,
                 "taskResultBytes": %d, "taskGcSeconds": %.3f, "factorisedSites": %d, "factorBytes": %d,
                 "bitwiseIdenticalSites": %d, "loadAverageBefore": "%s", "loadAverageAfter": "%s"}
                """, blocks, width, sites.weights.size(), tokens, method, master, Runtime.getRuntime().availableProcessors(), generate,
                String.join(", ", perShape), localSeconds, sessionStart, sparkSeconds, encode, doubles, inputBytes, javaSerialize,
                times.tasks(), times.deserializeSeconds(), times.runSeconds(), times.resultSerializeSeconds(), times.resultBytes(), times.gcSeconds(),
                factorised, factorBytes, identical, loadBefore, Files.readString(Path.of("/proc/loadavg")).trim());
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json);
        System.out.print(json);
    }

    private static long serializedBytes(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream stream = new ObjectOutputStream(bytes)) {
            stream.writeObject(o);
        }
        return bytes.size();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
