package org.hybridstore.ap.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.hybridstore.ApConfig;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.LocalHub;
import org.hybridstore.ap.internal.TestNode;
import org.hybridstore.ap.internal.storage.JournalStore;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;

/**
 * The ap-backend benchmark harness (a main class, not a test). In one run it measures:
 *
 * <ol>
 *   <li>durable provisional writes per second through the backend with group commit: 64 writers in
 *       a closed loop (each waits for its acknowledgement before its next write), for the mmap and
 *       the RandomAccessFile volume;
 *   <li>the same backend with {@code groupCommitMaxBatch = 1} (one commit per write, same code
 *       path), and MapDB on its own with one commit per write (put record + backlog entry + meta,
 *       commit), with the same file settings; and the ratio;
 *   <li>the time three ScaleCube nodes take to converge after a 10,000-write divergence: {a, b} cut
 *       off from {c}, 10,000 creates spread over a and c, heal, time until every replica is equal.
 * </ol>
 *
 * <p>Run: {@code mvn -B -o -q -pl ap-backend test-compile exec:java} (the pom sets the main class
 * and the test class path). Properties: {@code -Dbench.seconds=10} per measurement, {@code
 * -Dbench.writers=64}, {@code -Dbench.divergence=10000}.
 */
public final class JournalBenchmark {
  private static final int SECONDS = Integer.getInteger("bench.seconds", 10);
  private static final int WRITERS = Integer.getInteger("bench.writers", 64);
  private static final int DIVERGENCE = Integer.getInteger("bench.divergence", 10_000);

  private JournalBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory("ap-bench");
    try {
      System.out.printf(
          "ap-backend benchmark: %d s per measurement, %d writers, %d cores, Java %s%n",
          SECONDS,
          WRITERS,
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"));
      for (boolean mmap : new boolean[] {true, false}) {
        String volume = mmap ? "mmap" : "RAF";
        StorageOptions storage =
            new StorageOptions(mmap, StorageOptions.DEFAULT_ROTATE_THRESHOLD_BYTES);
        double group =
            backendWrites(
                root.resolve("group-" + volume),
                storage,
                ApConfig.DEFAULT_GROUP_COMMIT_MAX_BATCH,
                WRITERS);
        double batchOfOne = backendWrites(root.resolve("one-" + volume), storage, 1, WRITERS);
        double raw = rawOneCommitPerWrite(root.resolve("raw-" + volume), storage);
        System.out.printf(
            "| %s | group commit (batch <= %d), %d writers | %.0f writes/s |%n",
            volume, ApConfig.DEFAULT_GROUP_COMMIT_MAX_BATCH, WRITERS, group);
        System.out.printf(
            "| %s | backend, batch of 1 (one commit per write), %d writers | %.0f writes/s |%n",
            volume, WRITERS, batchOfOne);
        System.out.printf(
            "| %s | MapDB alone, one commit per write | %.0f writes/s |%n", volume, raw);
        System.out.printf(
            "| %s | ratio group commit / MapDB one commit per write | %.1fx |%n",
            volume, group / raw);
      }
      convergence(root.resolve("converge"));
    } finally {
      deleteTree(root);
    }
    System.exit(0);
  }

