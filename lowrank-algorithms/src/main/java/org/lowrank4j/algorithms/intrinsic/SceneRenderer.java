package org.lowrank4j.algorithms.intrinsic;

import java.util.Random;

/**
 * Seeded synthetic scenes with known albedo and shading (the spec's data section): a Mondrian-like albedo of random
 * polygons and stripes, some with a fine multiplicative texture; Lambertian shading {@code S = k·(Σ_l e_l·max(0, n·l) + ambient)}
 * of a random smooth height field under one or two directional lights, optionally with a soft cast-shadow band that
 * dims the direct light; then {@code I = A ⊙ S}, clipped, sRGB-encoded and rounded to 8 bits. The same seed and size
 * always give the same scene.
 */
public final class SceneRenderer {
    /**
     * The largest scene side, a multiple of 8, whose RGB raster (side² × 3 values) still fits one Java array
     * (at most {@code Integer.MAX_VALUE - 8} elements).
     */
    public static final int MAX_SIDE = (int) Math.sqrt((Integer.MAX_VALUE - 8) / 3.0) / 8 * 8;

    private final int height, width;

    public SceneRenderer(int height, int width) {
        if (height < 8 || width < 8) {
            throw new IllegalArgumentException("scenes need at least 8x8 pixels, got " + height + "x" + width);
        }
        if (height > MAX_SIDE || width > MAX_SIDE) {
            throw new IllegalArgumentException("scenes can be at most " + MAX_SIDE + "x" + MAX_SIDE + " pixels (one array per image), got " + height + "x" + width);
        }
        this.height = height;
        this.width = width;
    }

    public Scene render(long seed) {
        Random random = new Random(seed * 0x9E3779B97F4A7C15L + 17);
        Raster albedo = albedo(random);
        Raster shading = shading(random);
        double[] image = new double[albedo.values().length];
        for (int p = 0; p < height * width; p++) {
            for (int c = 0; c < 3; c++) {
                image[p * 3 + c] = albedo.values()[p * 3 + c] * shading.values()[p];
            }
        }
        return new Scene(seed, Srgb.quantized(new Raster(height, width, 3, image)), albedo, shading);
    }

