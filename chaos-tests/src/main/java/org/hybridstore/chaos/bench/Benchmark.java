package org.hybridstore.chaos.bench;

import io.etcd.jetcd.ByteSequence;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.hybridstore.Acceptance;
import org.hybridstore.ApConfig;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.CpConfig;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.WriteResult;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.ClusterSpec;
import org.hybridstore.chaos.cluster.EtcdMember;
import org.hybridstore.switchover.HybridOrderStore;
import org.hybridstore.testkit.ChildProcesses;
import org.hybridstore.testkit.FreePorts;

/**
 * Runs {@code ./chaos bench}: in one process, on one fresh local 3-member etcd cluster it starts
 * itself (free ports on 127.0.0.1, its own temporary directory, {@code --pre-vote=true} and the
 * configured heartbeat and election timeout), it measures, in this order:
 *
 * <ol>
 *   <li>the encoded size of a typical order ({@link TypicalOrder});
 *   <li>the convergence after each backlog ({@link BacklogRun}), while the cluster is fresh: a
 *       restarted member replays its write-ahead log, which the throughput phases fill;
 *   <li>raw jetcd single-key CAS against the STRONG command of a real {@link HybridOrderStore},
 *       with {@link BenchSettings#inFlight()} requests in flight and with one;
 *   <li>raw etcd put against the DEGRADED durable write of the same store, forced DEGRADED through
 *       its operator API ({@link HybridOrderStore#forceDegrade}); the write is acknowledged after
 *       the journal's fsync;
 *   <li>one commit per write (a second store with {@code groupCommitMaxBatch = 1}) against group
 *       commit (the default), both DEGRADED.
 * </ol>
 *
 * <p>Every pair writes typical orders whose op-id history is full, or raw values of exactly their
 * size, and alternates its sides round by round (A, B, A, B, ...). Everything it starts (etcd,
 * stores, the temporary directory) is removed when it returns or throws, and by a shutdown hook if
 * the JVM is stopped first.
 *
 * <p>Not thread-safe: one run at a time per instance; {@link #run} creates its own.
 */
public final class Benchmark {
  /** etcd key prefix of the throughput phases' orders. */
  static final String ORDERS = "/bench/orders/";

  /** Client-side bound on one operation, beyond the calls' own deadlines. */
  static final Duration OP_TIMEOUT = Duration.ofSeconds(10);

  /** One side's share of a JIT warm-up turn ({@link #warmUpJit}). */
  static final Duration JIT_TURN = Duration.ofSeconds(3);

  /** The most JIT warm-up turns: 36 s. */
  static final int JIT_TURNS = 6;

  /** Tries of one seeding command. */
  static final int SEED_ATTEMPTS = 50;

