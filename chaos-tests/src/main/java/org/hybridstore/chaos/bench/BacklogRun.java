package org.hybridstore.chaos.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.hybridstore.Acceptance;
import org.hybridstore.ApConfig;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.OrderId;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.EtcdMember;
import org.hybridstore.switchover.HybridOrderStore;
import org.hybridstore.testkit.FreePorts;

/**
 * The convergence phase for one backlog size: three fresh stores (real ScaleCube members on
 * loopback, real journals) under their own key prefix; SIGKILL of the etcd leader and one follower,
 * so quorum is lost; the backlog written as provisional creates of typical orders spread over the
 * three stores; restart of the two members; then, timed from the restart:
 *
 * <ul>
 *   <li>the first successful raw jetcd put (etcd's own recovery, the floor of everything else);
 *   <li>every store STRONG with an empty backlog;
 *   <li>every replica equal to etcd, proven by digests: every store's {@code replicaDigest()}
 *       equals the digest of a full range read of the prefix in etcd, computed the same way.
 * </ul>
 *
 * <p>Design: three pollers run side by side from the restart on, so a slow one cannot delay the
 * others: the recovery probe (raw puts), the digest check, and this thread polling the stores'
 * modes every {@link BenchStores#POLL}. The full range read is expensive (every record read and
 * hashed) and would take CPU from the reconciliation it measures, so it runs only when the replicas
 * agree with each other and a count-only read of etcd finds as many records as they hold, and at
 * most every {@link #DIGEST_INTERVAL}.
 */
final class BacklogRun {
  /** Writes in flight per store while the backlog is written. */
  static final int WRITERS_PER_STORE = 64;

  /** The least time between two full digest reads of etcd. */
  static final Duration DIGEST_INTERVAL = Duration.ofMillis(200);

  /** The least time between two count-only reads of etcd. */
  static final Duration COUNT_INTERVAL = Duration.ofMillis(50);

  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

  private final Cluster cluster;
  private final RawEtcd raw;
  private final Path dir;
  private final String runId;
  private final PrintStream progress;
  private final List<HybridOrderStore> open;

  /**
   * Creates the phase.
   *
   * @param cluster the running cluster; left healthy after every backlog
   * @param raw the raw client: recovery probe and etcd's digest
   * @param dir where the stores' journals go
   * @param runId names the stores uniquely in this JVM
   * @param progress where progress lines go
   * @param open where the stores it starts are listed while they run, so that the run's shutdown
   *     hook can close them
   */
  BacklogRun(
      Cluster cluster,
      RawEtcd raw,
      Path dir,
      String runId,
      PrintStream progress,
      List<HybridOrderStore> open) {
    this.open = open;
    this.cluster = cluster;
    this.raw = raw;
    this.dir = dir;
    this.runId = runId;
    this.progress = progress;
  }

  /**
   * Runs the phase for one backlog size and leaves the cluster healthy again.
   *
   * @param records the backlog size
   * @param again whether this size ran already in this JVM (then its stores, prefix and order ids
   *     are named apart)
   * @return what it measured
   * @throws BenchmarkException if a step does not complete within its bound
   * @throws InterruptedException if interrupted
   */
  BacklogResult run(int records, boolean again) throws InterruptedException {
    // names the key prefix, the order ids and the stores: the second run of a size writes its own
    String label = BacklogResult.label(records) + (again ? "-again" : "");
    String prefix = "/bench/backlog-" + label + "/";
    int[] ports = FreePorts.allocate(3);
    List<HybridOrderStore> stores = new ArrayList<>();
    ExecutorService probe =
        Executors.newSingleThreadExecutor(r -> new Thread(r, "bench-recovery-probe"));
    ExecutorService checker =
        Executors.newSingleThreadExecutor(r -> new Thread(r, "bench-digest-check"));
    BacklogResult result;
    try {
      for (int i = 0; i < 3; i++) {
        List<String> seeds = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
          if (j != i) {
            seeds.add("127.0.0.1:" + ports[j]);
          }
        }
        stores.add(
            BenchStores.start(
                new BenchStores.Spec(
                    "bench-" + runId + "-" + label + "-n" + (i + 1),
                    "b" + label + "-n" + (i + 1),
                    cluster.etcdClientUrls(),
                    prefix,
                    dir.resolve(label + "-n" + (i + 1)),
                    ports[i],
                    seeds,
                    ApConfig.DEFAULT_GROUP_COMMIT_MAX_BATCH,
                    List.of("b" + label + "-n1", "b" + label + "-n2", "b" + label + "-n3"))));
        open.add(stores.get(i));
      }
      BenchStores.awaitMode(stores, ConsistencyMode.STRONG, Duration.ofSeconds(60));
      BenchStores.until(
          "every store sees its two peers",
          Duration.ofSeconds(60),
          () -> stores.stream().allMatch(s -> BenchStores.peers(s).length == 2),
          () ->
              stores.stream()
                  .map(s -> s.name() + " " + List.of(BenchStores.peers(s)))
                  .toList()
                  .toString());

      OptionalInt leaderHost = cluster.leader(Duration.ofSeconds(10));
      if (leaderHost.isEmpty()) {
        throw new BenchmarkException(
            "backlog " + label + ": no etcd leader agreed by a majority within 10 s");
      }
      EtcdMember leader = cluster.etcd(leaderHost.getAsInt());
      EtcdMember follower = cluster.etcd((leaderHost.getAsInt() + 1) % 3);
      long killed = System.nanoTime();
      leader.kill();
      follower.kill();
      BenchStores.awaitMode(stores, ConsistencyMode.DEGRADED, Duration.ofSeconds(30));
      long detectMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      progress.printf(
          Locale.ROOT,
          "  backlog %s: %s and %s killed; every store DEGRADED after %d ms%n",
          label,
          leader.host().name(),
          follower.host().name(),
          detectMs);

      long writeStart = System.nanoTime();
      int acknowledged = writeBacklog(stores, records, label);
      long writeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - writeStart);
      progress.printf(
          Locale.ROOT,
          "  backlog %s: %d of %d writes acknowledged PROVISIONAL in %d ms%n",
          label,
          acknowledged,
          records,
          writeMs);
      if (acknowledged == 0) {
        throw new BenchmarkException(
            "backlog " + label + ": no write was acknowledged while quorum was lost");
      }

