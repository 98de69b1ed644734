package org.hybridstore.chaos.runner;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.OpType;
import org.hybridstore.chaos.history.Operation;
import org.hybridstore.chaos.workload.OrderWorkload;

/**
 * The numbers a run reports besides the verdict: writes by outcome per fault window and overall
 * (acknowledged STRONG or PROVISIONAL; rejected, i.e. a 409 for a command that does not fit the
 * order, which is an answer, not unavailability; failed; unknown), failover detection time (fault
 * start to a node's first provisional acknowledgement), the convergence window (heal to the first
 * poll sent after it at which every node is STRONG with an empty backlog and a current mirror and
 * every replica's digest equals etcd's) as quantiles over the windows in which some node left
 * STRONG, and write latency quantiles per acceptance.
 */
final class Figures {
  private static final Set<String> WRITES = Set.of("put", "add", "transition", "cart", "bump");

  private Figures() {}

  static Map<String, Object> compute(History history, List<FaultWindow> windows, long runEndNanos) {
    return compute(history, windows, runEndNanos, List.of());
  }

  static Map<String, Object> compute(
      History history,
      List<FaultWindow> windows,
      long runEndNanos,
      List<ModeSampler.Sample> samples) {
    List<Operation> ops = history.operations();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("overall", counts(ops, 0, runEndNanos));
    List<Map<String, Object>> perWindow = new ArrayList<>();
    List<Double> convergence = new ArrayList<>();
    List<List<Double>> convergenceByThird =
        List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<Double> detection = new ArrayList<>();
    // The store's share of each convergence window: from etcd serving again to converged.
    List<Double> afterEtcd = new ArrayList<>();
    int degradedWindows = 0;
    for (FaultWindow w : windows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("nemesis", w.nemesis);
      m.put("fault", w.description);
      m.put("startMillis", w.startNanos / 1_000_000);
      m.put("endMillis", w.endNanos / 1_000_000);
      long end = w.endNanos < 0 ? runEndNanos : w.endNanos;
      m.put("writes", counts(ops, w.startNanos, end));
      Map<String, Long> firstProvisional = firstProvisionalAck(ops, w.startNanos, end);
      m.put("failoverMillisByNode", firstProvisional);
      firstProvisional.values().forEach(v -> detection.add(v.doubleValue()));
      m.put("convergenceMillis", w.convergenceMillis());
      m.put("etcdServesMillis", w.etcdServesMillis);
      m.put("degraded", w.degraded);
      long until = w.convergedNanos >= 0 ? w.convergedNanos : end;
      m.put("byNode", perNode(ops, samples, w.startNanos, end, until));
      if (w.failure != null) {
        m.put("failure", w.failure);
      }
      // Windows in which every node stayed STRONG measure nothing: reported, kept out of the
      // quantiles.
      if (w.convergenceMillis() >= 0 && w.degraded) {
        convergence.add((double) w.convergenceMillis());
        if (w.etcdServesMillis >= 0) {
          afterEtcd.add((double) Math.max(0, w.convergenceMillis() - w.etcdServesMillis));
        }
        int third = (int) Math.min(2, Math.max(0, 3 * w.endNanos / Math.max(1, runEndNanos)));
        convergenceByThird.get(third).add((double) w.convergenceMillis());
      }
      if (w.degraded) {
        degradedWindows++;
      }
      perWindow.add(m);
    }
    out.put("windows", perWindow);
    out.put("transitionsOutsideFaults", transitionsOutside(samples, windows, runEndNanos));
    out.put("convergenceMillis", quantiles(convergence));
    out.put("convergenceAfterEtcdServesMillis", quantiles(afterEtcd));
    // First and last third side by side (by when the window healed): a store that slows down as it
    // runs shows here before it fails.
    out.put(
        "convergenceMillisByThird",
        List.of(
            quantiles(convergenceByThird.get(0)),
            quantiles(convergenceByThird.get(1)),
            quantiles(convergenceByThird.get(2))));
    out.put(
        "convergedWindows",
        convergence.size()
            + " of "
            + degradedWindows
            + " windows with a degraded node ("
            + (windows.size() - degradedWindows)
            + " more where every node stayed STRONG)");
    out.put("failoverMillis", quantiles(detection));
    out.put("latencyMillis", latencies(ops));
    return out;
  }

