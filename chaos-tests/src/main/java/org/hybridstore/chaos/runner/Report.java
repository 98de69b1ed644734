package org.hybridstore.chaos.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.OpType;
import org.hybridstore.chaos.history.Operation;
import org.hybridstore.chaos.workload.OrderWorkload;
import org.jspecify.annotations.Nullable;

/**
 * The run's {@code report.html}: one self-contained page (inline SVG, no scripts, no downloads)
 * with the verdict, a timeline of every node's mode with the fault windows, write latency and
 * throughput over time with the fault windows shaded, the convergence-window table, and each
 * checker's result.
 */
final class Report {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int WIDTH = 1000;
  private static final int LEFT = 60;
  // "STRONG, folding": STRONG with a non-empty backlog, the reconcile that follows a degraded spell
  // (decision 66: it is work done while STRONG, not a mode of its own).
  private static final String FOLDING = "STRONG, folding";
  private static final Map<String, String> MODE_COLOURS =
      Map.of("STRONG", "#2e7d32", "DEGRADED", "#c62828", FOLDING, "#f9a825", "DOWN", "#616161");

  static void write(
      Path file,
      RunResult r,
      History history,
      List<FaultWindow> windows,
      List<ModeSampler.Sample> modes,
      @Nullable String dashboardUrl)
      throws IOException {
    long endMillis = 1;
    long first = Long.MAX_VALUE;
    for (Operation o : history.operations()) {
      first = Math.min(first, o.invocation().timeNanos() / 1_000_000);
      if (o.completion() != null) {
        endMillis = Math.max(endMillis, o.completion().timeNanos() / 1_000_000);
      }
    }
    for (ModeSampler.Sample s : modes) {
      endMillis = Math.max(endMillis, s.millis());
    }
    Report plot = new Report(first == Long.MAX_VALUE ? 0 : Math.max(0, first - 1_000));
    StringBuilder b = new StringBuilder();
    String verdict = r.check().validity().name().toLowerCase(Locale.ROOT);
    b.append("<!doctype html><html><head><meta charset='utf-8'><title>")
        .append(esc(r.config().name()))
        .append(
            "</title><style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;"
                + "margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}"
                + "td:first-child,th:first-child{text-align:left}.valid{color:#2e7d32}.invalid{color:#c62828}"
                + ".unknown{color:#ef6c00}pre{background:#f6f6f6;padding:8px;max-height:400px;overflow:auto;font-size:12px}"
                + "</style></head><body>");
    b.append("<h1>")
        .append(esc(r.config().name()))
        .append(" &mdash; <span class='")
        .append(verdict)
        .append("'>")
        .append(verdict)
        .append("</span></h1>");
    b.append("<p>")
        .append(r.config().nodes())
        .append(" hosts (")
        .append(r.namespaces() ? "network namespaces" : "loopback, process faults only")
        .append("), etcd ")
        .append(esc(r.etcdFlags()))
        .append(", ")
        .append(r.config().timeLimitSeconds())
        .append(" s at ")
        .append(r.config().rate())
        .append(" ops/s, ")
        .append(r.config().concurrency())
        .append(" clients, seed ")
        .append(r.config().seed())
        .append(". Files: <a href='history.jsonl'>history.jsonl</a>, ")
        .append(
            "<a href='history.edn'>history.edn</a>, <a href='results.json'>results.json</a>.</p>");
    if (dashboardUrl != null) {
      b.append("<p>Live dashboard of the nodes (while the run lasted): <a href='")
          .append(esc(dashboardUrl))
          .append("'>")
          .append(esc(dashboardUrl))
          .append("</a></p>");
    }

    b.append("<h2>Modes and faults</h2>").append(plot.timeline(modes, windows, endMillis));
    b.append("<h2>Write latency and throughput</h2>")
        .append(plot.latency(history, windows, endMillis));
    b.append("<h2>Figures</h2>").append(figures(r.figures()));
    b.append("<h2>Checks</h2><table><tr><th>checker</th><th>verdict</th></tr>");
    r.check()
        .details()
        .forEach(
            (name, res) -> {
              String v = Summary.verdictOf(res);
              b.append("<tr><td>")
                  .append(esc(name))
                  .append("</td><td class='")
                  .append(v)
                  .append("'>")
                  .append(v)
                  .append("</td></tr>");
            });
    b.append("</table>");
    r.check()
        .details()
        .forEach(
            (name, res) -> {
              b.append("<h3>").append(esc(name)).append("</h3><pre>");
              try {
                Object details = res instanceof CheckResult c ? c.details() : res;
                b.append(esc(JSON.writeValueAsString(details)));
              } catch (IOException e) {
                b.append(esc(String.valueOf(res)));
              }
              b.append("</pre>");
            });
    b.append("</body></html>");
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }

