package org.hybridstore.chaos.runner;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Validity;

/**
 * What each node holds while the run lasts, sampled every {@value #PERIOD_SECONDS} s: its live heap
 * (each heap pool after its own last collection, the old generation after the last full one) and
 * the heap's maximum (the node's {@code /mode}, {@code jvm}), its resident memory ({@code
 * /proc/<pid>/status}) and the bytes in its data directory (journal log and index). Reported per
 * third of the run, so growth shows; the {@code resources} check holds every node's live heap under
 * a ceiling and finds OutOfMemoryErrors in the node logs.
 */
final class ResourceSampler implements AutoCloseable {
  static final int PERIOD_SECONDS = 5;

  /** The live heap may not pass this share of the maximum heap. */
  static final double HEAP_CEILING = 0.9;

  private static final long MIB = 1 << 20;

  /** One sample of one node; -1 where the value could not be read (the node was down). */
  record Sample(
      long millis, String node, long liveHeap, long heapMax, long rss, long dataDirBytes) {}

  private final ServiceNodes nodes;
  private final LongSupplier clock;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();
  // Its own thread: a sample blocks for up to 2 s per node, which must not delay the mode polls.
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "chaos-resources");
            t.setDaemon(true);
            return t;
          });

  ResourceSampler(ServiceNodes nodes, LongSupplier millisSinceStart) {
    this.nodes = nodes;
    this.clock = millisSinceStart;
  }

  void start() {
    var unused =
        thread.scheduleWithFixedDelay(
            this::sample, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
  }

  private void sample() {
    for (int i = 0; i < nodes.size(); i++) {
      String node = ServiceNodes.name(i);
      long liveHeap = -1;
      long heapMax = -1;
      long rss = -1;
      try {
        var r = nodes.client(i).mode().get(2, TimeUnit.SECONDS);
        if (r.ok()) {
          JsonNode jvm = r.body().path("jvm");
          liveHeap = jvm.path("heapLiveBytes").asLong(-1);
          heapMax = jvm.path("heapMaxBytes").asLong(-1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        // down or busy: this sample has no heap
      }
      if (nodes.isAlive(i)) {
        rss = residentBytes(nodes.process(i).pid());
      }
      samples.add(
          new Sample(
              clock.getAsLong(), node, liveHeap, heapMax, rss, directoryBytes(nodes.dataDir(i))));
    }
  }

  private static long residentBytes(long pid) {
    try {
      for (String line :
          Files.readAllLines(
              Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // exited meanwhile
    }
    return -1;
  }

  private static long directoryBytes(Path dir) {
    long[] total = {0};
    try (Stream<Path> files = Files.walk(dir)) {
      files
          .filter(Files::isRegularFile)
          .forEach(
              f -> {
                try {
                  total[0] += Files.size(f);
                } catch (IOException e) {
                  // deleted meanwhile (a compaction)
                }
              });
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return total[0];
  }

  List<Sample> samples() {
    return List.copyOf(samples);
  }

  /**
   * Per node, per third of {@code [0, runEndMillis]}: the largest live heap, resident memory and
   * data directory, in MiB.
   */
  Map<String, Object> figures(long runEndMillis) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      String node = ServiceNodes.name(i);
      List<Map<String, Object>> thirds = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        long[] max = maxima(node, t, runEndMillis);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", max[3]);
        m.put("liveHeapMiB", mib(max[0]));
        m.put("rssMiB", mib(max[1]));
        m.put("dataDirMiB", mib(max[2]));
        thirds.add(m);
      }
      out.put(node, thirds);
    }
    return out;
  }

  /** {heap after GC, rss, data dir, sample count} maxima of one node in one third. */
  private long[] maxima(String node, int third, long runEndMillis) {
    long[] max = {-1, -1, -1, 0};
    for (Sample s : samples) {
      int t = (int) Math.min(2, 3 * s.millis() / Math.max(1, runEndMillis));
      if (!s.node().equals(node) || t != third) {
        continue;
      }
      max[0] = Math.max(max[0], s.liveHeap());
      max[1] = Math.max(max[1], s.rss());
      max[2] = Math.max(max[2], s.dataDirBytes());
      max[3]++;
    }
    return max;
  }

  private static double mib(long bytes) {
    return bytes < 0 ? -1 : Math.round(bytes * 10.0 / MIB) / 10.0;
  }

  /**
   * Every node was sampled with its heap; no node's live heap passed {@value #HEAP_CEILING} of its
   * maximum and no node logged an OutOfMemoryError. Growth from the first third to the last is
   * reported, not judged: the workload creates orders for the whole run, so the replica (on disk
   * and in the indexes) grows by design (decision 48).
   */
  CheckResult result(long runEndMillis, List<Path> nodeLogs) {
    Map<String, Object> d = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    List<String> unsampled = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      String node = ServiceNodes.name(i);
      List<Sample> mine =
          samples.stream().filter(s -> s.node().equals(node) && s.liveHeap() >= 0).toList();
      if (mine.isEmpty()) {
        unsampled.add(node);
        continue;
      }
      for (Sample s : mine) {
        if (s.heapMax() > 0 && s.liveHeap() > HEAP_CEILING * s.heapMax()) {
          problems.add(
              node
                  + " live heap "
                  + mib(s.liveHeap())
                  + " MiB of "
                  + mib(s.heapMax())
                  + " MiB at "
                  + s.millis()
                  + " ms");
          break;
        }
      }
    }
    for (Path log : nodeLogs) {
      try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
        if (lines.anyMatch(l -> l.contains("OutOfMemoryError"))) {
          problems.add(log.getFileName() + " logged an OutOfMemoryError");
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        problems.add(log.getFileName() + " could not be read: " + e);
      }
    }
    d.put("samples", samples.size());
    d.put("by-node-and-third", figures(runEndMillis));
    if (!problems.isEmpty()) {
      d.put("problems", problems);
      return CheckResult.of(Validity.INVALID, d);
    }
    if (!unsampled.isEmpty()) {
      d.put("why-unknown", "never sampled with a heap: " + unsampled);
      return CheckResult.of(Validity.UNKNOWN, d);
    }
    return CheckResult.of(Validity.VALID, d);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
