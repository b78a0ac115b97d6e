package org.lowrank4j.compress.allocation;

/**
 * What an allocator knows of a site: its shape (m out, n in) and the method's spectrum, whose squared tail
 * {@code Σ_{i≥r} s_i²} is the loss of keeping rank r.
 */
public record SiteSpectrum(String name, String role, int m, int n, double[] spectrum) {

    public SiteSpectrum {
        if (m < 1 || n < 1) {
            throw new IllegalArgumentException("site " + name + " has an empty shape " + m + "x" + n);
        }
    }

    public long denseParameters() {
        return (long) m * n;
    }

    /** Σ_{i≥r} s_i². */
    public double tailEnergy(int rank) {
        double sum = 0;
        for (int i = spectrum.length - 1; i >= rank; i--) {
            sum += spectrum[i] * spectrum[i];
        }
        return sum;
    }

    public double totalEnergy() {
        return tailEnergy(0);
    }
}
