package org.hybridstore.chaos.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link BenchResult} into the printed table (Markdown, so a run can be pasted into
 * docs/performance.md) and the JSON of {@code --json FILE}, and checks the figures against the
 * targets of issue 14. Stateless and thread-safe.
 *
 * <p>The JSON's top level holds the headline figures under fixed names ({@link #HEADLINE_FIELDS},
 * plus {@code backlog_<size>_strong_ms}, {@code backlog_<size>_equal_ms}, {@code
 * backlog_<size>_etcd_recovery_ms} and {@code backlog_<size>_cpu_ms} for every backlog run), then
 * {@code targets}, {@code pairs} (every round of every measurement) and {@code backlogs} in detail.
 * A figure that could not be computed is {@code null}, never NaN.
 */
public final class BenchReport {
  /** The top-level JSON fields every full run writes. */
  public static final List<String> HEADLINE_FIELDS =
      List.of(
          "strong_over_raw_cas",
          "strong_over_raw_cas_1_in_flight",
          "degraded_over_raw_put",
          "group_commit_over_single",
          "record_bytes",
          "payload_bytes",
          "strong_p99_ms",
          "raw_cas_p99_ms",
          "etcd_recovery_ms",
          "backlog_1k_strong_ms",
          "backlog_1k_equal_ms",
          "backlog_10k_strong_ms",
          "backlog_10k_equal_ms");

  /** issue 14: STRONG over raw CAS at the concurrent load. */
  public static final double TARGET_STRONG_OVER_RAW_CAS = 1.5;

  /** issue 14: STRONG over raw CAS with one request in flight, never below this. */
  public static final double TARGET_STRONG_OVER_RAW_CAS_1 = 0.9;

  /** issue 14: DEGRADED durable write over raw put at the same payload. */
  public static final double TARGET_DEGRADED_OVER_RAW_PUT = 1.0;

  /** DESIGN.md section 8 (docs/performance.md): group commit at least 10x one commit per write. */
  public static final double TARGET_GROUP_COMMIT_OVER_SINGLE = 10.0;

  /** issue 14: a typical order's record at most 4 KB. */
  public static final int TARGET_RECORD_BYTES = 4096;

  /** issue 14: 10,000-record backlog, restart to all STRONG within etcd's recovery plus this. */
  public static final long TARGET_STRONG_AFTER_RECOVERY_MS = 2000;

  /**
   * issue 14: 10,000-record backlog, restart to replicas equal within etcd's recovery plus this.
   */
  public static final long TARGET_EQUAL_AFTER_RECOVERY_MS = 3000;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchReport() {}

  /**
   * One figure against its target.
   *
   * @param figure the figure's JSON name
   * @param measured the figure as printed
   * @param target the target as printed
   * @param met whether the figure meets it
   */
  public record Target(String figure, String measured, String target, boolean met) {}