  static Map<String, Object> counts(List<Operation> ops, long from, long to) {
    long attempted = 0;
    long strong = 0;
    long provisional = 0;
    long rejected = 0;
    long failed = 0;
    long unknown = 0;
    for (Operation o : ops) {
      long t = o.invocation().timeNanos();
      if (!WRITES.contains(o.invocation().f()) || t < from || t >= to) {
        continue;
      }
      attempted++;
      var c = o.completion();
      if (c == null || c.type() == OpType.INFO) {
        unknown++;
      } else if (c.type() == OpType.FAIL && c.error() != null && c.error().startsWith("409")) {
        rejected++;
      } else if (c.type() == OpType.FAIL) {
        failed++;
      } else if (OrderWorkload.provisional(c)) {
        provisional++;
      } else {
        strong++;
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("attempted", attempted);
    m.put("ackStrong", strong);
    m.put("ackProvisional", provisional);
    m.put("rejected", rejected);
    m.put("failed", failed);
    m.put("unknown", unknown);
    // Rejections (an illegal transition, say) are the store's answer, not unavailability.
    long answerable = attempted - rejected;
    m.put(
        "acknowledgedPercent",
        answerable == 0 ? 100.0 : Math.round(1000.0 * (strong + provisional) / answerable) / 10.0);
    return m;
  }

  /**
   * Per node, for one window: the share of its acknowledged writes that were STRONG (writes
   * completed between the fault's start and its heal), how long it was not STRONG and how many mode
   * changes it made between the fault's start and the window's convergence (from the mode samples,
   * so a change shorter than the 100 ms poll can be missed).
   */
  private static Map<String, Object> perNode(
      List<Operation> ops, List<ModeSampler.Sample> samples, long from, long to, long until) {
    Map<String, long[]> acks = new java.util.TreeMap<>();
    for (Operation o : ops) {
      var c = o.completion();
      if (c == null
          || c.type() != OpType.OK
          || !WRITES.contains(c.f())
          || c.timeNanos() < from
          || c.timeNanos() >= to) {
        continue;
      }
      long[] a = acks.computeIfAbsent(c.node(), n -> new long[2]);
      a[OrderWorkload.provisional(c) ? 1 : 0]++;
    }
    Map<String, List<ModeSampler.Sample>> byNode = new java.util.TreeMap<>();
    for (ModeSampler.Sample s : samples) {
      byNode.computeIfAbsent(s.node(), n -> new ArrayList<>()).add(s);
    }
    Map<String, Object> out = new java.util.TreeMap<>();
    java.util.Set<String> nodes = new java.util.TreeSet<>(acks.keySet());
    nodes.addAll(byNode.keySet());
    long fromMs = from / 1_000_000;
    long untilMs = until / 1_000_000;
    for (String node : nodes) {
      Map<String, Object> m = new LinkedHashMap<>();
      long[] a = acks.getOrDefault(node, new long[2]);
      m.put("ackStrong", a[0]);
      m.put("ackProvisional", a[1]);
      m.put(
          "strongPercent",
          a[0] + a[1] == 0 ? null : Math.round(1000.0 * a[0] / (a[0] + a[1])) / 10.0);
      m.put(
          "notStrongMillis",
          notStrongMillis(byNode.getOrDefault(node, List.of()), fromMs, untilMs));
      int transitions = 0;
      EpochCounter epochs = new EpochCounter();
      for (ModeSampler.Sample s : byNode.getOrDefault(node, List.of())) {
        int changes = epochs.advance(s);
        if (s.sentMillis() >= fromMs && s.sentMillis() <= untilMs) {
          transitions += changes;
        }
      }
      m.put("transitions", transitions);
      out.put(node, m);
    }
    return out;
  }

  /**
   * How long one node was not STRONG within [fromMs, untilMs]: each interval between two
   * consecutive samples (by the time their polls were sent) counts once, with the mode of the
   * earlier sample (a node that did not answer, DOWN, is not STRONG). Samples arrive in the order
   * their answers came, and a poll that timed out comes after later polls that were answered.
   *
   * @param samples the node's samples
   * @param fromMs the window's start (run time, ms)
   * @param untilMs the window's end
   * @return the time not STRONG, ms
   */
  static long notStrongMillis(List<ModeSampler.Sample> samples, long fromMs, long untilMs) {
    long notStrong = 0;
    ModeSampler.Sample last = null;
    List<ModeSampler.Sample> bySent = new java.util.ArrayList<>(samples);
    bySent.sort(java.util.Comparator.comparingLong(ModeSampler.Sample::sentMillis));
    for (ModeSampler.Sample s : bySent) {
      if (last != null) {
        long a0 = Math.max(last.sentMillis(), fromMs);
        long b0 = Math.min(s.sentMillis(), untilMs);
        if (b0 > a0 && !last.mode().equals("STRONG")) {
          notStrong += b0 - a0;
        }
      }
      last = s;
    }
    return notStrong;
  }

  /**
   * Counts mode changes from the epochs the samples show. A node's epoch only grows within one
   * process, but over a lossy link a poll answered late arrives after fresher answers, with an
   * older epoch; counting against the last answer then counted the same changes again after each
   * stale one (a 30 % loss window showed 14 changes where the epoch went up by 9). So each sample
   * is compared with the highest epoch seen from the same process (a restarted node starts again at
   * 1 under a new incarnation).
   */
  static final class EpochCounter {
    private final Map<String, Long> highest = new java.util.HashMap<>();

    /**
     * Returns how many mode changes this sample shows that no earlier sample of the same process
     * did (0 for its first answer, a stale answer, or no answer).
     */
    int advance(ModeSampler.Sample s) {
      if (s.mode().equals("DOWN") || s.epoch() <= 0) {
        return 0;
      }
      String process = s.node() + "/" + s.incarnation();
      Long before = highest.get(process);
      if (before == null || s.epoch() > before) {
        highest.put(process, s.epoch());
      }
      return before == null || s.epoch() <= before ? 0 : (int) (s.epoch() - before);
    }
  }

  /** Mode changes (epoch increments) that happened outside every fault window: should be none. */
  private static int transitionsOutside(
      List<ModeSampler.Sample> samples, List<FaultWindow> windows, long runEnd) {
    EpochCounter epochs = new EpochCounter();
    int count = 0;
    for (ModeSampler.Sample s : samples) {
      int changes = epochs.advance(s);
      if (changes == 0) {
        continue;
      }
      long t = s.sentMillis() * 1_000_000;
      boolean inside = false;
      for (FaultWindow w : windows) {
        long until =
            w.convergedNanos >= 0
                ? w.convergedNanos
                : (w.endNanos >= 0 ? w.endNanos : runEnd)
                    + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        if (t >= w.startNanos && t <= until) {
          inside = true;
          break;
        }
      }
      if (!inside && t <= runEnd) {
        count += changes;
      }
    }
    return count;
  }

  private static Map<String, Long> firstProvisionalAck(List<Operation> ops, long from, long to) {
    Map<String, Long> first = new LinkedHashMap<>();
    for (Operation o : ops) {
      var c = o.completion();
      if (c == null
          || c.type() != OpType.OK
          || !OrderWorkload.provisional(c)
          || o.invocation().timeNanos() < from
          || c.timeNanos() >= to
          || !WRITES.contains(c.f())) {
        continue;
      }
      first.merge(c.node(), (c.timeNanos() - from) / 1_000_000, Math::min);
    }
    return first;
  }

  private static Map<String, Object> latencies(List<Operation> ops) {
    List<Double> strong = new ArrayList<>();
    List<Double> provisional = new ArrayList<>();
    for (Operation o : ops) {
      var c = o.completion();
      if (c == null || c.type() != OpType.OK || !WRITES.contains(c.f())) {
        continue;
      }
      double ms = (c.timeNanos() - o.invocation().timeNanos()) / 1e6;
      (OrderWorkload.provisional(c) ? provisional : strong).add(ms);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("STRONG", quantiles(strong));
    m.put("PROVISIONAL", quantiles(provisional));
    return m;
  }

  static Map<String, Object> quantiles(List<Double> values) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", values.size());
    if (values.isEmpty()) {
      return m;
    }
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    m.put("min", round(v[0]));
    m.put("median", round(at(v, 0.5)));
    m.put("p95", round(at(v, 0.95)));
    m.put("p99", round(at(v, 0.99)));
    m.put("max", round(v[v.length - 1]));
    return m;
  }

  private static double at(double[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double round(double d) {
    return Math.round(d * 10) / 10.0;
  }
}
