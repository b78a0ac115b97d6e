package org.lowrank4j.spark.completion;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.lowrank4j.algorithms.completion.ObservedEntries;

/** One observed entry M_ij of a matrix being completed: the element of the distributed data set. */
public record Entry(int row, int col, double value) implements Serializable {

    /** The entries of a driver-side {@link ObservedEntries}, in its order. */
    public static List<Entry> of(ObservedEntries observed) {
        List<Entry> entries = new ArrayList<>(observed.count());
        for (int e = 0; e < observed.count(); e++) {
            entries.add(new Entry(observed.row(e), observed.col(e), observed.value(e)));
        }
        return entries;
    }
}