  /**
   * Checks the figures that have a target.
   *
   * @param r the result
   * @return one entry per target, in table order
   */
  public static List<Target> targets(BenchResult r) {
    List<Target> out = new ArrayList<>();
    double strong = r.strong().ratio();
    out.add(
        new Target(
            "strong_over_raw_cas",
            ratio(strong),
            ">= " + TARGET_STRONG_OVER_RAW_CAS,
            strong >= TARGET_STRONG_OVER_RAW_CAS));
    double strongP99 = r.strong().median(x -> x.b().p99Ms());
    double casP99 = r.strong().median(x -> x.a().p99Ms());
    out.add(
        new Target(
            "strong_p99_ms",
            ms(strongP99) + " (raw CAS " + ms(casP99) + ")",
            "<= raw CAS p99",
            strongP99 <= casP99));
    double single = r.strongSingle().ratio();
    out.add(
        new Target(
            "strong_over_raw_cas_1_in_flight",
            ratio(single),
            ">= " + TARGET_STRONG_OVER_RAW_CAS_1,
            single >= TARGET_STRONG_OVER_RAW_CAS_1));
    double degraded = r.degraded().ratio();
    out.add(
        new Target(
            "degraded_over_raw_put",
            ratio(degraded),
            ">= " + TARGET_DEGRADED_OVER_RAW_PUT,
            degraded >= TARGET_DEGRADED_OVER_RAW_PUT));
    double group = r.groupCommit().ratio();
    out.add(
        new Target(
            "group_commit_over_single",
            ratio(group),
            ">= " + TARGET_GROUP_COMMIT_OVER_SINGLE,
            group >= TARGET_GROUP_COMMIT_OVER_SINGLE));
    out.add(
        new Target(
            "record_bytes",
            String.format(Locale.ROOT, "%,d", r.recordBytes()),
            String.format(Locale.ROOT, "<= %,d", TARGET_RECORD_BYTES),
            r.recordBytes() <= TARGET_RECORD_BYTES));
    // both runs of the 10,000-record backlog, each against its own etcd recovery
    for (boolean again : new boolean[] {false, true}) {
      Optional<BacklogResult> tenK = r.backlog(10_000, again);
      if (tenK.isEmpty()) {
        continue;
      }
      BacklogResult b = tenK.get();
      long strongBound = b.etcdRecoveryMs() + TARGET_STRONG_AFTER_RECOVERY_MS;
      long equalBound = b.etcdRecoveryMs() + TARGET_EQUAL_AFTER_RECOVERY_MS;
      out.add(
          new Target(
              "backlog_" + b.key() + "_strong_ms",
              String.format(Locale.ROOT, "%,d", b.strongMs()),
              String.format(
                  Locale.ROOT,
                  "<= etcd_recovery_ms + %,d = %,d",
                  TARGET_STRONG_AFTER_RECOVERY_MS,
                  strongBound),
              b.strongMs() <= strongBound));
      out.add(
          new Target(
              "backlog_" + b.key() + "_equal_ms",
              String.format(Locale.ROOT, "%,d", b.equalMs()),
              String.format(
                  Locale.ROOT,
                  "<= etcd_recovery_ms + %,d = %,d",
                  TARGET_EQUAL_AFTER_RECOVERY_MS,
                  equalBound),
              b.equalMs() <= equalBound));
    }
    return out;
  }

