package org.hybridstore.chaos.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.OrderCommand;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Checkers;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.client.NodeClient;
import org.hybridstore.chaos.client.OrderClient;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.ClusterSpec;
import org.hybridstore.chaos.cluster.HostProcess;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryWriters;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.OpType;
import org.hybridstore.chaos.history.Operation;
import org.hybridstore.chaos.nemesis.Nemesis;
import org.hybridstore.chaos.workload.OrderWorkload;
import org.hybridstore.codec.CommandCodec;
import org.hybridstore.codec.OrderJson;
import org.hybridstore.codec.RecordCodec;
import org.jspecify.annotations.Nullable;

/**
 * One Jepsen-style run, in the phases of jepsen-io/etcd's {@code etcd-test}:
 *
 * <ol>
 *   <li>set up: build the hosts, start etcd and the order-service nodes, create the register
 *       orders;
 *   <li>workload and nemesis under the time limit: clients invoke operations at the configured rate
 *       while the nemesis cycles faults (hold each for {@code faultSeconds}, then heal and measure
 *       how long the nodes take to converge);
 *   <li>healing the cluster, then waiting for recovery (every node STRONG with an empty backlog);
 *   <li>final reads of every node's replica and of etcd itself;
 *   <li>check, and write {@code history.jsonl}, {@code history.edn}, {@code results.json} and
 *       {@code report.html} into {@code target/chaos/<timestamp>-<name>/}.
 * </ol>
 */
public final class ChaosRun {
  /** How long a fault window may take to converge after its heal before it counts as a failure. */
  static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(30);

