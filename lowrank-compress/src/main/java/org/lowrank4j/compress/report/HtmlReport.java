package org.lowrank4j.compress.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lowrank4j.compress.CompressionResult;
import org.lowrank4j.compress.SiteResult;
import org.lowrank4j.compress.Spectra;

/**
 * The HTML page written next to a run's JSON: a summary table, the per-site ranks chosen, the normalised
 * spectra per site, and (for sweeps) fidelity against ratio. Self-contained: inline SVG, no scripts.
 */
public final class HtmlReport {
    private final String title;
    private final Map<String, String> summary = new LinkedHashMap<>();
    private final List<String> sections = new ArrayList<>();

    public HtmlReport(String title) {
        this.title = title;
    }

    public HtmlReport summary(String key, String value) {
        summary.put(key, value);
        return this;
    }

    /** Sites table, rank chart and spectra chart of one compression. */
    public HtmlReport compression(CompressionResult result) {
        StringBuilder table = new StringBuilder("<table><tr><th>site</th><th>shape (out×in)</th><th>rank</th><th>kept as</th>"
                + "<th>effective rank</th><th>loss (rel.)</th></tr>\n");
        double[] index = new double[result.sites().size()], ranks = new double[index.length], breakEven = new double[index.length];
        int i = 0;
        for (SiteResult s : result.sites()) {
            int m = s.weight().outFeatures(), n = s.weight().inFeatures();
            table.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d×%d</td><td>%d</td><td>%s</td><td>%.1f</td><td>%.4f</td></tr>%n",
                    SvgChart.escape(s.weight().name()), m, n, s.rank(), s.factorization().describe(), Spectra.effectiveRank(s.spectrum()), s.relativeLoss()));
            index[i] = i;
            ranks[i] = s.rank();
            breakEven[i] = Math.ceil((double) m * n / (m + n));
            i++;
        }
        table.append("</table>\n");
        SvgChart rankChart = new SvgChart("Chosen rank per site (" + result.method() + ", " + result.allocation() + ")", "site (graph order)", "rank", false)
                .lineWithMarkers("chosen rank", index, ranks).line("break-even rank", index, breakEven);
        SvgChart spectra = new SvgChart("Normalised spectra s_i / s_1 of the " + result.method() + " problem", "index i", "s_i / s_1", true);
        int shown = 0;
        for (SiteResult s : result.sites()) {
            if (shown++ >= 10 && s != result.sites().get(result.sites().size() - 1)) {
                continue; // at most ten curves plus the last site, to stay readable
            }
            double[] sp = s.spectrum();
            double[] x = new double[sp.length], y = new double[sp.length];
            for (int k = 0; k < sp.length; k++) {
                x[k] = k;
                y[k] = sp[0] == 0 ? 0 : sp[k] / sp[0];
            }
            spectra.line(s.weight().name(), x, y);
        }
        sections.add("<h2>Ranks</h2>\n" + rankChart.render() + "\n<h2>Spectra</h2>\n" + spectra.render() + "\n<h2>Sites</h2>\n" + table);
        return this;
    }

    /** A free section (e.g. a fidelity-against-ratio chart from a sweep). */
    public HtmlReport section(String heading, String html) {
        sections.add("<h2>" + SvgChart.escape(heading) + "</h2>\n" + html);
        return this;
    }

    public String render() {
        StringBuilder page = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(SvgChart.escape(title)).append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
                        + "td:first-child,th:first-child{text-align:left}</style></head><body>\n<h1>")
                .append(SvgChart.escape(title)).append("</h1>\n<table>\n");
        summary.forEach((k, v) -> page.append("<tr><td>").append(SvgChart.escape(k)).append("</td><td>").append(SvgChart.escape(v)).append("</td></tr>\n"));
        page.append("</table>\n");
        sections.forEach(page::append);
        return page.append("</body></html>\n").toString();
    }
}
