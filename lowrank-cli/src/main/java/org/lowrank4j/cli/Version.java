package org.lowrank4j.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest (set by Maven), with the Java runtime and the BLAS in use. */
public final class Version implements IVersionProvider {

    static String number() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"lowrank4j " + number(), "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
