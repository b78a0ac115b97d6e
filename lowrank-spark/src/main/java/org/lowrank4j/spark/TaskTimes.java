package org.lowrank4j.spark;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Sums of Spark's own task metrics over the tasks that end while attached: where a distributed run spends its time
 * (deserialising task inputs on the executor, running, serialising results) and how many bytes come back.
 */
public final class TaskTimes extends SparkListener {
    private final AtomicLong tasks = new AtomicLong();
    private final AtomicLong deserializeMillis = new AtomicLong();
    private final AtomicLong runMillis = new AtomicLong();
    private final AtomicLong resultSerializeMillis = new AtomicLong();
    private final AtomicLong resultBytes = new AtomicLong();
    private final AtomicLong gcMillis = new AtomicLong();

    /** Registers a fresh listener on the session's context. */
    public static TaskTimes attach(SparkSession session) {
        TaskTimes t = new TaskTimes();
        session.sparkContext().addSparkListener(t);
        return t;
    }

    public void detach(SparkSession session) {
        session.sparkContext().removeSparkListener(this);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        TaskMetrics m = end.taskMetrics();
        if (m == null) {
            return;
        }
        tasks.incrementAndGet();
        deserializeMillis.addAndGet(m.executorDeserializeTime());
        runMillis.addAndGet(m.executorRunTime());
        resultSerializeMillis.addAndGet(m.resultSerializationTime());
        resultBytes.addAndGet(m.resultSize());
        gcMillis.addAndGet(m.jvmGCTime());
    }

    public long tasks() {
        return tasks.get();
    }

    /** Time the executors spent deserialising tasks (closure and input partition), seconds. */
    public double deserializeSeconds() {
        return deserializeMillis.get() / 1e3;
    }

    /** Time inside the tasks' code (after deserialisation), summed over tasks, seconds. */
    public double runSeconds() {
        return runMillis.get() / 1e3;
    }

    public double resultSerializeSeconds() {
        return resultSerializeMillis.get() / 1e3;
    }

    public long resultBytes() {
        return resultBytes.get();
    }

    public double gcSeconds() {
        return gcMillis.get() / 1e3;
    }
}