  /**
   * Returns the printed report: a header line, the figures with their targets, every measurement,
   * and the backlogs.
   *
   * @param r the result
   * @return Markdown text
   */
  @SuppressWarnings("ReferenceEquality") // which of r's pairs, by identity
  public static String table(BenchResult r) {
    StringBuilder s = new StringBuilder();
    BenchSettings st = r.settings();
    BenchResult.Environment env = r.environment();
    s.append(
        String.format(
            Locale.ROOT,
            "%s%s, %s, %d cores, Java %s, load average %s before, %s after; %s %s;"
                + " %d round%s of %d s after %d s warm-up per measurement%s; %.0f s in all%n%n",
            st.quick() ? "QUICK SMOKE RUN (not a measurement): " : "",
            r.command(),
            r.date(),
            env.cores(),
            env.java(),
            load(env.loadBefore()),
            load(env.loadAfter()),
            env.etcdVersion(),
            st.etcdFlags(),
            st.rounds(),
            st.rounds() == 1 ? "" : "s",
            st.seconds(),
            st.warmupSeconds(),
            r.jitWarmupCompileMs().isEmpty()
                ? ""
                : ", after "
                    + r.jitWarmupCompileMs().size()
                    + " JIT warm-up turn(s) (compile ms "
                    + r.jitWarmupCompileMs().stream()
                        .map(String::valueOf)
                        .collect(Collectors.joining(" / "))
                    + ")",
            r.elapsed().toMillis() / 1000.0));

    s.append("| figure | measured | per round | target | met |\n|---|---|---|---|---|\n");
    List<Target> targets = targets(r);
    for (PairResult p : List.of(r.strong(), r.strongSingle(), r.degraded(), r.groupCommit())) {
      Target t = find(targets, p.key());
      s.append(
          String.format(
              Locale.ROOT,
              "| %s (%s over %s, %d in flight) | %s | %s | %s | %s |%n",
              p.key(),
              p.b(),
              p.a(),
              p.inFlight(),
              ratio(p.ratio()),
              perRound(p, PairResult.Round::ratio, "%.2f"),
              t.target(),
              yes(t.met())));
      if (p == r.strong()) {
        Target p99 = find(targets, "strong_p99_ms");
        s.append(
            String.format(
                Locale.ROOT,
                "| strong_p99_ms (%d in flight) | %s | %s | %s | %s |%n",
                p.inFlight(),
                p99.measured(),
                perRound(p, x -> x.b().p99Ms(), "%.1f"),
                p99.target(),
                yes(p99.met())));
      }
    }
    Target bytes = find(targets, "record_bytes");
    s.append(
        String.format(
            Locale.ROOT,
            "| record_bytes (typical order; payload in etcd %,d) | %s | | %s | %s |%n",
            r.payloadBytes(),
            bytes.measured(),
            bytes.target(),
            yes(bytes.met())));
    for (BacklogResult b : r.backlogs()) {
      String l = b.key();
      s.append(
          String.format(
              Locale.ROOT,
              "| backlog_%s_etcd_recovery_ms (restart -> first raw write) | %,d | | | |%n",
              l,
              b.etcdRecoveryMs()));
      for (String kind : List.of("strong", "equal")) {
        String key = "backlog_" + l + "_" + kind + "_ms";
        long v = kind.equals("strong") ? b.strongMs() : b.equalMs();
        Target t = targets.stream().filter(x -> x.figure().equals(key)).findFirst().orElse(null);
        s.append(
            String.format(
                Locale.ROOT,
                "| %s (restart -> %s) | %,d | | %s | %s |%n",
                key,
                kind.equals("strong") ? "all STRONG, backlog 0" : "replicas equal to etcd",
                v,
                t == null ? "" : t.target(),
                t == null ? "" : yes(t.met())));
      }
      s.append(
          String.format(
              Locale.ROOT,
              "| backlog_%s_cpu_ms (CPU of the stores' process, restart -> all STRONG) | %,d | | | |%n",
              l,
              b.cpuMs()));
    }

    s.append(
        "\n| measurement | in flight | ops/s per round | ops/s (median) | p50 ms | p99 ms | errors / other"
            + " | CPU µs/op, this process (median) | etcd CPU µs/op (median) | JIT ms per round |\n");
    s.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (PairResult p : List.of(r.strong(), r.strongSingle(), r.degraded(), r.groupCommit())) {
      for (boolean sideA : new boolean[] {true, false}) {
        ToDoubleFunction<PairResult.Round> ops = x -> (sideA ? x.a() : x.b()).opsPerSecond();
        long errors = p.rounds().stream().mapToLong(x -> (sideA ? x.a() : x.b()).errors()).sum();
        long other = p.rounds().stream().mapToLong(x -> (sideA ? x.a() : x.b()).other()).sum();
        s.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %s | %.0f | %.1f | %.1f | %d / %d | %s | %s | %s |%n",
                sideA ? p.a() : p.b(),
                p.inFlight(),
                perRound(p, ops, "%.0f"),
                p.median(ops),
                p.median(x -> (sideA ? x.a() : x.b()).p50Ms()),
                p.median(x -> (sideA ? x.a() : x.b()).p99Ms()),
                errors,
                other,
                micros(p.median(x -> (sideA ? x.a() : x.b()).cpuMicrosPerOp())),
                micros(p.median(x -> (sideA ? x.a() : x.b()).etcdCpuMicrosPerOp())),
                p.rounds().stream()
                    .map(x -> (sideA ? x.a() : x.b()).compileMillis())
                    .map(ms -> ms < 0 ? "?" : Long.toString(ms))
                    .collect(Collectors.joining(" / "))));
      }
    }

    if (!r.backlogs().isEmpty()) {
      s.append(
          "\n| backlog | acknowledged | kill -> all DEGRADED | write time | restart -> first etcd write"
              + " | -> all STRONG, backlog 0 | -> replicas equal to etcd | digest check | lost CAS races |\n");
      s.append("|---|---|---|---|---|---|---|---|---|\n");
      for (BacklogResult b : r.backlogs()) {
        s.append(
            String.format(
                Locale.ROOT,
                "| %,d%s | %,d | %,d ms | %,d ms | %,d ms | %,d ms | %,d ms | %,d ms | %d |%n",
                b.records(),
                b.again() ? " (again)" : "",
                b.acknowledged(),
                b.detectMs(),
                b.writeMs(),
                b.etcdRecoveryMs(),
                b.strongMs(),
                b.equalMs(),
                b.equalCheckMs(),
                b.lostRaces()));
      }
    }
    return s.toString();
  }

  /**
   * Returns the JSON document.
   *
   * @param r the result
   * @return the document
   */
  public static ObjectNode json(BenchResult r) {
    ObjectNode root = JSON.createObjectNode();
    root.put("date", r.date().toString());
    root.put("command", r.command());
    root.put("quick", r.settings().quick());
    root.put("strong_over_raw_cas", round(r.strong().ratio(), 3));
    root.put("strong_over_raw_cas_1_in_flight", round(r.strongSingle().ratio(), 3));
    root.put("degraded_over_raw_put", round(r.degraded().ratio(), 3));
    root.put("group_commit_over_single", round(r.groupCommit().ratio(), 3));
    root.put("record_bytes", r.recordBytes());
    root.put("payload_bytes", r.payloadBytes());
    root.put("strong_p99_ms", round(r.strong().median(x -> x.b().p99Ms()), 1));
    root.put("raw_cas_p99_ms", round(r.strong().median(x -> x.a().p99Ms()), 1));
    long recovery = r.etcdRecoveryMs();
    if (recovery >= 0) {
      root.put("etcd_recovery_ms", recovery);
    } else {
      root.putNull("etcd_recovery_ms");
    }
    for (int size : BenchSettings.DEFAULT_BACKLOGS) {
      String l = BacklogResult.label(size);
      Optional<BacklogResult> b = r.backlog(size, false);
      putOrNull(root, "backlog_" + l + "_strong_ms", b.map(BacklogResult::strongMs));
      putOrNull(root, "backlog_" + l + "_equal_ms", b.map(BacklogResult::equalMs));
    }
    for (BacklogResult b : r.backlogs()) {
      String l = b.key();
      root.put("backlog_" + l + "_strong_ms", b.strongMs());
      root.put("backlog_" + l + "_equal_ms", b.equalMs());
      root.put("backlog_" + l + "_etcd_recovery_ms", b.etcdRecoveryMs());
      root.put("backlog_" + l + "_cpu_ms", b.cpuMs());
    }

    ObjectNode settings = root.putObject("settings");
    BenchSettings st = r.settings();
    settings.put("seconds", st.seconds());
    settings.put("warmup_seconds", st.warmupSeconds());
    settings.put("rounds", st.rounds());
    settings.put("in_flight", st.inFlight());
    ArrayNode sizes = settings.putArray("backlogs");
    st.backlogs().forEach(sizes::add);
    settings.put("etcd_flags", st.etcdFlags());

    ObjectNode machine = root.putObject("machine");
    BenchResult.Environment env = r.environment();
    machine.put("cores", env.cores());
    machine.put("java", env.java());
    machine.put("etcd", env.etcdVersion());
    env.loadBefore().forEach(machine.putArray("load_average_before")::add);
    ArrayNode after = machine.putArray("load_average_after");
    env.loadAfter().forEach(after::add);
    root.put("elapsed_s", round(r.elapsed().toMillis() / 1000.0, 1));
    r.jitWarmupCompileMs().forEach(root.putArray("jit_warmup_compile_ms")::add);

    ArrayNode targets = root.putArray("targets");
    for (Target t : targets(r)) {
      ObjectNode n = targets.addObject();
      n.put("figure", t.figure());
      n.put("measured", t.measured());
      n.put("target", t.target());
      n.put("met", t.met());
    }

    ArrayNode pairs = root.putArray("pairs");
    for (PairResult p : List.of(r.strong(), r.strongSingle(), r.degraded(), r.groupCommit())) {
      ObjectNode n = pairs.addObject();
      n.put("key", p.key());
      n.put("a", p.a());
      n.put("b", p.b());
      n.put("in_flight", p.inFlight());
      n.put("payload_bytes", p.payloadBytes());
      n.put("ratio", round(p.ratio(), 3));
      ArrayNode rounds = n.putArray("rounds");
      for (PairResult.Round round : p.rounds()) {
        ObjectNode rn = rounds.addObject();
        rn.put("round", round.round());
        rn.put("ratio", round(round.ratio(), 3));
        measurement(rn.putObject("a"), round.a());
        measurement(rn.putObject("b"), round.b());
      }
    }

    ArrayNode backlogs = root.putArray("backlogs");
    for (BacklogResult b : r.backlogs()) {
      ObjectNode n = backlogs.addObject();
      n.put("records", b.records());
      n.put("again", b.again());
      n.put("acknowledged", b.acknowledged());
      n.put("detect_ms", b.detectMs());
      n.put("write_ms", b.writeMs());
      n.put("etcd_recovery_ms", b.etcdRecoveryMs());
      n.put("strong_ms", b.strongMs());
      n.put("equal_ms", b.equalMs());
      n.put("equal_check_ms", b.equalCheckMs());
      n.put("lost_races", b.lostRaces());
      n.put("cpu_ms", b.cpuMs());
      n.put("digest", b.digest());
    }
    return root;
  }

  /**
   * Writes the JSON document to a file, creating its directory.
   *
   * @param r the result
   * @param file the file
   * @throws IOException if it cannot be written
   */
  public static void writeJson(BenchResult r, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JSON.writeValue(file.toFile(), json(r));
  }

  private static void measurement(ObjectNode n, Measurement m) {
    n.put("name", m.name());
    n.put("ops_per_s", round(m.opsPerSecond(), 1));
    n.put("p50_ms", round(m.p50Ms(), 2));
    n.put("p99_ms", round(m.p99Ms(), 2));
    n.put("ok", m.ok());
    n.put("other", m.other());
    n.put("errors", m.errors());
    putFinite(n, "cpu_us_per_op", m.cpuMicrosPerOp());
    putFinite(n, "etcd_cpu_us_per_op", m.etcdCpuMicrosPerOp());
    if (m.compileMillis() >= 0) {
      n.put("jit_compile_ms", m.compileMillis());
    } else {
      n.putNull("jit_compile_ms");
    }
    if (m.firstError() != null) {
      n.put("first_error", m.firstError());
    }
  }

  /** A figure in microseconds for the report, or {@code ?} where unknown (NaN). */
  static String micros(double v) {
    return Double.isNaN(v) ? "?" : String.format(Locale.ROOT, "%.0f", v);
  }

  private static void putFinite(ObjectNode n, String field, double v) {
    if (Double.isFinite(v)) {
      n.put(field, round(v, 1));
    } else {
      n.putNull(field);
    }
  }

  private static void putOrNull(ObjectNode n, String field, Optional<Long> v) {
    if (v.isPresent()) {
      n.put(field, v.get());
    } else {
      n.putNull(field);
    }
  }

  /** Rounded, or null (as a boxed NaN is not valid JSON). */
  private static @Nullable Double round(double v, int decimals) {
    if (!Double.isFinite(v)) {
      return null;
    }
    double f = Math.pow(10, decimals);
    return Math.round(v * f) / f;
  }

  private static Target find(List<Target> targets, String figure) {
    return targets.stream().filter(t -> t.figure().equals(figure)).findFirst().orElseThrow();
  }

  private static String perRound(
      PairResult p, ToDoubleFunction<PairResult.Round> f, String format) {
    return p.rounds().stream()
        .map(x -> String.format(Locale.ROOT, format, f.applyAsDouble(x)))
        .collect(Collectors.joining(" / "));
  }

  private static String ratio(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f ms", v);
  }

  private static String yes(boolean met) {
    return met ? "yes" : "**no**";
  }

  private static String load(List<Double> l) {
    return l.isEmpty()
        ? "?"
        : l.stream()
            .map(d -> String.format(Locale.ROOT, "%.2f", d))
            .collect(Collectors.joining(" "));
  }
}