      long restarted = System.nanoTime();
      long cpuAtRestart = Machine.processCpuNanos();
      leader.restart();
      follower.restart();
      Future<Long> recovery =
          probe.submit(
              () ->
                  raw.firstWriteAfter(
                      "/bench/recovery/" + label, restarted, Duration.ofSeconds(60)));
      long deadline = restarted + Duration.ofSeconds(60 + records / 50).toNanos();
      Future<Equal> equal =
          checker.submit(() -> awaitEqual(stores, prefix, acknowledged, restarted, deadline));
      long strongMs = awaitStrong(stores, restarted, deadline, equal);
      long cpuAtStrong = Machine.processCpuNanos();
      long cpuMs =
          cpuAtRestart < 0 || cpuAtStrong < 0
              ? -1
              : TimeUnit.NANOSECONDS.toMillis(cpuAtStrong - cpuAtRestart);
      Equal c = get(equal, deadline);
      long etcdRecoveryMs = get(recovery, deadline);
      long lostRaces = stores.stream().mapToLong(BenchStores::lostRaces).sum();
      progress.printf(
          Locale.ROOT,
          "  backlog %s: restart -> first etcd write %d ms, -> all STRONG %d ms,"
              + " -> replicas equal to etcd %d ms (check %d ms), lost CAS races %d,"
              + " CPU to all STRONG %d ms%n",
          label,
          etcdRecoveryMs,
          strongMs,
          c.equalMs(),
          c.checkMs(),
          lostRaces,
          cpuMs);
      result =
          new BacklogResult(
              records,
              again,
              acknowledged,
              detectMs,
              writeMs,
              etcdRecoveryMs,
              strongMs,
              c.equalMs(),
              c.checkMs(),
              lostRaces,
              cpuMs,
              c.digest());
    } finally {
      probe.shutdownNow();
      checker.shutdownNow();
      BenchStores.closeAll(stores);
      open.removeAll(stores);
    }
    // the next phase needs the whole cluster again (after a failure the caller closes it instead)
    cluster.awaitHealthy(Duration.ofSeconds(60));
    return result;
  }

  /**
   * Provisional creates of typical orders, round-robin over the stores, a bounded number in flight.
   */
  private int writeBacklog(List<HybridOrderStore> stores, int records, String label)
      throws InterruptedException {
    Semaphore inFlight = new Semaphore(WRITERS_PER_STORE * stores.size());
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicReference<String> firstProblem = new AtomicReference<>();
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      if (!inFlight.tryAcquire(WRITE_TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
        throw new BenchmarkException(
            "backlog " + label + ": writes stopped completing after " + i + " of " + records);
      }
      OrderId id = OrderId.of(String.format(Locale.ROOT, "b%s-%06d", label, i));
      writes.add(
          stores
              .get(i % stores.size())
              .apply(TypicalOrder.create(id))
              .toCompletableFuture()
              .orTimeout(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
              .whenComplete(
                  (r, e) -> {
                    inFlight.release();
                    if (e == null && r.acceptance() == Acceptance.PROVISIONAL) {
                      acknowledged.incrementAndGet();
                    } else {
                      firstProblem.compareAndSet(
                          null, e != null ? e.toString() : "acknowledged " + r.acceptance());
                    }
                  }));
    }
    try {
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
          .exceptionally(e -> null)
          .get(WRITE_TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new BenchmarkException("backlog " + label + ": the last writes did not complete", e);
    }
    if (firstProblem.get() != null) {
      progress.println(
          "  backlog "
              + label
              + ": first write not acknowledged PROVISIONAL: "
              + firstProblem.get());
    }
    return acknowledged.get();
  }

  /** When the replicas first equalled etcd, in ms from the restart, and the check's duration. */
  private record Equal(long equalMs, long checkMs, String digest) {}

  /** Polls every store until all are STRONG with an empty backlog; returns ms from the restart. */
  private static long awaitStrong(
      List<HybridOrderStore> stores, long restarted, long deadline, Future<Equal> equal) {
    while (true) {
      long now = System.nanoTime();
      if (stores.stream()
          .allMatch(s -> s.mode() == ConsistencyMode.STRONG && s.backlogSize() == 0)) {
        return TimeUnit.NANOSECONDS.toMillis(now - restarted);
      }
      if (now > deadline) {
        throw new BenchmarkException(
            "not all stores STRONG with an empty backlog within "
                + TimeUnit.NANOSECONDS.toSeconds(deadline - restarted)
                + " s of the restart; last seen "
                + BenchStores.modes(stores));
      }
      if (failed(equal)) {
        return -1; // the caller's get() rethrows why
      }
      LockSupport.parkNanos(BenchStores.POLL.toNanos());
    }
  }

  /**
   * Polls until every replica's digest equals etcd's (runs on its own thread, so that an etcd call
   * that waits for a leader does not delay the STRONG poll). The full range read runs only when the
   * replicas agree and etcd holds as many records as they do.
   */
  private Equal awaitEqual(
      List<HybridOrderStore> stores,
      String prefix,
      int acknowledged,
      long restarted,
      long deadline) {
    String lastSeen = "nothing yet";
    while (System.nanoTime() < deadline) {
      List<String> digests =
          stores.stream().map(HybridOrderStore::replicaDigest).distinct().toList();
      lastSeen = "replica digests " + digests;
      long pause = COUNT_INTERVAL.toNanos();
      if (digests.size() == 1 && count(digests.get(0)) >= acknowledged) {
        long etcdCount = etcdCount(prefix);
        lastSeen += ", etcd count " + etcdCount;
        if (etcdCount == count(digests.get(0))) {
          long checkStart = System.nanoTime();
          RawEtcd.Digest etcd;
          try {
            etcd = raw.digest(prefix, false);
          } catch (BenchmarkException e) {
            etcd = new RawEtcd.Digest("unreadable (" + e.getMessage() + ")", 0);
          }
          long checkEnd = System.nanoTime();
          lastSeen += ", etcd digest " + etcd.value();
          if (etcd.value().equals(digests.get(0))) {
            return new Equal(
                TimeUnit.NANOSECONDS.toMillis(etcd.snapshotNanos() - restarted),
                TimeUnit.NANOSECONDS.toMillis(checkEnd - checkStart),
                etcd.value());
          }
          pause = DIGEST_INTERVAL.toNanos();
        }
      }
      LockSupport.parkNanos(pause);
      if (Thread.interrupted()) {
        throw new BenchmarkException("interrupted while comparing the replicas with etcd");
      }
    }
    throw new BenchmarkException(
        "replicas not equal to etcd within "
            + TimeUnit.NANOSECONDS.toSeconds(deadline - restarted)
            + " s of the restart; last seen "
            + lastSeen);
  }

  /** etcd's record count under the prefix, or -1 while etcd cannot answer. */
  private long etcdCount(String prefix) {
    try {
      return raw.count(prefix);
    } catch (BenchmarkException e) {
      return -1;
    }
  }

  private static long count(String digest) {
    int colon = digest.indexOf(':');
    return colon < 0 ? -1 : Long.parseLong(digest.substring(0, colon));
  }

  private static boolean failed(Future<?> f) {
    if (!f.isDone()) {
      return false;
    }
    try {
      f.get();
      return false;
    } catch (ExecutionException | java.util.concurrent.CancellationException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private static <T> T get(Future<T> f, long deadline) throws InterruptedException {
    try {
      return f.get(
          Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(5),
          TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof BenchmarkException b
          ? b
          : new BenchmarkException("backlog check failed: " + c, c);
    } catch (TimeoutException e) {
      throw new BenchmarkException("a backlog check did not finish by its deadline", e);
    }
  }
}
