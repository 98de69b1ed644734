package org.hybridstore.chaos.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hybridstore.chaos.checker.Budget;
import org.hybridstore.chaos.checker.LinearizabilityChecker;
import org.hybridstore.chaos.checker.LinearizabilityChecker.Options;
import org.hybridstore.chaos.checker.LinearizabilityResult;
import org.hybridstore.chaos.checker.ReferenceHistories;
import org.hybridstore.chaos.checker.model.CasRegisterModel;
import org.hybridstore.chaos.checker.model.KvModel;
import org.hybridstore.chaos.checker.model.Model;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryReaders;

/**
 * Times the linearizability checker on every history file of the test resources: the etcd logs, the
 * Knossos files, Porcupine's kv histories, the generated 50-client kv histories and the key
 * recorded by a chaos run.
 *
 * <p>Files are parsed once (parsing is not timed). The whole set is checked over and over to warm
 * up the JIT, at least {@code bench.warmup} times (default 3) and for at least {@code
 * bench.warmupSeconds} (default 0); then each file is checked once more to warm up, then {@code
 * rounds} more times, and each file's median is reported, with per-group summaries and, last, one
 * {@code RESULT <group> <file> <verdict> <ops> <median ms>} line per file for scripts. Run it from
 * the repository root after {@code mvn -o -q -pl chaos-tests test-compile}:
 *
 * <pre>
 * java -cp chaos-tests/target/test-classes:chaos-tests/target/classes:$(cat /tmp/cp.txt) \
 *     org.hybridstore.chaos.bench.CheckerBenchmark [rounds [FILE|DIR ...]]
 * </pre>
 *
 * With files or folders after the rounds, only those are timed ({@code .txt}: kv model, anything
 * else: cas-register with an empty register and strict nil reads). {@code -Dbench.whole=true} also
 * times Porcupine's kv files without splitting by key; {@code -Dbench.timeLimit=SECONDS} sets the
 * budget per check (default 60); {@code -Dbench.prePass=false} turns the pre-pass off; {@code
 * -Dbench.parallelism=N} bounds the threads (default: one per core).
 */
public final class CheckerBenchmark {

  private record Timed(String group, String name, String verdict, int ops, double[] millis) {
    double median() {
      double[] s = millis.clone();
      Arrays.sort(s);
      return s[s.length / 2];
    }
  }

  private CheckerBenchmark() {}

  /**
   * Runs the benchmark.
   *
   * @param args optional number of timed rounds (default 5), then optional files or folders
   * @throws IOException if a history cannot be read
   */
  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Options options =
        Options.defaults()
            .withBudget(Budget.ofTime(Duration.ofSeconds(Long.getLong("bench.timeLimit", 60))))
            .withPrePass(Boolean.parseBoolean(System.getProperty("bench.prePass", "true")))
            .withParallelism(Integer.getInteger("bench.parallelism", 0));
    System.out.printf(
        "java %s, %d cores, max heap %d MB, %d timed rounds after 1 warm-up, pre-pass %s%n%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        rounds,
        options.prePass());