  /** Where the plots start: a second before the first client operation (setup is not plotted). */
  private final long originMillis;

  private Report(long originMillis) {
    this.originMillis = originMillis;
  }

  private double x(long millis, long endMillis) {
    return LEFT
        + (WIDTH - LEFT - 10)
            * (double) Math.max(0, millis - originMillis)
            / Math.max(1, endMillis - originMillis);
  }

  private String shading(List<FaultWindow> windows, long endMillis, int height) {
    StringBuilder b = new StringBuilder();
    for (FaultWindow w : windows) {
      long end = w.endNanos < 0 ? endMillis : w.endNanos / 1_000_000;
      double x0 = x(w.startNanos / 1_000_000, endMillis);
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x='%.1f' y='0' width='%.1f' height='%d' fill='#90a4ae' opacity='0.25'>"
                  + "<title>%s</title></rect>",
              x0,
              Math.max(1, x(end, endMillis) - x0),
              height,
              esc(w.description)));
    }
    return b.toString();
  }

  private String timeline(
      List<ModeSampler.Sample> modes, List<FaultWindow> windows, long endMillis) {
    List<String> nodes = modes.stream().map(ModeSampler.Sample::node).distinct().sorted().toList();
    int rowH = 26;
    int height = nodes.size() * rowH + 40;
    StringBuilder b =
        new StringBuilder(
            String.format(Locale.ROOT, "<svg width='%d' height='%d'>", WIDTH, height));
    b.append(shading(windows, endMillis, nodes.size() * rowH));
    for (int i = 0; i < nodes.size(); i++) {
      String node = nodes.get(i);
      int y = i * rowH + 3;
      b.append(
          String.format(
              Locale.ROOT, "<text x='4' y='%d' font-size='13'>%s</text>", y + 15, esc(node)));
      List<ModeSampler.Sample> own = modes.stream().filter(s -> s.node().equals(node)).toList();
      for (int k = 0; k < own.size(); k++) {
        ModeSampler.Sample s = own.get(k);
        long until = k + 1 < own.size() ? own.get(k + 1).millis() : endMillis;
        double x0 = x(s.millis(), endMillis);
        b.append(
            String.format(
                Locale.ROOT,
                "<rect x='%.1f' y='%d' width='%.1f' height='18' fill='%s'><title>%s %s epoch %d"
                    + " backlog %d at %d ms</title></rect>",
                x0,
                y,
                Math.max(0.5, x(until, endMillis) - x0),
                MODE_COLOURS.getOrDefault(
                    s.mode().equals("STRONG") && s.backlog() > 0 ? FOLDING : s.mode(), "#999"),
                esc(node),
                s.mode(),
                s.epoch(),
                s.backlog(),
                s.millis()));
      }
    }
    int legendY = nodes.size() * rowH + 20;
    int lx = LEFT;
    for (String mode : List.of("STRONG", FOLDING, "DEGRADED", "DOWN")) {
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x='%d' y='%d' width='12' height='12' fill='%s'/><text x='%d' y='%d' "
                  + "font-size='12'>%s</text>",
              lx,
              legendY,
              MODE_COLOURS.get(mode),
              lx + 16,
              legendY + 11,
              mode));
      lx += 120;
    }
    b.append(
        String.format(
            Locale.ROOT,
            "<rect x='%d' y='%d' width='12' height='12' fill='#90a4ae' opacity='0.4'/>"
                + "<text x='%d' y='%d' font-size='12'>fault window</text>",
            lx,
            legendY,
            lx + 16,
            legendY + 11));
    b.append(axis(endMillis, nodes.size() * rowH)).append("</svg>");
    return b.toString();
  }

  private String axis(long endMillis, int y) {
    StringBuilder b = new StringBuilder();
    long step = Math.max(1_000, ((endMillis - originMillis) / 10 / 1_000) * 1_000);
    for (long t = originMillis - originMillis % 1_000; t <= endMillis; t += step) {
      if (t >= originMillis) {
        b.append(
            String.format(
                Locale.ROOT,
                "<text x='%.1f' y='%d' font-size='10' fill='#555'>%ds</text>",
                x(t, endMillis),
                y + 12,
                t / 1_000));
      }
    }
    return b.toString();
  }

  private String latency(History history, List<FaultWindow> windows, long endMillis) {
    int plotH = 220;
    List<double[]> strong = new ArrayList<>();
    List<double[]> provisional = new ArrayList<>();
    List<double[]> failed = new ArrayList<>();
    double maxLatency = 10;
    long[] perSecond = new long[(int) (endMillis / 1_000) + 2];
    for (Operation o : history.operations()) {
      var c = o.completion();
      String f = o.invocation().f();
      if (c == null || !(f.equals("put") || f.equals("add") || f.equals("transition"))) {
        continue;
      }
      long at = o.invocation().timeNanos() / 1_000_000;
      double ms = (c.timeNanos() - o.invocation().timeNanos()) / 1e6;
      maxLatency = Math.max(maxLatency, ms);
      if (c.type() == OpType.OK) {
        (OrderWorkload.provisional(c) ? provisional : strong).add(new double[] {at, ms});
        perSecond[(int) (c.timeNanos() / 1_000_000_000L)]++;
      } else {
        failed.add(new double[] {at, ms});
      }
    }
    double logMax = Math.log10(maxLatency + 1);
    StringBuilder b =
        new StringBuilder(
            String.format(Locale.ROOT, "<svg width='%d' height='%d'>", WIDTH, plotH * 2 + 60));
    b.append(shading(windows, endMillis, plotH));
    for (double ms : new double[] {1, 10, 100, 1_000, 10_000}) {
      if (ms <= maxLatency * 1.5) {
        double y = plotH - plotH * Math.log10(ms + 1) / logMax;
        b.append(
            String.format(
                Locale.ROOT,
                "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/><text x='4' y='%.1f' "
                    + "font-size='10'>%.0f ms</text>",
                LEFT,
                WIDTH,
                y,
                y,
                y + 3,
                ms));
      }
    }
    dots(b, strong, "#2e7d32", endMillis, plotH, logMax);
    dots(b, provisional, "#f9a825", endMillis, plotH, logMax);
    dots(b, failed, "#c62828", endMillis, plotH, logMax);
    b.append(axis(endMillis, plotH));
    int top = plotH + 30;
    b.append("<g transform='translate(0,")
        .append(top)
        .append(")'>")
        .append(shading(windows, endMillis, plotH));
    long maxRate = 1;
    for (long v : perSecond) {
      maxRate = Math.max(maxRate, v);
    }
    StringBuilder line = new StringBuilder();
    for (int s = 0; s < perSecond.length; s++) {
      line.append(
          String.format(
              Locale.ROOT,
              "%.1f,%.1f ",
              x(s * 1_000L, endMillis),
              plotH - plotH * (double) perSecond[s] / maxRate));
    }
    b.append("<polyline fill='none' stroke='#1565c0' stroke-width='1.5' points='")
        .append(line)
        .append("'/>");
    b.append(
        String.format(
            Locale.ROOT,
            "<text x='4' y='12' font-size='10'>%d/s</text><text x='4' y='%d' font-size='10'>0</text>",
            maxRate,
            plotH));
    b.append(axis(endMillis, plotH)).append("</g></svg>");
    b.append(
        "<p>Top: latency of each write (log scale) at its invocation time; green STRONG, amber PROVISIONAL, "
            + "red failed or unknown. Bottom: acknowledged writes per second. Grey: fault windows.</p>");
    return b.toString();
  }

  private void dots(
      StringBuilder b,
      List<double[]> points,
      String colour,
      long endMillis,
      int plotH,
      double logMax) {
    for (double[] p : points) {
      b.append(
          String.format(
              Locale.ROOT,
              "<circle cx='%.1f' cy='%.1f' r='1.5' fill='%s'/>",
              x((long) p[0], endMillis),
              plotH - plotH * Math.log10(p[1] + 1) / logMax,
              colour));
    }
  }

  @SuppressWarnings("unchecked")
  private static String figures(Map<String, Object> f) {
    StringBuilder b = new StringBuilder();
    Map<String, Object> overall =
        (Map<String, Object>) Objects.requireNonNull(f.get("overall"), "overall");
    b.append("<table><tr><th>writes</th>");
    overall.keySet().forEach(k -> b.append("<th>").append(esc(k)).append("</th>"));
    b.append("</tr><tr><td>whole run</td>");
    overall.values().forEach(v -> b.append("<td>").append(esc(String.valueOf(v))).append("</td>"));
    b.append("</tr></table>");
    b.append(
        "<table><tr><th>quantity (ms)</th><th>count</th><th>min</th><th>median</th><th>p95</th><th>p99</th><th>max</th></tr>");
    Map<String, Object> rows = new LinkedHashMap<>();
    rows.put(
        "convergence window (heal to all STRONG, settled, replicas equal to etcd; windows with a degraded node)",
        f.get("convergenceMillis"));
    rows.put(
        "convergence after etcd served again (the window minus heal to etcd's first linearizable read)",
        f.get("convergenceAfterEtcdServesMillis"));
    rows.put(
        "replication lag (provisional create to readable on a reachable peer)",
        f.get("replicationLagMillis"));
    rows.put("failover detection (fault to first provisional ack)", f.get("failoverMillis"));
    if (f.get("confirmationMillis") instanceof Map<?, ?> confirmation
        && confirmation.get("all") != null) {
      rows.put(
          "provisional ack to in etcd (first shown by a node's change feed, then confirmed)",
          confirmation.get("all"));
    }
    Map<String, Object> lat =
        (Map<String, Object>) Objects.requireNonNull(f.get("latencyMillis"), "latencyMillis");
    rows.put("write latency, STRONG", lat.get("STRONG"));
    rows.put("write latency, PROVISIONAL", lat.get("PROVISIONAL"));
    rows.forEach(
        (name, q) -> {
          Map<String, Object> m = (Map<String, Object>) q;
          b.append("<tr><td>").append(esc(name)).append("</td>");
          for (String k : List.of("count", "min", "median", "p95", "p99", "max")) {
            b.append("<td>").append(m.containsKey(k) ? m.get(k) : "&ndash;").append("</td>");
          }
          b.append("</tr>");
        });
    b.append(
        "</table><table><tr><th>fault</th><th>attempted</th><th>strong</th><th>provisional</th><th>rejected</th><th>failed</th>"
            + "<th>unknown</th><th>acked %</th><th>failover ms by node</th><th>convergence ms</th>"
            + "<th>etcd serves ms</th></tr>");
    for (Map<String, Object> w :
        (List<Map<String, Object>>) Objects.requireNonNull(f.get("windows"))) {
      Map<String, Object> c = (Map<String, Object>) Objects.requireNonNull(w.get("writes"));
      b.append("<tr><td>").append(esc(String.valueOf(w.get("fault")))).append("</td>");
      for (String k :
          List.of(
              "attempted",
              "ackStrong",
              "ackProvisional",
              "rejected",
              "failed",
              "unknown",
              "acknowledgedPercent")) {
        b.append("<td>").append(c.get(k)).append("</td>");
      }
      Object convergence =
          w.get("failure") != null
              ? "<b>failed</b>: " + esc(String.valueOf(w.get("failure")))
              : Boolean.TRUE.equals(w.get("degraded"))
                  ? w.get("convergenceMillis")
                  : w.get("convergenceMillis") + " (no node left STRONG)";
      b.append("<td>")
          .append(esc(String.valueOf(w.get("failoverMillisByNode"))))
          .append("</td><td>")
          .append(convergence)
          .append("</td><td>")
          .append(w.get("etcdServesMillis"))
          .append("</td></tr>");
    }
    b.append("</table>");
    b.append(
        "<table><tr><th>fault</th><th>node</th><th>acked STRONG</th><th>acked PROVISIONAL</th><th>STRONG %</th>"
            + "<th>not STRONG (ms)</th><th>mode changes</th></tr>");
    for (Map<String, Object> w :
        (List<Map<String, Object>>) Objects.requireNonNull(f.get("windows"))) {
      Map<String, Map<String, Object>> byNode =
          (Map<String, Map<String, Object>>) w.getOrDefault("byNode", Map.of());
      for (Map.Entry<String, Map<String, Object>> e : byNode.entrySet()) {
        Map<String, Object> m = e.getValue();
        b.append("<tr><td>")
            .append(esc(String.valueOf(w.get("nemesis"))))
            .append("</td><td>")
            .append(esc(e.getKey()))
            .append("</td><td>")
            .append(m.get("ackStrong"))
            .append("</td><td>")
            .append(m.get("ackProvisional"))
            .append("</td><td>")
            .append(m.get("strongPercent") == null ? "&ndash;" : m.get("strongPercent"))
            .append("</td><td>")
            .append(m.get("notStrongMillis"))
            .append("</td><td>")
            .append(m.get("transitions"))
            .append("</td></tr>");
      }
    }
    b.append("</table><p>Mode changes outside fault windows: ")
        .append(f.get("transitionsOutsideFaults"))
        .append("</p>");
    return b.toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