  /** Closed loop: each writer issues its next create when the previous one is acknowledged. */
  private static double backendWrites(Path dir, StorageOptions storage, int maxBatch, int writers)
      throws Exception {
    try (LocalHub hub = new LocalHub(1);
        TestNode node =
            TestNode.start(
                "bench",
                TestNode.config(dir).groupCommitMaxBatch(maxBatch).build(),
                storage,
                hub.factory(new NetworkFaults()),
                new NetworkFaults(),
                InstantSource.system())) {
      AtomicLong acked = new AtomicLong();
      AtomicLong ids = new AtomicLong();
      AtomicBoolean running = new AtomicBoolean(true);
      List<CompletableFuture<Void>> loops = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loops.add(done);
        next(node, ids, acked, running, done);
      }
      Thread.sleep(Math.min(3_000, SECONDS * 300L)); // warm-up
      long start = acked.get();
      long t0 = System.nanoTime();
      Thread.sleep(SECONDS * 1000L);
      long count = acked.get() - start;
      double seconds = (System.nanoTime() - t0) / 1e9;
      running.set(false);
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      System.out.printf(
          "  backend %s batch<=%d: %d writes in %.1f s, %d batches, %.1f tasks/batch%n",
          storage.mmap() ? "mmap" : "RAF",
          maxBatch,
          count,
          seconds,
          node.backend.stats().batches(),
          (double) node.backend.stats().batchedTasks()
              / Math.max(1, node.backend.stats().batches()));
      return count / seconds;
    }
  }

  private static void next(
      TestNode node,
      AtomicLong ids,
      AtomicLong acked,
      AtomicBoolean running,
      CompletableFuture<Void> done) {
    if (!running.get()) {
      done.complete(null);
      return;
    }
    String id = "o-" + ids.getAndIncrement();
    node.backend
        .apply(OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "customer-1", "EUR"))
        .whenComplete(
            (w, e) -> {
              if (e != null) {
                done.completeExceptionally(e);
                return;
              }
              acked.incrementAndGet();
              next(node, ids, acked, running, done);
            });
  }

  /** MapDB with the same file settings: put record + backlog entry + counter, commit, per write. */
  private static double rawOneCommitPerWrite(Path dir, StorageOptions storage) {
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(5));
    NodeId node = NodeId.of("bench");
    try (JournalStore store = JournalStore.open(dir, storage)) {
      long warmupEnd =
          System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(3_000, SECONDS * 300L));
      long i = 0;
      while (System.nanoTime() < warmupEnd) {
        writeOne(store, clock, node, i++);
      }
      long count = 0;
      long t0 = System.nanoTime();
      long end = t0 + TimeUnit.SECONDS.toNanos(SECONDS);
      while (System.nanoTime() < end) {
        writeOne(store, clock, node, i++);
        count++;
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "  MapDB %s one commit per write: %d writes in %.1f s%n",
          storage.mmap() ? "mmap" : "RAF", count, seconds);
      return count / seconds;
    }
  }

  private static void writeOne(JournalStore store, HybridLogicalClock clock, NodeId node, long i) {
    String id = "o-" + i;
    OrderRecord r =
        OrderCommands.apply(
                null,
                OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "customer-1", "EUR"),
                clock,
                node)
            .record();
    store.put(id, RecordCodec.encode(r));
    store.addToBacklog(id);
    store.setMeta("journal.seq", i);
    store.commit();
  }

  /**
   * Three ScaleCube nodes, a partition, 10,000 writes over both sides, heal, time to convergence.
   */
  private static void convergence(Path dir) throws Exception {
    List<TestNode> nodes = new ArrayList<>();
    try {
      TestNode a =
          TestNode.scaleCube(
              "n1",
              TestNode.config(dir.resolve("n1"))
                  .antiEntropyInterval(ApConfig.DEFAULT_ANTI_ENTROPY_INTERVAL)
                  .build());
      nodes.add(a);
      TestNode b =
          TestNode.scaleCube(
              "n2",
              TestNode.config(dir.resolve("n2"))
                  .antiEntropyInterval(ApConfig.DEFAULT_ANTI_ENTROPY_INTERVAL)
                  .seeds(List.of(a.address()))
                  .build());
      nodes.add(b);
      TestNode c =
          TestNode.scaleCube(
              "n3",
              TestNode.config(dir.resolve("n3"))
                  .antiEntropyInterval(ApConfig.DEFAULT_ANTI_ENTROPY_INTERVAL)
                  .seeds(List.of(a.address()))
                  .build());
      nodes.add(c);
      waitUntil(() -> nodes.stream().allMatch(n -> n.backend.peers().size() == 2), 60);
      TestNode.partition(List.of(a, b), List.of(c));
      long t0 = System.nanoTime();
      AtomicLong ids = new AtomicLong();
      List<CompletableFuture<Void>> loops = new ArrayList<>();
      for (TestNode side : List.of(a, c)) {
        for (int w = 0; w < WRITERS / 2; w++) {
          CompletableFuture<Void> done = new CompletableFuture<>();
          loops.add(done);
          writeUpTo(side, ids, DIVERGENCE, done);
        }
      }
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
      double writeSeconds = (System.nanoTime() - t0) / 1e9;
      waitUntil(() -> b.backend.replicaSize() == a.backend.replicaSize(), 120);
      System.out.printf(
          "  divergence: %d writes (a: %d records, c: %d records) in %.1f s%n",
          DIVERGENCE, a.backend.replicaSize(), c.backend.replicaSize(), writeSeconds);
      long healed = System.nanoTime();
      TestNode.heal(nodes);
      waitUntil(
          () ->
              nodes.stream().allMatch(n -> n.backend.replicaSize() == DIVERGENCE)
                  && nodes.stream().map(n -> n.backend.replicaSummary()).distinct().count() == 1,
          600);
      double converge = (System.nanoTime() - healed) / 1e9;
      System.out.printf(
          "| 3 nodes | converge after a %d-write divergence (heal -> all replicas equal) | %.2f s |%n",
          DIVERGENCE, converge);
    } finally {
      TestNode.closeAll(nodes);
    }
  }

  private static void writeUpTo(
      TestNode node, AtomicLong ids, long total, CompletableFuture<Void> done) {
    long i = ids.getAndIncrement();
    if (i >= total) {
      done.complete(null);
      return;
    }
    String id = "d-" + i;
    node.backend
        .apply(OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "customer-1", "EUR"))
        .whenComplete(
            (w, e) -> {
              if (e != null) {
                done.completeExceptionally(e);
              } else {
                writeUpTo(node, ids, total, done);
              }
            });
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("condition not met within " + seconds + " s");
      }
      Thread.sleep(10);
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