    Map<String, List<Path>> groups = new LinkedHashMap<>();
    if (args.length > 1) {
      for (int i = 1; i < args.length; i++) {
        for (Path f : files(Path.of(args[i]))) {
          groups
              .computeIfAbsent(
                  f.toString().endsWith(".txt") ? "kv" : "register", g -> new ArrayList<>())
              .add(f);
        }
      }
    } else {
      Path base = ReferenceHistories.base();
      groups.put("etcd", files(base.resolve("etcd-jepsen")));
      groups.put("knossos", files(base.resolve("knossos")));
      groups.put("kv", files(base.resolve("kv")));
      groups.put("kv-generated", files(base.resolve("kv-generated")));
      groups.put("kv-chaos", files(base.resolve("chaos")));
    }
    // Warm the JIT over the whole set first, as a long-running checker process would be: at
    // least bench.warmup passes (default 3) and bench.warmupSeconds (default 0). A few passes
    // leave the rarer paths (pre-pass, kv searches) far from compiled on a busy machine.
    long warmUntil = System.nanoTime() + Long.getLong("bench.warmupSeconds", 0) * 1_000_000_000L;
    for (int pass = 0;
        pass < Integer.getInteger("bench.warmup", 3) || System.nanoTime() < warmUntil;
        pass++) {
      for (Map.Entry<String, List<Path>> g : groups.entrySet()) {
        Model<?> model =
            g.getKey().startsWith("kv") ? new KvModel() : CasRegisterModel.emptyStrict();
        run(g.getKey(), g.getValue(), model, options, 1);
      }
    }
    List<Timed> all = new ArrayList<>();
    for (Map.Entry<String, List<Path>> g : groups.entrySet()) {
      if (g.getValue().isEmpty()) {
        continue;
      }
      boolean kv = g.getKey().startsWith("kv");
      Model<?> model = kv ? new KvModel() : CasRegisterModel.emptyStrict();
      List<Timed> rows = run(g.getKey(), g.getValue(), model, options, rounds);
      report(
          g.getKey() + (kv ? " (kv, split by key)" : " (cas-register, empty, strict nil reads)"),
          rows);
      all.addAll(rows);
      if (kv && g.getKey().equals("kv") && Boolean.getBoolean("bench.whole")) {
        report(
            "kv, whole history",
            run("kv-whole", g.getValue(), model, options.withSplitByKey(false), rounds));
      }
    }
    for (Timed t : all) {
      System.out.printf(
          "RESULT %s %s %s %d %.3f%n", t.group(), t.name(), t.verdict(), t.ops(), t.median());
    }
  }

  private static List<Path> files(Path p) throws IOException {
    if (!Files.exists(p)) {
      return List.of();
    }
    if (!Files.isDirectory(p)) {
      return List.of(p);
    }
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile)
          .filter(f -> f.toString().matches(".*\\.(log|edn|txt|jsonl)$"))
          .sorted()
          .toList();
    }
  }

  private static List<Timed> run(
      String group, List<Path> files, Model<?> model, Options options, int rounds)
      throws IOException {
    List<History> histories = new ArrayList<>();
    for (Path f : files) {
      histories.add(HistoryReaders.read(f));
    }
    LinearizabilityChecker<?> checker = LinearizabilityChecker.of(model, options);
    List<Timed> out = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      // Warm up and time one file at a time, as a caller checking one history would.
      History h = histories.get(i);
      double[] millis = new double[rounds];
      LinearizabilityResult r = null;
      for (int round = -1; round < rounds; round++) {
        long start = System.nanoTime();
        r = checker.analyze(h);
        double ms = (System.nanoTime() - start) / 1e6;
        if (round >= 0) {
          millis[round] = ms;
        }
      }
      out.add(
          new Timed(
              group,
              files.get(i).getFileName().toString(),
              r.validity().label(),
              r.operations(),
              millis));
    }
    return out;
  }

  private static void report(String title, List<Timed> rows) {
    System.out.println("## " + title);
    System.out.printf("%-26s %-8s %6s %12s%n", "file", "verdict", "ops", "median ms");
    for (Timed t : rows) {
      System.out.printf("%-26s %-8s %6d %12.3f%n", t.name(), t.verdict(), t.ops(), t.median());
    }
    double[] medians = rows.stream().mapToDouble(Timed::median).sorted().toArray();
    double total = Arrays.stream(medians).sum();
    System.out.printf(
        "files %d, total %.1f ms, median %.3f ms, p95 %.3f ms, max %.3f ms%n",
        medians.length,
        total,
        medians[medians.length / 2],
        medians[(int) Math.ceil(0.95 * medians.length) - 1],
        medians[medians.length - 1]);
    System.out.print("slowest:");
    rows.stream()
        .sorted(Comparator.comparingDouble(Timed::median).reversed())
        .limit(5)
        .forEach(t -> System.out.printf(" %s %.1f ms;", t.name(), t.median()));
    System.out.println();
    System.out.println();
  }
}