    private Raster albedo(Random random) {
        double[] a = new double[height * width * 3];
        double[] background = colour(random);
        for (int p = 0; p < height * width; p++) {
            System.arraycopy(background, 0, a, p * 3, 3);
        }
        int shapes = 6 + random.nextInt(9);
        int size = Math.min(height, width);
        for (int s = 0; s < shapes; s++) {
            double[] colour = colour(random);
            boolean stripe = random.nextDouble() < 0.35;
            double[] px = null, py = null;
            double nx = 0, ny = 0, offset = 0, halfWidth = 0;
            if (stripe) {
                double angle = random.nextDouble() * Math.PI;
                nx = Math.cos(angle);
                ny = Math.sin(angle);
                offset = random.nextDouble() * (width * Math.abs(nx) + height * Math.abs(ny));
                halfWidth = size * (0.02 + 0.08 * random.nextDouble());
            } else {
                int corners = 3 + random.nextInt(5);
                double cx = random.nextDouble() * width, cy = random.nextDouble() * height, radius = size * (0.1 + 0.25 * random.nextDouble());
                double[] angles = new double[corners];
                for (int k = 0; k < corners; k++) {
                    angles[k] = random.nextDouble() * 2 * Math.PI;
                }
                java.util.Arrays.sort(angles);
                px = new double[corners];
                py = new double[corners];
                for (int k = 0; k < corners; k++) {
                    double r = radius * (0.6 + 0.4 * random.nextDouble());
                    px[k] = cx + r * Math.cos(angles[k]);
                    py[k] = cy + r * Math.sin(angles[k]);
                }
            }
            boolean textured = random.nextDouble() < 0.4;
            double amplitude = 0.05 + 0.15 * random.nextDouble(), period = 3 + 5 * random.nextDouble(), tangle = random.nextDouble() * Math.PI;
            double fx = Math.cos(tangle) / period, fy = Math.sin(tangle) / period;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    boolean inside = stripe
                            ? Math.abs((x + 0.5) * Math.abs(nx) + (y + 0.5) * Math.abs(ny) - offset) < halfWidth
                            : insidePolygon(px, py, x + 0.5, y + 0.5);
                    if (!inside) {
                        continue;
                    }
                    double texture = textured ? 1 + amplitude * Math.sin(2 * Math.PI * (fx * x + fy * y)) : 1;
                    for (int c = 0; c < 3; c++) {
                        a[(y * width + x) * 3 + c] = Math.min(1, Math.max(0.02, colour[c] * texture));
                    }
                }
            }
        }
        return new Raster(height, width, 3, a);
    }

    /** A random linear RGB colour: value 0.1–0.95, hue anywhere, saturation 0–0.9. */
    private static double[] colour(Random random) {
        double value = 0.1 + 0.85 * random.nextDouble(), saturation = 0.9 * random.nextDouble(), hue = random.nextDouble() * 6;
        double[] rgb = new double[3];
        for (int c = 0; c < 3; c++) {
            double d = Math.abs(((hue + 2 * c) % 6) - 3);          // 0 … 3
            double pure = Math.min(1, Math.max(0, d - 1));          // a hue wheel channel
            rgb[c] = value * (1 - saturation + saturation * pure);
        }
        return rgb;
    }

    private static boolean insidePolygon(double[] px, double[] py, double x, double y) {
        boolean inside = false;
        for (int i = 0, j = px.length - 1; i < px.length; j = i++) {
            if ((py[i] > y) != (py[j] > y) && x < (px[j] - px[i]) * (y - py[i]) / (py[j] - py[i]) + px[i]) {
                inside = !inside;
            }
        }
        return inside;
    }

    private Raster shading(Random random) {
        int size = Math.min(height, width);
        double[] z = new double[height * width];
        int bumps = 3 + random.nextInt(6);
        for (int b = 0; b < bumps; b++) {
            double cx = random.nextDouble() * width, cy = random.nextDouble() * height;
            double sigma = size * (0.08 + 0.25 * random.nextDouble()), amplitude = size * (0.1 + 0.4 * random.nextDouble()) * (random.nextBoolean() ? 1 : -1);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double dx = x - cx, dy = y - cy;
                    z[y * width + x] += amplitude * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                }
            }
        }
        double waveAmplitude = size * 0.05 * random.nextDouble(), wx = random.nextGaussian() * 2 * Math.PI / size, wy = random.nextGaussian() * 2 * Math.PI / size;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                z[y * width + x] += waveAmplitude * Math.sin(wx * x + wy * y);
            }
        }
        int lights = 1 + random.nextInt(2);
        double[][] directions = new double[lights][];
        double[] strengths = new double[lights];
        for (int l = 0; l < lights; l++) {
            double azimuth = random.nextDouble() * 2 * Math.PI, elevation = Math.toRadians(25 + 50 * random.nextDouble());
            directions[l] = new double[] {Math.cos(elevation) * Math.cos(azimuth), Math.cos(elevation) * Math.sin(azimuth), Math.sin(elevation)};
            strengths[l] = l == 0 ? 1 : 0.2 + 0.3 * random.nextDouble();
        }
        double ambient = 0.05 + 0.2 * random.nextDouble(), gain = 0.7 + 0.8 * random.nextDouble();
        double[] shadow = shadowBand(random);
        double[] s = new double[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                double gx = (z[y * width + Math.min(width - 1, x + 1)] - z[y * width + Math.max(0, x - 1)]) / 2;
                double gy = (z[Math.min(height - 1, y + 1) * width + x] - z[Math.max(0, y - 1) * width + x]) / 2;
                double norm = Math.sqrt(gx * gx + gy * gy + 1);
                double direct = 0;
                for (int l = 0; l < lights; l++) {
                    double[] d = directions[l];
                    direct += strengths[l] * Math.max(0, (-gx * d[0] - gy * d[1] + d[2]) / norm);
                }
                s[p] = gain * (direct * shadow[p] + ambient);
            }
        }
        return new Raster(height, width, 1, s);
    }

    /** The factor on direct light: 1, or (with probability ½) a soft band dimmed to 0.15–0.4. */
    private double[] shadowBand(Random random) {
        double[] factor = new double[height * width];
        java.util.Arrays.fill(factor, 1);
        if (random.nextDouble() < 0.5) {
            return factor;
        }
        double angle = random.nextDouble() * Math.PI, nx = Math.cos(angle), ny = Math.sin(angle);
        double cx = random.nextDouble() * width, cy = random.nextDouble() * height;
        double halfWidth = Math.min(height, width) * (0.05 + 0.12 * random.nextDouble()), softness = 1 + 3 * random.nextDouble();
        double darkness = 0.15 + 0.25 * random.nextDouble();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double distance = Math.abs((x - cx) * nx + (y - cy) * ny);
                double t = Math.min(1, Math.max(0, (distance - halfWidth) / softness + 0.5)); // 0 inside, 1 outside
                double smooth = t * t * (3 - 2 * t);
                factor[y * width + x] = darkness + (1 - darkness) * smooth;
            }
        }
        return factor;
    }
}
