package org.lowrank4j.compress.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small dependency-free SVG line chart: several named series of (x, y) points, linear x, linear or log y,
 * axes with ticks and a legend. Enough for spectra, rank profiles and fidelity curves in reports.
 */
public final class SvgChart {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
    private static final int WIDTH = 640, HEIGHT = 360, LEFT = 64, RIGHT = 160, TOP = 36, BOTTOM = 48;

    private final String title, xLabel, yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();

    private record Series(String name, double[] x, double[] y, boolean markers) {
    }

    public SvgChart(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    public SvgChart line(String name, double[] x, double[] y) {
        series.add(new Series(name, x.clone(), y.clone(), false));
        return this;
    }

    public SvgChart lineWithMarkers(String name, double[] x, double[] y) {
        series.add(new Series(name, x.clone(), y.clone(), true));
        return this;
    }

    public String render() {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY, yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                double y = transform(s.y[i]);
                if (!Double.isFinite(y)) {
                    continue;
                }
                xMin = Math.min(xMin, s.x[i]);
                xMax = Math.max(xMax, s.x[i]);
                yMin = Math.min(yMin, y);
                yMax = Math.max(yMax, y);
            }
        }
        if (!Double.isFinite(xMin)) {
            xMin = 0;
            xMax = 1;
            yMin = 0;
            yMax = 1;
        }
        double minSpan = Math.max(1e-9, 0.02 * Math.max(Math.abs(xMin), Math.abs(xMax)));
        if (xMax - xMin < minSpan) {
            double mid = 0.5 * (xMin + xMax);
            xMin = mid - minSpan;
            xMax = mid + minSpan;
        }
        if (yMax == yMin) {
            yMax = yMin + 1;
        }
        double pad = 0.04 * (yMax - yMin);
        yMin -= pad;
        yMax += pad;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        int plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n", LEFT, TOP, plotW, plotH));
        for (int t = 0; t <= 4; t++) {
            double fx = xMin + t * (xMax - xMin) / 4, fy = yMin + t * (yMax - yMin) / 4;
            double px = LEFT + t * plotW / 4.0, py = TOP + plotH - t * plotH / 4.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, TOP + plotH + 16, number(fx)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, py + 4, number(logY ? Math.pow(10, fy) : fy)));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, LEFT + plotW, py, py));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + plotW / 2.0, HEIGHT - 10, escape(xLabel)));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(14,%.1f) rotate(-90)\" text-anchor=\"middle\">%s%s</text>%n", TOP + plotH / 2.0, escape(yLabel), logY ? " (log)" : ""));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String color = COLORS[k % COLORS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.x.length; i++) {
                double y = transform(s.y[i]);
                if (!Double.isFinite(y)) {
                    continue;
                }
                double px = LEFT + (s.x[i] - xMin) / (xMax - xMin) * plotW, py = TOP + plotH - (y - yMin) / (yMax - yMin) * plotH;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                if (s.markers) {
                    svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", px, py, color));
                }
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n", color, points.toString().trim()));
            int ly = TOP + 12 + 16 * k;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n", WIDTH - RIGHT + 10, WIDTH - RIGHT + 28, ly - 4, ly - 4, color));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", WIDTH - RIGHT + 32, ly, escape(shorten(s.name))));
        }
        return svg.append("</svg>\n").toString();
    }

    private double transform(double y) {
        return logY ? (y > 0 ? Math.log10(y) : Double.NaN) : y;
    }

    private static String number(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.1e", v);
        }
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : "%.3g", v);
    }

    private static String shorten(String s) {
        return s.length() > 22 ? s.substring(0, 21) + "…" : s;
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
