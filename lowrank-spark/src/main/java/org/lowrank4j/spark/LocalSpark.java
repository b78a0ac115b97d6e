package org.lowrank4j.spark;

import org.apache.spark.sql.SparkSession;

/**
 * A Spark session in local mode that opens no network port to the outside: the driver binds to 127.0.0.1, the web UI
 * is off, and shuffles stay small. Spark on JDK 17 needs {@code --add-opens} flags on the JVM that runs it (the list is
 * in this module's pom, property {@code spark.jvmflags}, and in results/spark/README.md).
 */
public final class LocalSpark {
    private LocalSpark() {
    }

    /**
     * @param master e.g. {@code local[2]} (two executor threads in this JVM)
     * @throws IllegalArgumentException when the master is not a local one
     */
    public static SparkSession session(String master, String appName) {
        if (master == null || !master.startsWith("local")) {
            throw new IllegalArgumentException("--spark " + master + ": only local masters (local, local[N], local[*]) run in this JVM; "
                    + "for a cluster, submit with spark-submit and build the session there");
        }
        return SparkSession.builder()
                .master(master)
                .appName(appName)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "4")
                .getOrCreate();
    }
}
