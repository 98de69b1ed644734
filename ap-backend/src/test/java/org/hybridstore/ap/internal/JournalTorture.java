package org.hybridstore.ap.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hybridstore.ApConfig;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;

/**
 * The journal's crash torture harness: starts a {@link TortureChild} writer, SIGKILLs it at a
 * random point (during its start and recovery, during group commits, during rotations, during
 * absorbs), reopens the journal in this JVM and checks that every write any child of the series
 * acknowledged is present and readable. Configurations: both volumes (mmap, RandomAccessFile) times
 * the three workloads of {@link TortureChild}, round robin.
 *
 * <p>Run it: {@code mvn -o -q -pl ap-backend test-compile exec:java
 * -Dexec.mainClass=org.hybridstore.ap.internal.JournalTorture -Dexec.args="--kills 1000"} ({@code
 * --seed S}, {@code --dir D}, {@code --per-series N}); {@code JournalTortureIT} runs a shorter
 * version on every build.
 */
public final class JournalTorture {
  /** One configuration: volume and workload. */
  record Config(boolean mmap, String workload) {
    String name() {
      return (mmap ? "mmap" : "raf") + "/" + workload;
    }
  }

  /** What one configuration saw. */
  static final class Row {
    final Config config;
    int kills;
    int killsBeforeReady;
    long acknowledged;
    long checks;
    long missing;
    long unreadable;
    long childFailures;
    final List<String> examples = new ArrayList<>();

    Row(Config config) {
      this.config = config;
    }

    void example(String text) {
      if (examples.size() < 5) {
        examples.add(text);
      }
    }
  }

  /** The whole run. */
  record Result(long seed, List<Row> rows, Duration elapsed) {
    long kills() {
      return rows.stream().mapToLong(r -> r.kills).sum();
    }

    long lost() {
      return rows.stream().mapToLong(r -> r.missing + r.unreadable + r.childFailures).sum();
    }

