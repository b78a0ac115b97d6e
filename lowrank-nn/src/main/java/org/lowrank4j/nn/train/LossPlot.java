package org.lowrank4j.nn.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.lowrank4j.formats.io.AtomicFiles;

/** The loss curve of a {@link TrainingLog} drawn as a PNG: training loss, and validation loss where the log has it. */
public final class LossPlot {
    private static final int WIDTH = 800, HEIGHT = 480, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 50;


    private LossPlot() {
    }

    /** Draws the log and writes the PNG to {@code out} atomically. */
    public static void write(TrainingLog log, String title, Path out) throws IOException {
        requirePng(out);
        BufferedImage image = draw(log, title);
        AtomicFiles.write(out, stream -> ImageIO.write(image, "png", stream));
    }

    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44),
        new Color(148, 103, 189), new Color(255, 127, 14), new Color(140, 86, 75)};

    /**
     * Several runs in one PNG (written atomically): each run's training loss as a thin line and its validation loss as
     * a thick line with points, one colour a run, labelled by the map's keys (in order).
     */
    public static void write(java.util.Map<String, TrainingLog> runs, String title, Path out) throws IOException {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("a loss plot needs at least one log");
        }
        requirePng(out);
        List<List<double[]>> all = new java.util.ArrayList<>();
        double xMax = 0;
        for (TrainingLog log : runs.values()) {
            all.add(log.training());
            all.add(log.validation());
            xMax = Math.max(xMax, lastStep(log));
        }
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        double[] range = frame(g, all, xMax, title);
        int plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM, row = 0;
        for (java.util.Map.Entry<String, TrainingLog> run : runs.entrySet()) {
            Color color = PALETTE[row % PALETTE.length];
            Color light = new Color((color.getRed() + 2 * 255) / 3, (color.getGreen() + 2 * 255) / 3, (color.getBlue() + 2 * 255) / 3);
            plot(g, run.getValue().training(), light, xMax, range[0], range[1], plotW, plotH);
            plot(g, run.getValue().validation(), color, xMax, range[0], range[1], plotW, plotH);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(color);
            g.drawString(run.getKey() + " (validation; light: training)", LEFT + plotW - 260, TOP + 20 + 18 * row++);
        }
        g.dispose();
        AtomicFiles.write(out, stream -> ImageIO.write(image, "png", stream));
    }

    /** White background, grid, axes and title; returns the y range {min, max}. */
    private static double[] frame(Graphics2D g, List<List<double[]>> series, double xMax, String title) {
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (List<double[]> s : series) {
            for (double[] p : s) {
                yMin = Math.min(yMin, p[1]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        yMin = Math.floor(yMin * 2) / 2;
        yMax = Math.ceil(yMax * 2) / 2;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
        g.setColor(new Color(220, 220, 220));
        for (int t = 0; t <= 5; t++) {
            int y = TOP + plotH - t * plotH / 5;
            g.drawLine(LEFT, y, LEFT + plotW, y);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(LEFT, TOP, plotW, plotH);
        for (int t = 0; t <= 5; t++) {
            int y = TOP + plotH - t * plotH / 5;
            g.drawString(String.format(Locale.ROOT, "%.2f", yMin + t * (yMax - yMin) / 5), 20, y + 4);
            int x = LEFT + t * plotW / 5;
            g.drawString(String.format(Locale.ROOT, "%.0f", t * xMax / 5), x - 10, TOP + plotH + 18);
        }
        g.drawString("step", LEFT + plotW / 2 - 10, HEIGHT - 12);
        g.drawString("loss (nats per byte token)", LEFT, TOP - 8);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT + 180, 22);
        return new double[] {yMin, yMax};
    }

    private static BufferedImage draw(TrainingLog log, String title) {
        List<double[]> train = log.training(), validation = log.validation();
        double xMax = lastStep(log);
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        double[] range = frame(g, List.of(train, validation), xMax, title);
        double yMin = range[0], yMax = range[1];
        int plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
        plot(g, train, new Color(31, 119, 180), xMax, yMin, yMax, plotW, plotH);
        plot(g, validation, new Color(214, 39, 40), xMax, yMin, yMax, plotW, plotH);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(31, 119, 180));
        g.drawString("training loss", LEFT + plotW - 140, TOP + 20);
        g.setColor(new Color(214, 39, 40));
        g.drawString("validation loss", LEFT + plotW - 140, TOP + 38);
        g.dispose();
        return image;
    }

    /** The plot is PNG data: a file named otherwise (.pdf, .svg) would hold what its name does not say. */
    public static void requirePng(Path out) {
        Path name = out.getFileName();
        if (name == null || !name.toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("--out " + out + " must end in .png (the plot is written as PNG)");
        }
    }

    /** The last step that has a point in either series (a validation row may come after the last training row). */
    private static double lastStep(TrainingLog log) {
        double last = log.training().get(log.training().size() - 1)[0];
        return log.validation().isEmpty() ? last : Math.max(last, log.validation().get(log.validation().size() - 1)[0]);
    }

    private static void plot(Graphics2D g, List<double[]> points, Color color, double xMax, double yMin, double yMax, int plotW, int plotH) {
        g.setColor(color);
        g.setStroke(new BasicStroke(points.size() < 30 ? 2f : 1.2f));
        int[] previous = null;
        for (double[] p : points) {
            int x = LEFT + (int) Math.round(p[0] / xMax * plotW);
            int y = TOP + plotH - (int) Math.round((p[1] - yMin) / (yMax - yMin) * plotH);
            if (previous != null) {
                g.drawLine(previous[0], previous[1], x, y);
            }
            if (points.size() < 30) {
                g.fillOval(x - 3, y - 3, 6, 6);
            }
            previous = new int[] {x, y};
        }
    }
}
