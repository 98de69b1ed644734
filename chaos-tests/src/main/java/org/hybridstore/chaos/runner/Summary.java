package org.hybridstore.chaos.runner;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/** The table printed at the end of a run. */
final class Summary {
  private Summary() {}

  @SuppressWarnings("unchecked")
  static void print(RunResult r, PrintStream out) {
    Map<String, Object> f = r.figures();
    Map<String, Object> overall =
        (Map<String, Object>) Objects.requireNonNull(f.get("overall"), "overall");
    out.println();
    out.println(
        "=== "
            + r.config().name()
            + " ("
            + r.etcdFlags()
            + ", "
            + (r.namespaces() ? "namespaces" : "loopback")
            + ")");
    out.printf(
        "writes: attempted %s, acknowledged strong %s, provisional %s, rejected %s, failed %s, unknown %s"
            + " (%s%% of the not-rejected acknowledged)%n",
        overall.get("attempted"),
        overall.get("ackStrong"),
        overall.get("ackProvisional"),
        overall.get("rejected"),
        overall.get("failed"),
        overall.get("unknown"),
        overall.get("acknowledgedPercent"));
    out.println("fault windows:");
    out.printf(
        "  %-24s %-34s %9s %6s %6s %6s %6s %6s %12s %8s%n",
        "nemesis",
        "fault",
        "attempted",
        "strong",
        "prov",
        "rej",
        "fail",
        "info",
        "converge ms",
        "etcd ms");
    for (Map<String, Object> w :
        (List<Map<String, Object>>) Objects.requireNonNull(f.get("windows"))) {
      Map<String, Object> c = (Map<String, Object>) Objects.requireNonNull(w.get("writes"));
      String convergence =
          w.get("failure") != null
              ? (String.valueOf(w.get("failure")).startsWith("cut short") ? "cut short" : "FAILED")
              : w.get("convergenceMillis")
                  + (Boolean.TRUE.equals(w.get("degraded")) ? "" : " (strong)");
      out.printf(
          "  %-24s %-34s %9s %6s %6s %6s %6s %6s %12s %8s%n",
          w.get("nemesis"),
          trim(String.valueOf(w.get("fault")), 34),
          c.get("attempted"),
          c.get("ackStrong"),
          c.get("ackProvisional"),
          c.get("rejected"),
          c.get("failed"),
          c.get("unknown"),
          convergence,
          w.get("etcdServesMillis"));
    }
    out.println(
        "per node in each window (share of acknowledged writes STRONG, time not STRONG, mode changes):");
    for (Map<String, Object> w :
        (List<Map<String, Object>>) Objects.requireNonNull(f.get("windows"))) {
      StringBuilder b = new StringBuilder("  " + w.get("nemesis") + ":");
      ((Map<String, Map<String, Object>>) w.getOrDefault("byNode", Map.of()))
          .forEach(
              (node, m) ->
                  b.append(' ')
                      .append(node)
                      .append(' ')
                      .append(m.get("strongPercent") == null ? "-" : m.get("strongPercent") + "%")
                      .append('/')
                      .append(m.get("notStrongMillis"))
                      .append("ms/")
                      .append(m.get("transitions")));
      out.println(b);
    }
    out.println("mode changes outside fault windows: " + f.get("transitionsOutsideFaults"));
    out.println(
        "convergence window (heal -> all nodes STRONG, settled, replicas equal to etcd), ms: "
            + f.get("convergenceMillis")
            + " ("
            + f.get("convergedWindows")
            + ")");
    out.println(
        "  by third of the run (first, middle, last), ms: " + f.get("convergenceMillisByThird"));
    out.println(
        "  after etcd served again (the window minus etcd's own recovery, column etcd ms), ms: "
            + f.get("convergenceAfterEtcdServesMillis"));
    out.println(
        "replication lag (provisional create -> readable on reachable peers), ms: "
            + f.get("replicationLagMillis"));
    out.println(
        "failover detection (fault -> first provisional ack per node), ms: "
            + f.get("failoverMillis"));
    out.println(
        "provisional ack -> in etcd (a node's change feed shows it; confirmed by GET /commands), ms, by the"
            + " last fault started before the ack: "
            + f.get("confirmationMillis"));
    out.println("write latency, ms: " + f.get("latencyMillis"));
    out.println("recovery after the final heal, ms: " + f.get("recoveryMillis"));
    out.println(
        "largest live heap / resident memory / data directory per node and third, MiB: "
            + f.get("resources"));
    out.println("checks:");
    r.check()
        .details()
        .forEach((name, res) -> out.println("  " + name + ": " + verdictOf(res) + why(res)));
    out.println("verdict: " + r.check().validity().name().toLowerCase(Locale.ROOT));
    out.println("report: " + r.dir().resolve("report.html"));
  }

  static String verdictOf(Object res) {
    if (res instanceof org.hybridstore.chaos.checker.CheckResult c) {
      return c.validity().name().toLowerCase(Locale.ROOT);
    }
    if (res instanceof Map<?, ?> m && m.get("validity") != null) {
      return String.valueOf(m.get("validity")).toLowerCase(Locale.ROOT);
    }
    return String.valueOf(res);
  }

  /** A short reason for a verdict that is not valid, from the check's details. */
  static String why(Object res) {
    if (!(res instanceof org.hybridstore.chaos.checker.CheckResult c)
        || c.validity() == org.hybridstore.chaos.checker.Validity.VALID) {
      return "";
    }
    for (String key :
        List.of(
            "why-unknown",
            "why",
            "lost",
            "not-converged",
            "never-ran",
            "errors",
            "applied-twice",
            "violations",
            "not-seen",
            "failures",
            "unknown-at-ack-examples",
            "unconfirmed-examples",
            "not-as-in-etcd-examples",
            "strong-not-as-in-etcd-examples",
            "breaches",
            "nodes",
            "error")) {
      Object v = c.details().get(key);
      if (v != null
          && !(v instanceof java.util.Collection<?> col && col.isEmpty())
          && !(v instanceof Map<?, ?> m && m.isEmpty())) {
        return " (" + key + ": " + trim(String.valueOf(v), 300) + ")";
      }
    }
    return "";
  }

  private static String trim(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