    String table() {
      StringBuilder b = new StringBuilder();
      b.append(
          "| configuration | kills | of them before READY | acknowledged writes | checks after restarts | missing"
              + " | unreadable | writer failed to start |\n");
      b.append("|---|---|---|---|---|---|---|---|\n");
      for (Row r : rows) {
        b.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %d | %d | %d | %d | %d | %d |%n",
                r.config.name(),
                r.kills,
                r.killsBeforeReady,
                r.acknowledged,
                r.checks,
                r.missing,
                r.unreadable,
                r.childFailures));
      }
      b.append(
          String.format(
              Locale.ROOT,
              "| **total** | **%d** | | **%d** | **%d** | **%d** | **%d** | **%d** |%n",
              kills(),
              rows.stream().mapToLong(r -> r.acknowledged).sum(),
              rows.stream().mapToLong(r -> r.checks).sum(),
              rows.stream().mapToLong(r -> r.missing).sum(),
              rows.stream().mapToLong(r -> r.unreadable).sum(),
              rows.stream().mapToLong(r -> r.childFailures).sum()));
      for (Row r : rows) {
        for (String e : r.examples) {
          b.append("- ").append(r.config.name()).append(": ").append(e).append('\n');
        }
      }
      return b.toString();
    }
  }

  static final List<Config> ALL =
      List.of(
          new Config(true, "commit"),
          new Config(false, "commit"),
          new Config(true, "rotate"),
          new Config(false, "rotate"),
          new Config(true, "absorb"),
          new Config(false, "absorb"));

  private JournalTorture() {}

  public static void main(String[] args) throws Exception {
    int kills = 1000;
    long seed = System.nanoTime();
    int perSeries = 25;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--kills" -> kills = Integer.parseInt(args[++i]);
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--per-series" -> perSeries = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = dir != null ? dir : Files.createTempDirectory("journal-torture");
    Result r = run(work, kills, seed, perSeries, ALL, true);
    System.out.printf(
        "journal torture: seed %d, %d kills in %s%n%s",
        r.seed(), r.kills(), r.elapsed(), r.table());
    System.exit(r.lost() == 0 ? 0 : 1);
  }

  /**
   * Runs the torture.
   *
   * @param work a directory for the journals and child outputs
   * @param kills how many SIGKILLs in all, spread round robin over {@code configs}
   * @param seed the random seed (printed; a run is repeatable up to timing)
   * @param perSeries kills on one data directory before a fresh one is started
   * @param configs the configurations
   * @param progress print one line per kill
   * @return the table
   */
  static Result run(
      Path work, int kills, long seed, int perSeries, List<Config> configs, boolean progress)
      throws Exception {
    long start = System.nanoTime();
    Random random = new Random(seed);
    Map<Config, Row> rows = new LinkedHashMap<>();
    Map<Config, Series> series = new LinkedHashMap<>();
    for (Config c : configs) {
      rows.put(c, new Row(c));
    }
    ExecutorService executor = Executors.newFixedThreadPool(2);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int kill = 0; kill < kills; kill++) {
        Config config = configs.get(kill % configs.size());
        Row row = rows.get(config);
        Series s = series.get(config);
        if (s == null || s.kills >= perSeries) {
          s = new Series(work.resolve(config.name().replace('/', '-') + "-" + kill));
          series.put(config, s);
        }
        String outcome = killOnce(s, config, kill, random, row);
        String check = verify(s, config, row, executor, scheduler);
        if (check != null) {
          // A journal that failed its check cannot carry the series on: start a fresh one.
          series.remove(config);
        }
        if (progress) {
          System.out.printf(
              "kill %d %s %s%s%n",
              kill, config.name(), outcome, check == null ? "" : " FAILED " + check);
        }
      }
    } finally {
      executor.shutdownNow();
      scheduler.shutdownNow();
    }
    return new Result(
        seed, new ArrayList<>(rows.values()), Duration.ofNanos(System.nanoTime() - start));
  }

  /** A data directory and everything acknowledged into it so far. */
  private static final class Series {
    final Path dataDir;
    final Map<String, String> created = new LinkedHashMap<>();
    final Map<String, String> attributes = new LinkedHashMap<>();
    int kills;

    Series(Path dataDir) {
      this.dataDir = dataDir;
    }
  }

  private static String killOnce(Series s, Config config, int kill, Random random, Row row)
      throws Exception {
    Path out = s.dataDir.resolveSibling(s.dataDir.getFileName() + ".out" + s.kills);
    Files.createDirectories(s.dataDir.getParent());
    Process child =
        new ProcessBuilder(
                javaBin(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-cp",
                System.getProperty("java.class.path"),
                TortureChild.class.getName(),
                s.dataDir.toString(),
                "k" + kill,
                config.mmap() ? "mmap" : "raf",
                config.workload(),
                Long.toString(random.nextLong()))
            .redirectError(s.dataDir.resolveSibling(s.dataDir.getFileName() + ".err").toFile())
            .redirectOutput(out.toFile())
            .start();
    String how;
    try {
      int dice = random.nextInt(10);
      if (dice == 0) {
        // During start: the recovery of the previous kill, or the first commits.
        long delay = random.nextInt(700);
        how = "at " + delay + " ms after start";
        child.waitFor(delay, TimeUnit.MILLISECONDS);
      } else {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ready(out) && System.nanoTime() < deadline && child.isAlive()) {
          child.waitFor(5, TimeUnit.MILLISECONDS);
        }
        if (!ready(out)) {
          how = "never ready";
        } else if (dice < 5) {
          int acks = 1 + random.nextInt(600);
          how = "after " + acks + " acks";
          while (child.isAlive() && ackCount(out) < acks && System.nanoTime() < deadline) {
            child.waitFor(2, TimeUnit.MILLISECONDS);
          }
        } else {
          long delay = random.nextInt(1500);
          how = "at " + delay + " ms after READY";
          child.waitFor(delay, TimeUnit.MILLISECONDS);
        }
      }
      if (!child.isAlive()) {
        // The writer died by itself (for example its journal would not open): a failure.
        row.childFailures++;
        row.example(
            "writer of kill "
                + kill
                + " exited by itself with "
                + child.exitValue()
                + ": "
                + tail(s.dataDir, kill));
      } else if (how.equals("never ready")) {
        row.childFailures++;
        row.example(
            "writer of kill " + kill + " did not start within 60 s: " + tail(s.dataDir, kill));
      }
    } finally {
      child.destroyForcibly(); // SIGKILL
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("child of kill " + kill + " did not die");
      }
    }
    row.kills++;
    s.kills++;
    if (!ready(out)) {
      row.killsBeforeReady++;
    }
    int acked = 0;
    for (String line : completeLines(out)) {
      String[] f = line.split(" ");
      if (!f[0].equals("ACK")) {
        continue;
      }
      acked++;
      if (f[1].equals("C")) {
        s.created.put(f[2], "");
      } else {
        s.attributes.put(f[2] + " " + f[3], f[4]);
      }
    }
    row.acknowledged += acked;
    Files.delete(out);
    return how + ", " + acked + " acks";
  }

  /**
   * Opens the journal after the kill and checks every acknowledged write; returns a failure or
   * null.
   */
  private static String verify(
      Series s,
      Config config,
      Row row,
      ExecutorService executor,
      ScheduledExecutorService scheduler) {
    BackendContext ctx =
        new BackendContext(
            NodeId.of("torture"),
            new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(5)),
            executor,
            scheduler);
    StorageOptions storage =
        new StorageOptions(
            config.mmap(),
            config.workload().equals("rotate") ? 1 : StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES);
    MapDbOrderBackend backend;
    LocalHub hub = new LocalHub(1);
    try {
      try {
        backend =
            MapDbOrderBackend.open(
                ApConfig.builder(s.dataDir)
                    .peerAuth(org.hybridstore.PeerAuthConfig.insecure())
                    .build(),
                ctx,
                storage,
                hub.factory(new NetworkFaults()),
                new NetworkFaults());
      } catch (RuntimeException e) {
        row.unreadable++;
        String failure = "journal did not open after kill " + s.kills + ": " + e;
        row.example(failure);
        return failure;
      }
      String failure = null;
      try {
        for (String id : s.created.keySet()) {
          row.checks++;
          try {
            if (backend.read(OrderId.of(id)).isEmpty()) {
              row.missing++;
              failure = "acknowledged create of " + id + " missing after kill " + s.kills;
              row.example(failure);
            }
          } catch (RuntimeException e) {
            row.unreadable++;
            failure = "record " + id + " unreadable after kill " + s.kills + ": " + e;
            row.example(failure);
          }
        }
        for (Map.Entry<String, String> a : s.attributes.entrySet()) {
          row.checks++;
          String[] idKey = a.getKey().split(" ");
          try {
            Optional<OrderRecord> r = backend.read(OrderId.of(idKey[0]));
            String value = r.map(x -> x.toOrder().attributes().get(idKey[1])).orElse(null);
            if (!a.getValue().equals(value)) {
              row.missing++;
              failure =
                  "acknowledged attribute "
                      + a.getKey()
                      + " = "
                      + a.getValue()
                      + " read as "
                      + value
                      + " after kill "
                      + s.kills;
              row.example(failure);
            }
          } catch (RuntimeException e) {
            row.unreadable++;
            failure = "record " + idKey[0] + " unreadable after kill " + s.kills + ": " + e;
            row.example(failure);
          }
        }
      } finally {
        backend.close();
      }
      return failure;
    } finally {
      hub.close();
    }
  }

  /** The last line the child wrote to stderr (its failure, if it failed). */
  private static String tail(Path dataDir, int kill) {
    try {
      List<String> lines =
          Files.readAllLines(dataDir.resolveSibling(dataDir.getFileName() + ".err"));
      return lines.stream()
          .filter(l -> l.contains("Exception") || l.contains("Error"))
          .findFirst()
          .orElse(lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1));
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static boolean ready(Path out) throws IOException {
    return Files.size(out) >= 6;
  }

  private static int ackCount(Path out) throws IOException {
    int n = 0;
    try (Stream<String> lines = Files.lines(out, StandardCharsets.UTF_8)) {
      n = (int) lines.filter(l -> l.startsWith("ACK ")).count();
    }
    return n;
  }

  /** Lines ended by a newline (a line cut by the kill is not an acknowledgement). */
  private static List<String> completeLines(Path out) throws IOException {
    String text = Files.readString(out, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