  private static final Executor SEED_RETRY_DELAY =
      CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS);

  private final BenchSettings settings;
  private final PrintStream progress;
  private final String runId = HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
  private final AtomicLong updates = new AtomicLong();

  private Benchmark(BenchSettings settings, PrintStream progress) {
    this.settings = settings;
    this.progress = progress;
  }

  /**
   * Runs every phase and returns the figures.
   *
   * @param settings what to run
   * @param command the command line, recorded in the result
   * @param progress where progress lines go
   * @return the result
   * @throws BenchmarkException if a phase cannot be carried out (with what was observed)
   * @throws InterruptedException if interrupted
   */
  public static BenchResult run(BenchSettings settings, String command, PrintStream progress)
      throws InterruptedException {
    return new Benchmark(settings, progress).run(command);
  }

  private BenchResult run(String command) throws InterruptedException {
    Instant date = Instant.now();
    long start = System.nanoTime();
    List<Double> loadBefore = Machine.loadAverage();
    Path dir;
    try {
      dir = Files.createTempDirectory("hybridstore-bench-");
    } catch (IOException e) {
      throw new BenchmarkException("cannot create a temporary directory: " + e.getMessage(), e);
    }
    List<HybridOrderStore> stores = new CopyOnWriteArrayList<>();
    Thread hook =
        new Thread(
            () -> {
              BenchStores.closeAll(stores);
              deleteTree(dir);
            },
            "hybridstore-bench-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    ClusterSpec spec =
        ClusterSpec.builder()
            .hosts(3)
            .heartbeatMs(settings.heartbeatMs())
            .electionMs(settings.electionMs())
            .preVote(true)
            .mode(ClusterSpec.Mode.LOOPBACK)
            .workDir(dir.resolve("cluster"))
            .build();
    progress.printf(
        Locale.ROOT,
        "./chaos bench %s: starting a 3-member etcd cluster (%s) in %s%n",
        runId,
        settings.etcdFlags(),
        dir);
    try (Cluster cluster = Cluster.start(spec);
        RawEtcd raw = new RawEtcd(cluster.etcdClientUrls(), CpConfig.DEFAULT_REQUEST_TIMEOUT)) {
      try {
        return phases(cluster, raw, dir, stores, command, date, start, loadBefore);
      } finally {
        // before the cluster goes: a store closes faster while etcd still answers
        BenchStores.closeAll(stores);
      }
    } catch (RuntimeException e) {
      if (e instanceof BenchmarkException) {
        throw e;
      }
      throw new BenchmarkException("./chaos bench failed: " + e, e);
    } finally {
      BenchStores.closeAll(stores);
      deleteTree(dir);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or ran
      }
    }
  }

  private BenchResult phases(
      Cluster cluster,
      RawEtcd raw,
      Path dir,
      List<HybridOrderStore> stores,
      String command,
      Instant date,
      long start,
      List<Double> loadBefore)
      throws InterruptedException {
    int recordBytes = TypicalOrder.recordBytes();
    progress.printf(
        Locale.ROOT, "record_bytes: a typical order encodes to %d bytes%n", recordBytes);

    // 1. convergence after each backlog, first: a restarted etcd member replays its WAL, and after
    // the throughput phases (about 100,000 writes of 3 KB) that alone took 8 s and 32 s here
    // instead of about 1 s, so etcd's recovery would no longer be the floor the targets mean
    List<BacklogResult> backlogs = new ArrayList<>();
    BacklogRun backlogRun =
        new BacklogRun(cluster, raw, dir.resolve("backlogs"), runId, progress, stores);
    // Each size twice in a row: the first runs code the young JVM has not compiled yet (as right
    // after a node's start), the second the same work with more of it compiled.
    for (int records : settings.backlogs()) {
      for (boolean again : new boolean[] {false, true}) {
        progress.printf(
            Locale.ROOT,
            "backlog of %,d records%s: three stores, etcd leader and a follower killed%n",
            records,
            again ? ", again" : "");
        backlogs.add(backlogRun.run(records, again));
      }
    }

    // 2. STRONG command against raw CAS, on orders whose op-id history is full
    CpuMeter meter =
        new CpuMeter(() -> cluster.etcdMembers().stream().map(EtcdMember::pid).toList());
    List<OrderId> orders = new ArrayList<>();
    for (int i = 0; i < settings.inFlight(); i++) {
      orders.add(OrderId.of(String.format(Locale.ROOT, "order-%06d", i)));
    }
    int[] ports = FreePorts.allocate(2);
    HybridOrderStore store =
        BenchStores.start(
            new BenchStores.Spec(
                "bench-" + runId + "-a",
                "bench-a",
                cluster.etcdClientUrls(),
                ORDERS,
                dir.resolve("store-a"),
                ports[0],
                List.of(),
                ApConfig.DEFAULT_GROUP_COMMIT_MAX_BATCH,
                List.of("bench-a")));
    stores.add(store);
    BenchStores.awaitMode(List.of(store), ConsistencyMode.STRONG, Duration.ofSeconds(60));
    seed(store, orders);
    int payload = raw.get(ORDERS + orders.get(0).value()).length;
    progress.printf(
        Locale.ROOT, "payload: the benchmark orders' records are %d bytes in etcd%n", payload);
    ByteSequence value = RawEtcd.filler(payload);

    IntFunction<CompletionStage<Boolean>> strong =
        w -> write(store, orders.get(w), Acceptance.STRONG);
    List<Long> jitWarmup =
        settings.quick()
            ? List.of()
            : warmUpJit(
                raw.compareAndSwaps("/bench/raw/cas-warm/", value, settings.inFlight()),
                strong,
                meter);
    PairResult strongPair =
        pair(
            raw,
            meter,
            "strong_over_raw_cas",
            "raw jetcd CAS txn",
            "STRONG command",
            settings.inFlight(),
            payload,
            raw.compareAndSwaps("/bench/raw/cas/", value, settings.inFlight()),
            strong);
    PairResult strongSingle =
        pair(
            raw,
            meter,
            "strong_over_raw_cas_1_in_flight",
            "raw jetcd CAS txn",
            "STRONG command",
            1,
            payload,
            raw.compareAndSwaps("/bench/raw/cas-1/", value, 1),
            strong);

    // 3. DEGRADED durable write against raw put: the same store, forced DEGRADED
    store.forceDegrade("./chaos bench: DEGRADED write phase");
    BenchStores.awaitMode(List.of(store), ConsistencyMode.DEGRADED, Duration.ofSeconds(30));
    IntFunction<CompletionStage<Boolean>> degraded =
        w -> write(store, orders.get(w), Acceptance.PROVISIONAL);
    PairResult degradedPair =
        pair(
            raw,
            meter,
            "degraded_over_raw_put",
            "raw etcd put",
            "DEGRADED durable write",
            settings.inFlight(),
            payload,
            raw.puts("/bench/raw/put/", value),
            degraded);

    // 4. group commit against one commit per write: a second store with batches of one, which
    // mirrors the same orders from etcd before it is forced DEGRADED too
    HybridOrderStore single =
        BenchStores.start(
            new BenchStores.Spec(
                "bench-" + runId + "-b",
                "bench-b",
                cluster.etcdClientUrls(),
                ORDERS,
                dir.resolve("store-b"),
                ports[1],
                List.of(),
                1,
                List.of("bench-b")));
    stores.add(single);
    BenchStores.awaitMode(List.of(single), ConsistencyMode.STRONG, Duration.ofSeconds(60));
    BenchStores.until(
        "the second store mirrors the benchmark orders",
        Duration.ofSeconds(60),
        () ->
            single.replicaOrderIds("", 10_000).size() >= orders.size()
                && single.mirrorLagRevisions() == 0,
        () ->
            single.replicaOrderIds("", 10_000).size()
                + " orders, lag "
                + single.mirrorLagRevisions());
    single.forceDegrade("./chaos bench: one commit per write");
    BenchStores.awaitMode(List.of(single), ConsistencyMode.DEGRADED, Duration.ofSeconds(30));
    IntFunction<CompletionStage<Boolean>> oneCommit =
        w -> write(single, orders.get(w), Acceptance.PROVISIONAL);
    PairResult groupPair =
        pair(
            raw,
            meter,
            "group_commit_over_single",
            "one commit per write (batch 1)",
            "group commit (batch " + ApConfig.DEFAULT_GROUP_COMMIT_MAX_BATCH + ")",
            settings.inFlight(),
            payload,
            oneCommit,
            degraded);
    BenchStores.closeAll(stores);
    stores.clear();

    BenchResult.Environment env =
        new BenchResult.Environment(
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.version"),
            Machine.etcdVersion(),
            loadBefore,
            Machine.loadAverage());
    return new BenchResult(
        date,
        command,
        settings,
        env,
        recordBytes,
        payload,
        strongPair,
        strongSingle,
        degradedPair,
        groupPair,
        backlogs,
        Duration.ofNanos(System.nanoTime() - start),
        jitWarmup);
  }

  /**
   * Runs both sides of the STRONG pair, untimed, in turns of {@link #JIT_TURN} each, until the JIT
   * compiler spends less than a quarter of a turn's time compiling, or {@link #JIT_TURNS} turns.
   *
   * <p>Why: the backlogs run first, in a young JVM, so the throughput pairs started while the JIT
   * compiler was still compiling the transport and store code: in a default run its compile time
   * was 7.9 and 8.2 s in the two 8-s windows of the first round, 1.3 and 3.0 s in the second, 1.0
   * and 0.5 s in the third, and the rounds' ratios 1.78, 1.04 and 1.69 (docs/performance.md, "CPU
   * per operation, and the JIT in the measured windows"). The rounds measure the code, not its
   * compilation.
   *
   * @return the compile time of each turn, in milliseconds (empty if the JVM cannot tell)
   */
  private List<Long> warmUpJit(
      IntFunction<? extends CompletionStage<Boolean>> raw,
      IntFunction<? extends CompletionStage<Boolean>> strong,
      CpuMeter meter)
      throws InterruptedException {
    List<Long> turns = new ArrayList<>();
    for (int t = 1; t <= JIT_TURNS; t++) {
      long before = meter.read().compileMillis();
      ClosedLoop.run(
          "JIT warm-up, raw CAS",
          settings.inFlight(),
          Duration.ZERO,
          JIT_TURN,
          OP_TIMEOUT,
          raw,
          meter);
      ClosedLoop.run(
          "JIT warm-up, STRONG",
          settings.inFlight(),
          Duration.ZERO,
          JIT_TURN,
          OP_TIMEOUT,
          strong,
          meter);
      long after = meter.read().compileMillis();
      if (before < 0 || after < 0) {
        progress.printf(Locale.ROOT, "JIT warm-up: this JVM does not report compile time%n");
        return List.of();
      }
      turns.add(after - before);
      progress.printf(
          Locale.ROOT,
          "JIT warm-up turn %d: %,d ms of compile time in 2 x %d s%n",
          t,
          after - before,
          JIT_TURN.toSeconds());
      if (after - before < JIT_TURN.toMillis() * 2 / 4) {
        break;
      }
    }
    return turns;
  }

  /** One benchmark command on a worker's order, checked for the acceptance the pair measures. */
  private CompletionStage<Boolean> write(
      HybridOrderStore store, OrderId order, Acceptance expected) {
    return store
        .apply(TypicalOrder.update(order, updates.incrementAndGet()))
        .thenApply(r -> r.acceptance() == expected);
  }

  /**
   * Gives every order its typical history through the store, all orders in parallel, each order's
   * commands one after the other; then waits until nothing is left to reconcile (a command that
   * fell back to the journal is folded in first). A command that fails is retried under the same op
   * id, so it applies once: on this loaded machine the store can change mode in the middle of the
   * seeding, and the next command may then be refused for a while (reported, not hidden).
   */
  private void seed(HybridOrderStore store, List<OrderId> orders) throws InterruptedException {
    long start = System.nanoTime();
    AtomicLong retries = new AtomicLong();
    AtomicReference<String> firstRetry = new AtomicReference<>();
    List<CompletableFuture<WriteResult>> chains = new ArrayList<>();
    for (OrderId id : orders) {
      CompletableFuture<WriteResult> chain = CompletableFuture.completedFuture(null);
      for (OrderCommand c : TypicalOrder.history(id)) {
        chain = chain.thenCompose(r -> withRetries(store, c, SEED_ATTEMPTS, retries, firstRetry));
      }
      chains.add(chain);
    }
    Duration bound =
        Duration.ofSeconds(60 + (long) orders.size() * TypicalOrder.HISTORY_COMMANDS / 20);
    try {
      CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new))
          .get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new BenchmarkException(
          "seeding the benchmark orders failed after "
              + SEED_ATTEMPTS
              + " tries of one"
              + " command: "
              + e.getCause(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new BenchmarkException(
          "seeding the benchmark orders did not finish within " + bound.toSeconds() + " s", e);
    }
    BenchStores.until(
        "the seeded store STRONG with an empty backlog",
        Duration.ofSeconds(60),
        () -> store.mode() == ConsistencyMode.STRONG && store.backlogSize() == 0,
        () -> BenchStores.modes(List.of(store)));
    progress.printf(
        Locale.ROOT,
        "seeded %d typical orders (%d commands each) in %d ms%s%n",
        orders.size(),
        TypicalOrder.HISTORY_COMMANDS,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
        retries.get() == 0
            ? ""
            : "; " + retries.get() + " commands retried, first because of " + firstRetry.get());
  }

  // handle() yields a future of the retry's future, flattened by thenCompose below.
  @SuppressWarnings("FutureReturnValueIgnored")
  private static CompletableFuture<WriteResult> withRetries(
      HybridOrderStore store,
      OrderCommand c,
      int attempts,
      AtomicLong retries,
      AtomicReference<String> firstRetry) {
    return store
        .apply(c)
        .toCompletableFuture()
        .orTimeout(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (r, e) -> {
              if (e == null) {
                return CompletableFuture.completedFuture(r);
              }
              if (attempts <= 1) {
                return CompletableFuture.<WriteResult>failedFuture(e);
              }
              retries.incrementAndGet();
              firstRetry.compareAndSet(
                  null,
                  (e.getCause() != null ? e.getCause() : e)
                      + " ("
                      + c.getClass().getSimpleName()
                      + " while the store was "
                      + store.mode()
                      + ")");
              return CompletableFuture.supplyAsync(() -> null, SEED_RETRY_DELAY)
                  .thenCompose(x -> withRetries(store, c, attempts - 1, retries, firstRetry));
            })
        .thenCompose(f -> f);
  }

  /**
   * A pair's rounds: A then B in each round, on the same payload; etcd's history is compacted after
   * each round ({@link RawEtcd#compact}).
   */
  private PairResult pair(
      RawEtcd raw,
      CpuMeter meter,
      String key,
      String aName,
      String bName,
      int inFlight,
      int payload,
      IntFunction<? extends CompletionStage<Boolean>> a,
      IntFunction<? extends CompletionStage<Boolean>> b)
      throws InterruptedException {
    Duration warmup = Duration.ofSeconds(settings.warmupSeconds());
    Duration window = Duration.ofSeconds(settings.seconds());
    List<PairResult.Round> rounds = new ArrayList<>();
    for (int r = 1; r <= settings.rounds(); r++) {
      Measurement ma =
          measure(ClosedLoop.run(aName, inFlight, warmup, window, OP_TIMEOUT, a, meter), key, r);
      Measurement mb =
          measure(ClosedLoop.run(bName, inFlight, warmup, window, OP_TIMEOUT, b, meter), key, r);
      raw.compact();
      PairResult.Round round = new PairResult.Round(r, ma, mb);
      rounds.add(round);
      progress.printf(Locale.ROOT, "%s round %d: %s %.2f%n", key, r, "ratio", round.ratio());
    }
    return new PairResult(key, aName, bName, inFlight, payload, rounds);
  }

  private Measurement measure(Measurement m, String key, int round) {
    progress.printf(
        Locale.ROOT,
        "  %-44s %3d in flight %8.0f ops/s  p50 %7.1f ms  p99 %7.1f ms  CPU/op %s µs, etcd %s µs,"
            + " JIT %s ms%s%n",
        m.name(),
        m.inFlight(),
        m.opsPerSecond(),
        m.p50Ms(),
        m.p99Ms(),
        BenchReport.micros(m.cpuMicrosPerOp()),
        BenchReport.micros(m.etcdCpuMicrosPerOp()),
        m.compileMillis() < 0 ? "?" : Long.toString(m.compileMillis()),
        m.errors() + m.other() == 0
            ? ""
            : "  errors "
                + m.errors()
                + ", other "
                + m.other()
                + (m.firstError() == null ? "" : " (first: " + m.firstError() + ")"));
    if (m.ok() == 0) {
      throw new BenchmarkException(
          key
              + " round "
              + round
              + ": "
              + m.name()
              + " completed no operation in "
              + settings.seconds()
              + " s ("
              + m.errors()
              + " errors, "
              + m.other()
              + " other"
              + (m.firstError() == null ? "" : ", first error: " + m.firstError())
              + ")");
    }
    return m;
  }

  private static void deleteTree(Path dir) {
    try {
      ChildProcesses.deleteTree(dir);
    } catch (IOException | UncheckedIOException e) {
      System.err.println("bench: could not delete " + dir + ": " + e);
    }
  }
}