  /** How long the cluster may take to recover after the final heal before the run is invalid. */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);

  /**
   * How long a provisional write acknowledged on one node may take to be readable (LOCAL) on every
   * node that node can reach (docs/local-journal.md, section 4: a push, else the next anti-entropy
   * round of 1 s).
   */
  static final Duration REPLICATION_BOUND = Duration.ofSeconds(10);

  /**
   * After the recovery: how long provisional writes may still take to be confirmed, and the change
   * feeds to deliver etcd's last versions (both are due by the recovery itself).
   */
  static final Duration CONFIRMATION_BOUND = Duration.ofSeconds(30);

  /** The faults during which etcd is compacted while the killed node is down (see compactEtcd). */
  static final Set<String> COMPACT_WHILE_DOWN = Set.of("kill-node");

  /** Where the service keeps its orders in etcd (the service's default prefix). */
  static final String ORDERS_PREFIX = "/hybridstore/orders/";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int FINAL_PROCESS_BASE = 100_000;
  private static final int SETUP_PROCESS = 99_999;

  /** The process that records confirmations in the history (one invoke/ok pair each). */
  private static final int CONFIRM_PROCESS = 99_998;

  private final RunConfig config;
  private final PrintStream out;
  private final Path dir;
  private final long t0 = System.nanoTime();
  private final History history = new History();
  private final List<FaultWindow> windows = new CopyOnWriteArrayList<>();
  private final AtomicReference<String> currentFault = new AtomicReference<>("none");
  private final AtomicReference<Nemesis> activeNemesis = new AtomicReference<>();
  private final Map<String, String> nemesisErrors = new ConcurrentHashMap<>();
  private final Set<String> nemesesRun = ConcurrentHashMap.newKeySet();
  private final List<String> finalReadFailures = new CopyOnWriteArrayList<>();
  private ReplicationProbe replication;
  private ConfirmationProbe confirmations;
  private ChangeFeedProbe feeds;
  private final AtomicReference<String> lastFaultStarted =
      new AtomicReference<>("before-any-fault");
  private final Object confirmLog = new Object();

  /** etcd's history recorded before each compaction, and the revisions compacted at. */
  private final List<EtcdHistory> historyParts = new CopyOnWriteArrayList<>();

  private final List<Long> compactedAt = new CopyOnWriteArrayList<>();

  /**
   * Counted down when the workload ends: the nemesis loop stops waiting (a heal is never
   * interrupted).
   */
  private final java.util.concurrent.CountDownLatch runEnded =
      new java.util.concurrent.CountDownLatch(1);

  private ModeSampler sampler;
  private Cluster cluster;
  private @Nullable String dashboardUrl;

  @SuppressWarnings("NullAway.Init") // the probes, sampler and cluster are set by run() first
  private ChaosRun(RunConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
    String stamp =
        LocalDateTime.now(ZoneId.systemDefault())
            .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    this.dir =
        config.outputRoot().resolve(stamp + "-" + config.name().replaceAll("[^A-Za-z0-9]+", "-"));
  }

  /**
   * Runs the test.
   *
   * @param config the settings
   * @param out where progress and the summary go
   * @return the result
   * @throws Exception if the run could not be carried out (that is not a verdict)
   */
  public static RunResult run(RunConfig config, PrintStream out) throws Exception {
    return new ChaosRun(config, out).execute();
  }

  private long nanos() {
    return System.nanoTime() - t0;
  }

  private RunResult execute() throws Exception {
    Files.createDirectories(dir);
    out.println("run " + config.name() + " -> " + dir);
    // The loopback mode is a choice, never a fallback: without --loopback the run needs namespaces.
    ClusterSpec spec =
        ClusterSpec.builder()
            .hosts(config.nodes())
            .heartbeatMs(config.heartbeatMs())
            .electionMs(config.electionMs())
            .preVote(true)
            .workDir(dir)
            .mode(config.loopback() ? ClusterSpec.Mode.LOOPBACK : ClusterSpec.Mode.NAMESPACES)
            .build();
    ExecutorService http = Executors.newFixedThreadPool(8, daemon("chaos-http"));
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, daemon("chaos-timer"));
    try (Cluster cluster = Cluster.start(spec);
        ServiceNodes nodes = new ServiceNodes(cluster, config, dir, http)) {
      this.cluster = cluster;
      out.println(
          (cluster.usesNamespaces()
                  ? "hosts: network namespaces"
                  : "hosts: loopback (reduced mode: process faults only)")
              + ", etcd "
              + spec.etcdTimingFlags()
              + (config.mutant().isEmpty() ? "" : ", MUTANT " + config.mutant()));
      List<Nemesis> nemeses = RunNemeses.resolve(config.nemeses(), cluster, nodes, out);
      nodes.startAll();
      if (config.dashboard()) {
        out.println("live dashboard (while the run lasts): " + nodes.dashboardUrl());
        dashboardUrl = nodes.dashboardUrl();
      }
      // twice the configured rate for the whole run: an overflow would land on the last key set
      OrderWorkload workload =
          new OrderWorkload(
              config.registerKeys(),
              OrderWorkload.generationsFor(
                  2L * config.rate() * config.timeLimitSeconds(), config.registerKeys()));
      setUp(nodes, workload);
      ModeSampler sampler = new ModeSampler(nodes.clients(), () -> nanos() / 1_000_000);
      this.sampler = sampler;
      sampler.start(scheduler);
      ResourceSampler resources = new ResourceSampler(nodes, () -> nanos() / 1_000_000);
      resources.start();
      replication =
          new ReplicationProbe(
              nodes.clients(), scheduler, this::nanos, this::reachable, REPLICATION_BOUND);
      confirmations =
          new ConfirmationProbe(
              nodes.clients(),
              scheduler,
              () -> nanos() / 1_000_000,
              lastFaultStarted::get,
              this::logConfirmation);
      long fromRevision =
          cluster
              .etcdRevision(Duration.ofSeconds(2))
              .orElseThrow(
                  () -> new IllegalStateException("etcd did not say its revision after the setup"));
      feeds =
          new ChangeFeedProbe(
              nodes.clients(), fromRevision, () -> nanos() / 1_000_000, confirmations);
      feeds.start();
      var unused = scheduler.scheduleAtFixedRate(feeds::watchdog, 5, 5, TimeUnit.SECONDS);
      long runStart = nanos();
      long deadline = runStart + TimeUnit.SECONDS.toNanos(config.timeLimitSeconds());
      AtomicBoolean stop = new AtomicBoolean();
      Thread nemesisThread =
          new Thread(() -> nemesisLoop(cluster, nemeses, sampler, stop), "chaos-nemesis");
      nemesisThread.setDaemon(true);
      nemesisThread.start();
      List<Thread> workers = startWorkers(nodes, workload, deadline, stop);
      ScheduledFuture<?> progress =
          scheduler.scheduleAtFixedRate(
              () ->
                  out.printf(
                      "[%4ds] ops %d, fault: %s, modes: %s%n",
                      (nanos() - runStart) / 1_000_000_000,
                      history.size(),
                      currentFault.get(),
                      sampler.summary()),
              5,
              5,
              TimeUnit.SECONDS);
      for (Thread w : workers) {
        w.join();
      }
      stop.set(true);
      runEnded
          .countDown(); // ends a quiet period or a held fault; never interrupts a heal in progress
      nemesisThread.join(TimeUnit.SECONDS.toMillis(120));
      progress.cancel(false);
      long runEnd = nanos();

      out.println("healing cluster");
      RunNemeses.healAll(cluster, nodes);
      out.println("waiting for recovery");
      long recoveryStart = nanos();
      long recoveryMillis = awaitConverged(recoveryStart / 1_000_000, RECOVERY_BOUND);
      out.println(
          recoveryMillis >= 0
              ? "recovered in " + recoveryMillis + " ms"
              : "did NOT recover within " + RECOVERY_BOUND + ": " + sampler.latest());
      replication.close();
      confirmations.settle(CONFIRMATION_BOUND.toMillis());
      confirmations.close();
      finalReads(nodes, cluster);
      Map<String, Long> lastInEtcd = new TreeMap<>();
      etcdRecords(dir.resolve("etcd-final-revisions.json"))
          .forEach((id, r) -> lastInEtcd.put(id, r.modRevision()));
      feeds.awaitCaughtUp(lastInEtcd, CONFIRMATION_BOUND.toMillis());
      feeds.close();
      sampler.close();
      resources.close();

      out.println("checking " + history.size() + " ops");
      Map<String, CheckResult> checks = new LinkedHashMap<>();
      CheckResult historyChecks = Checkers.checkSafe(workload.checker(), history);
      historyChecks.details().forEach((name, r) -> checks.put(name, (CheckResult) r));
      checks.put("final-reads", finalReadsCheck(nodes.size()));
      checks.put("faults", faultsCheck(nemeses));
      checks.put("convergence", convergenceCheck());
      checks.put("recovery", recoveryCheck(recoveryMillis));
      checks.put("replication", replication.result());
      EtcdHistory.Reader etcdAt =
          (key, revision) -> cluster.etcdRead(key, revision, Duration.ofSeconds(2));
      List<EtcdHistory> parts = new ArrayList<>(historyParts);
      parts.add(
          EtcdHistory.read(
              compactedAt.isEmpty()
                  ? feeds.fromRevision()
                  : compactedAt.get(compactedAt.size() - 1),
              lastInEtcd,
              new EtcdWatchVersions(cluster.etcdClientUrls()),
              ORDERS_PREFIX,
              EtcdHistory.READ_BOUND));
      EtcdHistory etcdHistory = EtcdHistory.join(feeds.fromRevision(), parts);
      checks.put(
          "confirmations",
          confirmations.result(
              etcdHistory,
              etcdAt,
              ORDERS_PREFIX,
              laterWrites(history.operations(), sampler.samples())));
      checks.put("change-feed", feeds.result(lastInEtcd, etcdHistory, List.copyOf(compactedAt)));
      checks.put(
          "resources",
          resources.result(
              runEnd / 1_000_000,
              cluster.processes().stream()
                  .filter(p -> p.name().startsWith("node-"))
                  .map(HostProcess::logFile)
                  .toList()));
      for (Nemesis n : nemeses) {
        if (n instanceof RunNemeses.BitflipJournal flips) {
          checks.put("journal-damage", flips.result());
        }
      }
      Validity verdict = Validity.VALID;
      for (CheckResult r : checks.values()) {
        verdict = verdict.merge(r.validity());
      }
      CheckResult check = CheckResult.of(verdict, new LinkedHashMap<String, Object>(checks));
      Map<String, Object> figures = Figures.compute(history, windows, runEnd, sampler.samples());
      figures.put("recoveryMillis", recoveryMillis);
      figures.put("recoveryStartMillis", recoveryStart / 1_000_000);
      figures.put("replicationLagMillis", replication.lagQuantiles());
      figures.put("confirmationMillis", confirmations.confirmationQuantiles());
      figures.put("resources", resources.figures(runEnd / 1_000_000));
      RunResult result =
          new RunResult(
              config, dir, check, figures, cluster.usesNamespaces(), spec.etcdTimingFlags());
      write(result, sampler);
      Summary.print(result, out);
      return result;
    } finally {
      scheduler.shutdownNow();
      http.shutdownNow();
    }
  }

  /**
   * While a {@code kill-node} fault holds a node down: records etcd's history of every order up to
   * the current revision (after the last compaction), then compacts etcd there. The restarted
   * node's mirror and its change feed, which the suite resumes from where the node died, must then
   * re-read after a compaction, and the feed check holds them to it. A compaction that cannot be
   * recorded first is not made, and says why.
   */
  private void compactEtcd() {
    try {
      long at =
          cluster
              .etcdRevision(Duration.ofSeconds(2))
              .orElseThrow(() -> new IllegalStateException("etcd did not say its revision"));
      Map<String, Long> lastAt = new TreeMap<>();
      for (JsonNode kv : etcdKvs(cluster, dir.resolve("etcd-read-at-" + at + ".json"), at)) {
        String key =
            new String(Base64.getDecoder().decode(kv.path("key").asText()), StandardCharsets.UTF_8);
        lastAt.put(key.substring(ORDERS_PREFIX.length()), kv.path("mod_revision").asLong());
      }
      long after =
          compactedAt.isEmpty() ? feeds.fromRevision() : compactedAt.get(compactedAt.size() - 1);
      EtcdHistory part =
          EtcdHistory.read(
              after,
              lastAt,
              new EtcdWatchVersions(cluster.etcdClientUrls()),
              ORDERS_PREFIX,
              EtcdHistory.READ_BOUND);
      if (!part.unreadable().isEmpty()) {
        out.println(
            "not compacting etcd: its history up to "
                + at
                + " could not be read for "
                + part.unreadable());
        return;
      }
      if (!cluster.etcdCompact(at, Duration.ofSeconds(5))) {
        nemesisErrors.merge(
            "compaction", "etcd did not acknowledge a compaction at " + at, (a, b) -> a);
        return;
      }
      historyParts.add(part);
      compactedAt.add(at);
      history.append(
          new Op(
              Op.UNASSIGNED,
              nanos(),
              Op.NEMESIS,
              OpType.INFO,
              "compact",
              at,
              null,
              null,
              "etcd compacted at revision " + at + " while a node was down"));
      out.println(
          "compacted etcd at revision "
              + at
              + " while the node was down ("
              + part.size()
              + " versions recorded first)");
    } catch (IOException | RuntimeException e) {
      nemesisErrors.merge("compaction", "failed: " + e, (a, b) -> a);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Counts, for the confirmation check, the writes to an order that could have pushed an op id out
   * of its record before etcd held it: writes invoked before every node was next settled (STRONG,
   * backlog 0) after the acknowledgement, and not completed before the acknowledgement minus the
   * client timeout and the largest clock offset the run may apply (a later stamp is possible for
   * any of them).
   */
  private ConfirmationProbe.LaterWrites laterWrites(
      List<Operation> ops, List<ModeSampler.Sample> samples) {
    Map<String, List<long[]>> byOrder = new java.util.HashMap<>();
    for (Operation o : ops) {
      Op inv = o.invocation();
      if (!inv.isClient() || !WRITE_FUNCTIONS.contains(inv.f())) {
        continue;
      }
      String order =
          inv.value() instanceof List<?> l ? String.valueOf(l.get(0)) : String.valueOf(inv.value());
      long done =
          o.completion() == null || o.completion().type() == OpType.INFO
              ? Long.MAX_VALUE
              : o.completion().timeNanos() / 1_000_000;
      byOrder
          .computeIfAbsent(order, k -> new ArrayList<>())
          .add(new long[] {inv.timeNanos() / 1_000_000, done});
    }
    long lookback =
        5_000L
            + (config.nemeses().contains("clock-skew") || config.nemeses().contains("all")
                ? 6_000
                : 1_000);
    return (order, ackMillis) -> {
      long settled = settledAfter(samples, ackMillis);
      int n = 0;
      for (long[] w : byOrder.getOrDefault(order, List.of())) {
        if (w[0] <= settled && w[1] >= ackMillis - lookback) {
          n++;
        }
      }
      return n;
    };
  }

  private static final Set<String> WRITE_FUNCTIONS =
      Set.of("put", "add", "transition", "cart", "bump");

  /**
   * The first time after {@code millis} at which every node's latest sample, from a poll sent after
   * {@code millis} (an earlier poll may predate the write), was settled.
   */
  static long settledAfter(List<ModeSampler.Sample> samples, long millis) {
    Map<String, ModeSampler.Sample> latest = new java.util.HashMap<>();
    java.util.Set<String> nodes = new java.util.HashSet<>();
    samples.forEach(s -> nodes.add(s.node()));
    for (ModeSampler.Sample s : samples) {
      if (s.sentMillis() <= millis) {
        continue;
      }
      latest.put(s.node(), s);
      if (latest.size() == nodes.size()
          && latest.values().stream()
              .allMatch(x -> x.mode().equals("STRONG") && x.backlog() == 0)) {
        return s.millis();
      }
    }
    return Long.MAX_VALUE;
  }

  /**
   * Records a confirmation in the history: an invoke/ok pair of {@code confirm}, never interleaved.
   */
  private void logConfirmation(String node, String opId, Map<String, Object> confirmation) {
    synchronized (confirmLog) {
      history.append(
          new Op(
              Op.UNASSIGNED,
              nanos(),
              CONFIRM_PROCESS,
              OpType.INVOKE,
              "confirm",
              opId,
              null,
              node,
              null));
      history.append(
          new Op(
              Op.UNASSIGNED,
              nanos(),
              CONFIRM_PROCESS,
              OpType.OK,
              "confirm",
              confirmation,
              null,
              node,
              null));
    }
  }

  private void setUp(ServiceNodes nodes, OrderWorkload workload) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (OrderCommand c : workload.setup()) {
      // The setup's creates are acknowledged writes like any other: no-lost checks them too.
      history.append(
          Op.invoke(SETUP_PROCESS, "add", c.orderId().value())
              .withTime(nanos())
              .withNodeAndMode(nodes.client(0).node(), null));
      while (true) {
        NodeClient.Response r;
        try {
          r = nodes.client(0).command(CommandCodec.toJson(c), true).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          r = null;
        }
        if (r != null && (r.ok() || "ALREADY_EXISTS".equals(r.body().path("reason").asText()))) {
          history.append(
              new Op(
                  Op.UNASSIGNED,
                  nanos(),
                  SETUP_PROCESS,
                  OpType.OK,
                  "add",
                  c.orderId().value(),
                  null,
                  nodes.client(0).node(),
                  "STRONG/setup"));
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not create the register orders: " + (r == null ? "timeout" : r.body()));
        }
        Thread.sleep(200);
      }
    }
  }

  private List<Thread> startWorkers(
      ServiceNodes nodes, OrderWorkload workload, long deadline, AtomicBoolean stop) {
    RateLimiter limiter = new RateLimiter(config.rate());
    List<Thread> workers = new ArrayList<>();
    for (int p = 0; p < config.concurrency(); p++) {
      int first = p;
      Random random = new Random(config.seed() * 31 + p);
      Thread t =
          new Thread(
              () -> {
                int process = first;
                int host = first % nodes.size();
                OrderClient client = nodes.orderClient(host, confirmations::acknowledged);
                while (!stop.get() && nanos() < deadline) {
                  if (!limiter.acquire(deadline, this::nanos)) {
                    break;
                  }
                  Op invoke = workload.next(random, process);
                  history.append(invoke.withTime(nanos()).withNodeAndMode(client.node(), null));
                  Op done = client.invoke(invoke);
                  history.append(done.withTime(nanos()));
                  confirmations.checkAcknowledged();
                  workload.observe(done);
                  if (done.f().equals("add")
                      && done.type() == OpType.OK
                      && OrderWorkload.provisional(done)) {
                    replication.watch(
                        (String) Objects.requireNonNull(done.value()),
                        Objects.requireNonNull(done.node()));
                  }
                  if (done.type() == OpType.INFO) {
                    process +=
                        config.concurrency(); // Jepsen: a process with an unknown outcome never
                    // invokes again
                  }
                }
              },
              "chaos-client-" + p);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
    return workers;
  }

  private void nemesisLoop(
      Cluster cluster, List<Nemesis> nemeses, ModeSampler sampler, AtomicBoolean stop) {
    Random random = new Random(config.seed() * 17 + 1);
    int i = 0;
    ExecutorService etcdProbe = Executors.newSingleThreadExecutor(daemon("chaos-etcd-probe"));
    try {
      while (!stop.get() && !nemeses.isEmpty()) {
        if (runEnded.await(config.quietSeconds(), TimeUnit.SECONDS)) {
          break;
        }
        Nemesis n = nemeses.get(i++ % nemeses.size());
        long start = nanos();
        lastFaultStarted.set(
            n.name()); // starting may take seconds (a kill and a restart); it acts at once
        try {
          activeNemesis.set(n);
          n.start(cluster, random);
        } catch (RuntimeException e) {
          activeNemesis.set(null);
          out.println("nemesis " + n.name() + " failed to start: " + e);
          nemesisErrors.merge(n.name(), "failed to start: " + e, (a, b) -> a);
          try {
            n.stop(cluster);
          } catch (RuntimeException ignored) {
            // the final heal lifts whatever is left
          }
          continue;
        }
        nemesesRun.add(n.name());
        FaultWindow w = new FaultWindow(n.name(), n.describe(), start);
        windows.add(w);
        currentFault.set(n.describe());
        history.append(
            new Op(
                Op.UNASSIGNED,
                start,
                Op.NEMESIS,
                OpType.INFO,
                "start",
                n.name(),
                null,
                null,
                n.describe()));
        try {
          if (runEnded.await(config.faultSeconds(), TimeUnit.SECONDS)) {
            // The run ended while the fault was held: heal it properly before leaving, then stop.
            stop.set(true);
          } else if (COMPACT_WHILE_DOWN.contains(n.name())) {
            compactEtcd();
          }
        } finally {
          try {
            n.stop(cluster);
          } catch (RuntimeException e) {
            // The final heal retries whatever this left behind; the window still ends here.
            out.println("nemesis " + n.name() + " failed to heal: " + e);
            nemesisErrors.merge(n.name(), "failed to heal: " + e, (a, b) -> a);
          }
          w.endNanos = nanos();
          activeNemesis.set(null);
          currentFault.set("none");
          history.append(
              new Op(
                  Op.UNASSIGNED,
                  w.endNanos,
                  Op.NEMESIS,
                  OpType.INFO,
                  "stop",
                  n.name(),
                  null,
                  null,
                  null));
        }
        if (stop.get()) {
          w.failure = "cut short by the end of the run (measured by the recovery wait instead)";
          w.degraded = sampler.anyNotStrong(w.startNanos / 1_000_000, nanos() / 1_000_000);
          break;
        }
        long healMillis = w.endNanos / 1_000_000;
        long healNanos = System.nanoTime();
        CompletableFuture<Long> etcdServes =
            CompletableFuture.supplyAsync(
                () -> awaitEtcdServes(cluster, healNanos, CONVERGENCE_BOUND), etcdProbe);
        long converged = awaitConverged(healMillis, CONVERGENCE_BOUND);
        w.etcdServesMillis = etcdServes.join();
        if (converged >= 0) {
          w.convergedNanos = w.endNanos + TimeUnit.MILLISECONDS.toNanos(converged);
        } else if (!stop.get()) {
          w.failure =
              "not converged within "
                  + CONVERGENCE_BOUND.toSeconds()
                  + " s of the heal: "
                  + sampler.latest()
                  + (lastMismatch == null ? "" : "; " + lastMismatch);
        } else {
          w.failure = "cut short by the end of the run (measured by the recovery wait instead)";
        }
        long until = converged >= 0 ? healMillis + converged : nanos() / 1_000_000;
        w.degraded = sampler.anyNotStrong(w.startNanos / 1_000_000, until);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      etcdProbe.shutdownNow();
    }
  }

  /**
   * Asks every etcd member for a linearizable read every 20 ms (each within 250 ms) until one
   * serves: etcd's own recovery after a heal, measured beside the store's convergence.
   *
   * @return ms from {@code sinceNanos} ({@link System#nanoTime()}) to the first answer, or -1 if
   *     none within the bound
   */
  private static long awaitEtcdServes(Cluster cluster, long sinceNanos, Duration bound) {
    long until = sinceNanos + bound.toNanos();
    while (System.nanoTime() < until) {
      if (cluster.etcdServes(Duration.ofMillis(250))) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return -1;
  }

  /**
   * Waits for convergence after {@code afterMillis} (run time): a poll sent after it found every
   * node STRONG with an empty backlog and a current mirror, and every node's replica equal to
   * etcd's records (see {@link #replicasMatchEtcd}). Returns the time from {@code afterMillis} to
   * that poll in ms, or -1 if the bound passed first.
   */
  private long awaitConverged(long afterMillis, Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    String lastMismatch = null;
    while (System.nanoTime() < deadline) {
      List<ModeSampler.Sample> settled = sampler.settled(afterMillis);
      if (settled != null) {
        try {
          String mismatch = replicasMatchEtcd(settled);
          if (mismatch == null) {
            long observed =
                settled.stream()
                    .mapToLong(ModeSampler.Sample::sentMillis)
                    .max()
                    .orElse(afterMillis);
            return Math.max(0, observed - afterMillis);
          }
          lastMismatch = mismatch;
        } catch (Exception e) {
          lastMismatch = "could not compare: " + e;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
    if (lastMismatch != null) {
      out.println("replicas never matched etcd within " + bound + ": " + lastMismatch);
    }
    this.lastMismatch = lastMismatch;
    return -1;
  }

  /** Why the last convergence wait failed to match etcd, if it got that far. */
  private volatile @Nullable String lastMismatch;

  /**
   * Compares every node's replica with etcd, free of the race with writes still flowing: with R the
   * lowest revision the nodes' mirrors had reached at the settled poll, every record etcd last
   * changed at or before R must be on every node with the same content hash, and no node may hold
   * an order etcd lacks (the backlogs were empty). Records changed after R may still be on their
   * way. Node hashes are listed before etcd is read, so a change that lands in between has a
   * revision above R on both sides.
   *
   * @return null when they match, else the first differences
   */
  private @Nullable String replicasMatchEtcd(List<ModeSampler.Sample> settled) throws Exception {
    long r = settled.stream().mapToLong(ModeSampler.Sample::mirrorRevision).min().orElse(0);
    Map<String, Map<String, Long>> nodeHashes = new LinkedHashMap<>();
    for (int i = 0; i < settled.size(); i++) {
      nodeHashes.put(settled.get(i).node(), replicaHashes(sampler.node(i)));
    }
    Map<String, EtcdRecord> etcd = etcdRecords(dir.resolve("etcd-compare-read.json"));
    List<String> diffs = new ArrayList<>();
    for (Map.Entry<String, Map<String, Long>> n : nodeHashes.entrySet()) {
      for (Map.Entry<String, EtcdRecord> e : etcd.entrySet()) {
        if (e.getValue().modRevision() <= r
            && !Long.valueOf(e.getValue().hash()).equals(n.getValue().get(e.getKey()))) {
          diffs.add(
              n.getKey()
                  + " "
                  + e.getKey()
                  + (n.getValue().containsKey(e.getKey()) ? " differs" : " missing"));
        }
      }
      for (String id : n.getValue().keySet()) {
        if (!etcd.containsKey(id)) {
          diffs.add(n.getKey() + " " + id + " not in etcd");
        }
      }
      if (diffs.size() > 5) {
        break;
      }
    }
    if (diffs.isEmpty()) {
      return null;
    }
    StringBuilder sizes = new StringBuilder("etcd " + etcd.size());
    nodeHashes.forEach((n, h) -> sizes.append(", ").append(n).append(' ').append(h.size()));
    return "at revision "
        + r
        + " (records: "
        + sizes
        + "): "
        + String.join(", ", diffs.subList(0, Math.min(5, diffs.size())));
  }

  private static Map<String, Long> replicaHashes(NodeClient node) throws Exception {
    Map<String, Long> out = new java.util.HashMap<>();
    String after = "";
    while (true) {
      NodeClient.Response page = node.replica(after, 5000, true).get(30, TimeUnit.SECONDS);
      if (!page.ok()) {
        throw new IllegalStateException(node.node() + ": listing failed: " + page.status());
      }
      JsonNode ids = page.body().path("ids");
      JsonNode hashes = page.body().path("hashes");
      for (int i = 0; i < ids.size(); i++) {
        out.put(ids.get(i).asText(), Long.parseUnsignedLong(hashes.get(i).asText(), 16));
      }
      if (ids.size() < 5000) {
        return out;
      }
      after = ids.get(ids.size() - 1).asText();
    }
  }

  /** One etcd record as the convergence check compares it. */
  private record EtcdRecord(long hash, long modRevision) {}

  /** Order id to content hash and mod revision of every record in etcd. */
  private Map<String, EtcdRecord> etcdRecords(Path output) throws IOException {
    Map<String, EtcdRecord> out = new java.util.HashMap<>();
    for (JsonNode kv : etcdKvs(cluster, output)) {
      String key =
          new String(Base64.getDecoder().decode(kv.path("key").asText()), StandardCharsets.UTF_8);
      var record = RecordCodec.decode(Base64.getDecoder().decode(kv.path("value").asText()), key);
      out.put(
          record.id().value(),
          new EtcdRecord(
              sha256Prefix(RecordCodec.encode(record)), kv.path("mod_revision").asLong()));
    }
    return out;
  }

  private static long sha256Prefix(byte[] bytes) {
    try {
      return java.nio.ByteBuffer.wrap(
              java.security.MessageDigest.getInstance("SHA-256").digest(bytes))
          .getLong();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * The faults that keep order-service nodes from replicating to each other (network cuts and loss
   * between hosts, a dead node, a clock its peers refuse); faults on etcd alone do not.
   */
  private static final Set<String> SEPARATE_NODES =
      Set.of(
          "partition-one",
          "partition-halves",
          "partition-ring",
          "partition-leader",
          "partition-gossip",
          "one-way",
          "gray-loss",
          "gray-slow",
          "kill-node",
          "kill-node-isolated",
          "clock-skew",
          "bitflip-journal");

  /**
   * Whether node {@code b} could hear from node {@code a} at the moment: no active fault separates
   * them.
   */
  private boolean reachable(String a, String b) {
    Nemesis n = activeNemesis.get();
    if (n == null || !n.isActive() || !SEPARATE_NODES.contains(n.name())) {
      return true;
    }
    Set<Integer> hit = n.affectedHosts();
    return !hit.contains(hostIndex(a)) && !hit.contains(hostIndex(b));
  }

  private static int hostIndex(String node) {
    return Integer.parseInt(node.substring(1)) - 1;
  }

  /**
   * Reads every order of every node's replica (the whole replica, listed page by page, so orders
   * nobody attempted show up too) and of etcd. A node whose replica cannot be read is named in the
   * {@code final-reads} check.
   */
  /** Reads of one node's replica in flight at once at the end of a run. */
  private static final int FINAL_READERS = 8;

  private void finalReads(ServiceNodes nodes, Cluster cluster) throws Exception {
    for (int i = 0; i < nodes.size(); i++) {
      OrderClient client = nodes.localClient(i);
      NodeClient node = nodes.client(i);
      Map<String, Object> orders = new TreeMap<>();
      try {
        List<String> ids = new ArrayList<>();
        String after = "";
        while (true) {
          NodeClient.Response page = node.replica(after, 1000).get(30, TimeUnit.SECONDS);
          if (!page.ok()) {
            throw new IllegalStateException("listing failed: " + page.status() + " " + page.body());
          }
          List<String> got = new ArrayList<>();
          page.body().path("ids").forEach(n -> got.add(n.asText()));
          ids.addAll(got);
          if (got.size() < 1000) {
            break;
          }
          after = got.get(got.size() - 1);
        }
        // A bounded pool: runAsync's default on two cores is a thread per task; an 80-minute
        // soak's nodes answered that flood of final reads with 503 "overloaded".
        ExecutorService readers =
            Executors.newFixedThreadPool(FINAL_READERS, daemon("chaos-final"));
        try {
          List<CompletableFuture<Void>> reads = new ArrayList<>();
          for (String id : ids) {
            reads.add(
                CompletableFuture.runAsync(
                    () -> {
                      try {
                        Map<String, Object> o = client.localOrder(id);
                        if (o != null) {
                          synchronized (orders) {
                            orders.put(id, o);
                          }
                        }
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    },
                    readers));
          }
          CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
              .get(120 + ids.size() / 100, TimeUnit.SECONDS);
        } finally {
          readers.shutdownNow();
        }
      } catch (Exception e) {
        finalReadFailures.add(ServiceNodes.name(i) + ": " + e);
        continue;
      }
      appendFinal(i, ServiceNodes.name(i), orders);
    }
    try {
      appendFinal(nodes.size(), "etcd", etcdOrders(cluster));
    } catch (IOException e) {
      finalReadFailures.add("etcd: " + e.getMessage());
    }
  }

  /** Reads every order straight from etcd with etcdctl: the source of truth at the end. */
  private Map<String, Object> etcdOrders(Cluster cluster) throws IOException {
    Map<String, Object> orders = new TreeMap<>();
    for (JsonNode kv : etcdKvs(cluster, dir.resolve("etcd-final-read.json"))) {
      String key =
          new String(Base64.getDecoder().decode(kv.path("key").asText()), StandardCharsets.UTF_8);
      var order =
          RecordCodec.decode(Base64.getDecoder().decode(kv.path("value").asText()), key).toOrder();
      @SuppressWarnings("unchecked")
      Map<String, Object> m = JSON.convertValue(OrderJson.toJson(order), Map.class);
      orders.put(order.id().value(), m);
    }
    return orders;
  }

  /**
   * Every key-value under the orders prefix as etcdctl's JSON gives it (key, value, mod_revision).
   */
  private JsonNode etcdKvs(Cluster cluster, Path output) throws IOException {
    return etcdKvs(cluster, output, 0);
  }

  /** The same, as of a revision (0: now). */
  private JsonNode etcdKvs(Cluster cluster, Path output, long revision) throws IOException {
    String endpoints =
        String.join(",", cluster.etcdClientUrls().stream().map(URI::toString).toList());
    ProcessBuilder pb =
        new ProcessBuilder(
            "etcdctl",
            "--endpoints=" + endpoints,
            "--command-timeout=10s",
            "get",
            "--prefix",
            ORDERS_PREFIX,
            "-w",
            "json",
            "--rev=" + revision);
    pb.environment().put("ETCDCTL_API", "3");
    Path err = output.resolveSibling(output.getFileName() + ".err");
    pb.redirectOutput(output.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("etcdctl get failed; see " + err);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return JSON.readTree(output.toFile()).path("kvs");
  }

  private void appendFinal(int index, String node, Map<String, Object> orders) {
    int process = FINAL_PROCESS_BASE + index;
    List<Object> ids = new ArrayList<>(orders.keySet());
    for (var f :
        List.of(Map.entry("final-read", (Object) orders), Map.entry("read", (Object) ids))) {
      history.append(
          new Op(
              Op.UNASSIGNED, nanos(), process, OpType.INVOKE, f.getKey(), null, null, node, null));
      history.append(
          new Op(
              Op.UNASSIGNED,
              nanos(),
              process,
              OpType.OK,
              f.getKey(),
              f.getValue(),
              null,
              node,
              null));
    }
  }

  /** Every node's and etcd's replica was read. */
  private CheckResult finalReadsCheck(int nodeCount) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("readers-expected", nodeCount + 1);
    d.put("failures", List.copyOf(finalReadFailures));
    return CheckResult.of(finalReadFailures.isEmpty() ? Validity.VALID : Validity.UNKNOWN, d);
  }

  /** Every requested nemesis ran at least once, and started and healed cleanly. */
  private CheckResult faultsCheck(List<Nemesis> nemeses) {
    Map<String, Object> d = new LinkedHashMap<>();
    List<String> requested = nemeses.stream().map(Nemesis::name).distinct().toList();
    List<String> neverRan = requested.stream().filter(n -> !nemesesRun.contains(n)).toList();
    d.put("requested", requested);
    d.put("ran", new ArrayList<>(new java.util.TreeSet<>(nemesesRun)));
    d.put("never-ran", neverRan);
    d.put("errors", new TreeMap<>(nemesisErrors));
    Validity v =
        !neverRan.isEmpty() || !nemesisErrors.isEmpty() ? Validity.INVALID : Validity.VALID;
    if (!neverRan.isEmpty()) {
      d.put("why", "requested faults that never ran: raise --time-limit or fix the nemesis");
    }
    return CheckResult.of(v, d);
  }

  /**
   * Every fault window converged within the bound; windows in which no node left STRONG are
   * reported apart and prove nothing.
   */
  private CheckResult convergenceCheck() {
    Map<String, Object> d = new LinkedHashMap<>();
    List<String> failed = new ArrayList<>();
    int degraded = 0;
    int quiet = 0;
    for (FaultWindow w : windows) {
      if (w.failure != null && !w.failure.startsWith("cut short")) {
        failed.add(w.description + ": " + w.failure);
      }
      if (w.degraded) {
        degraded++;
      } else {
        quiet++;
      }
    }
    d.put("bound-seconds", CONVERGENCE_BOUND.toSeconds());
    d.put("windows", windows.size());
    d.put("windows-with-a-degraded-node", degraded);
    d.put("windows-where-every-node-stayed-strong", quiet);
    d.put("not-converged", failed);
    Validity v =
        !failed.isEmpty() ? Validity.INVALID : degraded == 0 ? Validity.UNKNOWN : Validity.VALID;
    if (v == Validity.UNKNOWN) {
      d.put("why-unknown", "no fault window made a node leave STRONG: nothing converged");
    }
    return CheckResult.of(v, d);
  }

  /** After the final heal every node became STRONG, settled and equal to etcd within the bound. */
  private CheckResult recoveryCheck(long recoveryMillis) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("bound-seconds", RECOVERY_BOUND.toSeconds());
    d.put("recovery-millis", recoveryMillis);
    if (recoveryMillis < 0) {
      d.put("nodes", sampler.latest().stream().map(Object::toString).toList());
      if (lastMismatch != null) {
        d.put("etcd-mismatch", lastMismatch);
      }
    }
    return CheckResult.of(recoveryMillis >= 0 ? Validity.VALID : Validity.INVALID, d);
  }

  private void write(RunResult result, ModeSampler sampler) throws IOException {
    HistoryWriters.writeJsonLines(history, dir.resolve("history.jsonl"));
    HistoryWriters.writeEdn(history, dir.resolve("history.edn"));
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("name", config.name());
    results.put("verdict", result.check().validity().name().toLowerCase(java.util.Locale.ROOT));
    results.put("config", config);
    results.put("namespaces", result.namespaces());
    results.put("etcd", result.etcdFlags());
    results.put("figures", result.figures());
    results.put("checks", result.check().details());
    results.put("modes", sampler.samples());
    results.put("dashboard", dashboardUrl);
    JSON.writeValue(dir.resolve("results.json").toFile(), results);
    Report.write(
        dir.resolve("report.html"), result, history, windows, sampler.samples(), dashboardUrl);
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Spaces invocations evenly at the configured rate across all client threads. */
  private static final class RateLimiter {
    private final long intervalNanos;
    private long next;

    RateLimiter(int rate) {
      this.intervalNanos = 1_000_000_000L / rate;
    }

    boolean acquire(long deadline, java.util.function.LongSupplier now) {
      long slot;
      synchronized (this) {
        long t = now.getAsLong();
        next = Math.max(next, t);
        slot = next;
        next += intervalNanos;
      }
      if (slot >= deadline) {
        return false;
      }
      long wait = slot - now.getAsLong();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
      }
      return true;
    }
  }
}
