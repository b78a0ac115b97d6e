package org.lowrank4j.cli;

import org.lowrank4j.linalg.Linalg;
import org.lowrank4j.linalg.backend.NativeBackend;
import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest (set by Maven), with the Java runtime and the BLAS in use. */
public final class Version implements IVersionProvider {

    static String number() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        NativeBackend nb = Linalg.nativeBackend();
        String blas = nb == null ? "BLAS: plain Java (" + Linalg.nativeFailure() + ")"
                : "BLAS: " + nb.describe() + (nb.readsHeapInPlace() ? ", reading the Java arrays in place"
                        : ", copying operands (" + nb.copiesOperandsBecause() + ")");
        return new String[] {"lowrank4j " + number(), "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            blas};
    }
}
