package org.lowrank4j.spark;

import org.apache.spark.sql.SparkSession;

/** The session the tests share within a class: local[2], bound to 127.0.0.1, no UI. */
public final class SparkTestSession {
    private SparkTestSession() {
    }

    public static SparkSession start() {
        SparkSession session = LocalSpark.session("local[2]", "lowrank4j-test");
        session.sparkContext().setLogLevel("WARN");
        return session;
    }
}
