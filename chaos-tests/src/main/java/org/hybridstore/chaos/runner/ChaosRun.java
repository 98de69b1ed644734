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
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.hybridstore.chaos.client.NodeClient;
import org.hybridstore.chaos.client.OrderClient;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.ClusterSpec;
import org.hybridstore.chaos.history.History;
import org.hybridstore.chaos.history.HistoryWriters;
import org.hybridstore.chaos.history.Op;
import org.hybridstore.chaos.history.OpType;
import org.hybridstore.chaos.nemesis.Nemesis;
import org.hybridstore.chaos.workload.OrderWorkload;
import org.hybridstore.codec.CommandCodec;
import org.hybridstore.codec.OrderJson;
import org.hybridstore.codec.RecordCodec;

/**
 * One Jepsen-style run, in the phases of jepsen-io/etcd's {@code etcd-test}:
 *
 * <ol>
 *   <li>set up: build the hosts, start etcd and the order-service nodes, create the register orders;
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
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int FINAL_PROCESS_BASE = 100_000;
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(120);

  private final RunConfig config;
  private final PrintStream out;
  private final Path dir;
  private final long t0 = System.nanoTime();
  private final History history = new History();
  private final List<FaultWindow> windows = new CopyOnWriteArrayList<>();
  private final Set<String> addedIds = ConcurrentHashMap.newKeySet();
  private final AtomicReference<String> currentFault = new AtomicReference<>("none");
  private String dashboardUrl;

  private ChaosRun(RunConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    this.dir = config.outputRoot().resolve(stamp + "-" + config.name().replaceAll("[^A-Za-z0-9]+", "-"));
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
    ClusterSpec spec = ClusterSpec.builder().hosts(config.nodes()).heartbeatMs(config.heartbeatMs())
        .electionMs(config.electionMs()).preVote(true).workDir(dir)
        .mode(config.loopback() ? ClusterSpec.Mode.LOOPBACK : ClusterSpec.Mode.AUTO).build();
    ExecutorService http = Executors.newFixedThreadPool(8, daemon("chaos-http"));
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, daemon("chaos-timer"));
    try (Cluster cluster = Cluster.start(spec); ServiceNodes nodes = new ServiceNodes(cluster, config, dir, http)) {
      out.println((cluster.usesNamespaces() ? "hosts: network namespaces" : "hosts: loopback (reduced mode: process faults only)")
          + ", etcd " + spec.etcdTimingFlags());
      nodes.startAll();
      if (config.dashboard()) {
        out.println("live dashboard (while the run lasts): " + nodes.dashboardUrl());
        dashboardUrl = nodes.dashboardUrl();
      }
      OrderWorkload workload = new OrderWorkload(config.registerKeys());
      setUp(nodes, workload);
      ModeSampler sampler = new ModeSampler(nodes.clients(), () -> nanos() / 1_000_000);
      sampler.start(scheduler);
      List<Nemesis> nemeses = RunNemeses.resolve(config.nemeses(), cluster, nodes, out);
      long runStart = nanos();
      long deadline = runStart + TimeUnit.SECONDS.toNanos(config.timeLimitSeconds());
      AtomicBoolean stop = new AtomicBoolean();
      Thread nemesisThread = new Thread(() -> nemesisLoop(cluster, nemeses, sampler, stop), "chaos-nemesis");
      nemesisThread.setDaemon(true);
      nemesisThread.start();
      List<Thread> workers = startWorkers(nodes, workload, deadline, stop);
      ScheduledFuture<?> progress = scheduler.scheduleAtFixedRate(() -> out.printf("[%4ds] ops %d, fault: %s, modes: %s%n",
          (nanos() - runStart) / 1_000_000_000, history.size(), currentFault.get(), sampler.summary()), 5, 5, TimeUnit.SECONDS);
      for (Thread w : workers) {
        w.join();
      }
      stop.set(true);
      nemesisThread.interrupt();
      nemesisThread.join(TimeUnit.SECONDS.toMillis(60));
      progress.cancel(false);
      long runEnd = nanos();

      out.println("healing cluster");
      RunNemeses.healAll(cluster, nodes);
      out.println("waiting for recovery");
      long recoveryStart = nanos();
      long recoveryMillis = awaitAllStrong(sampler, RECOVERY_TIMEOUT);
      // A window healed just before the time limit had its convergence wait cut short; the
      // recovery wait finishes measuring it.
      for (FaultWindow w : windows) {
        if (recoveryMillis >= 0 && w.endNanos >= 0 && w.convergedNanos < 0) {
          w.convergedNanos = nanos();
        }
      }
      out.println(recoveryMillis >= 0 ? "recovered in " + recoveryMillis + " ms" : "did NOT recover within " + RECOVERY_TIMEOUT);
      finalReads(nodes, workload, cluster);
      sampler.close();

      out.println("checking " + history.size() + " ops");
      CheckResult check = Checkers.checkSafe(workload.checker(), history);
      Map<String, Object> figures = Figures.compute(history, windows, runEnd);
      figures.put("recoveryMillis", recoveryMillis);
      figures.put("recoveryStartMillis", recoveryStart / 1_000_000);
      RunResult result = new RunResult(config, dir, check, figures, cluster.usesNamespaces(), spec.etcdTimingFlags());
      write(result, sampler);
      Summary.print(result, out);
      return result;
    } finally {
      scheduler.shutdownNow();
      http.shutdownNow();
    }
  }

  private void setUp(ServiceNodes nodes, OrderWorkload workload) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (OrderCommand c : workload.setup()) {
      while (true) {
        NodeClient.Response r;
        try {
          r = nodes.client(0).command(CommandCodec.toJson(c), true).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          r = null;
        }
        if (r != null && (r.ok() || "ALREADY_EXISTS".equals(r.body().path("reason").asText()))) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not create the register orders: " + (r == null ? "timeout" : r.body()));
        }
        Thread.sleep(200);
      }
    }
  }

  private List<Thread> startWorkers(ServiceNodes nodes, OrderWorkload workload, long deadline, AtomicBoolean stop) {
    RateLimiter limiter = new RateLimiter(config.rate());
    List<Thread> workers = new ArrayList<>();
    for (int p = 0; p < config.concurrency(); p++) {
      int first = p;
      Random random = new Random(config.seed() * 31 + p);
      Thread t = new Thread(() -> {
        int process = first;
        int host = first % nodes.size();
        OrderClient client = nodes.orderClient(host);
        while (!stop.get() && nanos() < deadline) {
          if (!limiter.acquire(deadline, this::nanos)) {
            break;
          }
          Op invoke = workload.next(random, process);
          if (invoke.f().equals("add")) {
            addedIds.add((String) invoke.value());
          }
          history.append(invoke.withTime(nanos()).withNodeAndMode(client.node(), null));
          Op done = client.invoke(invoke);
          history.append(done.withTime(nanos()));
          if (done.type() == OpType.INFO) {
            process += config.concurrency(); // Jepsen: a process with an unknown outcome never invokes again
          }
        }
      }, "chaos-client-" + p);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
    return workers;
  }

  private void nemesisLoop(Cluster cluster, List<Nemesis> nemeses, ModeSampler sampler, AtomicBoolean stop) {
    Random random = new Random(config.seed() * 17 + 1);
    int i = 0;
    try {
      while (!stop.get() && !nemeses.isEmpty()) {
        Thread.sleep(TimeUnit.SECONDS.toMillis(config.quietSeconds()));
        Nemesis n = nemeses.get(i++ % nemeses.size());
        long start = nanos();
        try {
          n.start(cluster, random);
        } catch (RuntimeException e) {
          out.println("nemesis " + n.name() + " failed to start: " + e);
          continue;
        }
        FaultWindow w = new FaultWindow(n.name(), n.describe(), start);
        windows.add(w);
        currentFault.set(n.describe());
        history.append(new Op(Op.UNASSIGNED, start, Op.NEMESIS, OpType.INFO, "start", n.name(), null, null, n.describe()));
        try {
          Thread.sleep(TimeUnit.SECONDS.toMillis(config.faultSeconds()));
        } finally {
          try {
            n.stop(cluster);
          } catch (RuntimeException e) {
            // The final heal retries whatever this left behind; the window still ends here.
            out.println("nemesis " + n.name() + " failed to heal: " + e);
          }
          w.endNanos = nanos();
          currentFault.set("none");
          history.append(new Op(Op.UNASSIGNED, w.endNanos, Op.NEMESIS, OpType.INFO, "stop", n.name(), null, null, null));
        }
        long converged = awaitAllStrong(sampler, Duration.ofSeconds(60));
        if (converged >= 0) {
          w.convergedNanos = w.endNanos + TimeUnit.MILLISECONDS.toNanos(converged);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until every node reports STRONG with an empty backlog; returns the wait in ms, -1 on timeout. */
  private long awaitAllStrong(ModeSampler sampler, Duration timeout) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    // Let the sampler see the heal first: a sample taken before it would report the old state.
    while (System.nanoTime() < deadline) {
      if (sampler.allStrong()) {
        return (System.nanoTime() - start) / 1_000_000;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
    return -1;
  }

  private void finalReads(ServiceNodes nodes, OrderWorkload workload, Cluster cluster) throws Exception {
    List<String> ids = new ArrayList<>(workload.registerKeys());
    List<String> added = new ArrayList<>(addedIds);
    Collections.sort(added);
    ids.addAll(added);
    for (int i = 0; i < nodes.size(); i++) {
      OrderClient client = nodes.orderClient(i);
      Map<String, Object> orders = new TreeMap<>();
      List<CompletableFuture<Void>> reads = new ArrayList<>();
      for (String id : ids) {
        reads.add(CompletableFuture.runAsync(() -> {
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
        }));
      }
      CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      appendFinal(i, ServiceNodes.name(i), orders, added);
    }
    appendFinal(nodes.size(), "etcd", etcdOrders(cluster), added);
  }

  /** Reads every order straight from etcd with etcdctl: the source of truth at the end. */
  private Map<String, Object> etcdOrders(Cluster cluster) throws IOException {
    String endpoints = String.join(",", cluster.etcdClientUrls().stream().map(URI::toString).toList());
    ProcessBuilder pb = new ProcessBuilder("etcdctl", "--endpoints=" + endpoints, "--command-timeout=10s", "get",
        "--prefix", "/hybridstore/orders/", "-w", "json");
    pb.environment().put("ETCDCTL_API", "3");
    Path output = dir.resolve("etcd-final-read.json");
    pb.redirectOutput(output.toFile()).redirectError(dir.resolve("etcd-final-read.err").toFile());
    Process p = pb.start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("etcdctl get failed; see " + dir.resolve("etcd-final-read.err"));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    JsonNode kvs = JSON.readTree(output.toFile()).path("kvs");
    Map<String, Object> orders = new TreeMap<>();
    for (JsonNode kv : kvs) {
      byte[] value = Base64.getDecoder().decode(kv.path("value").asText());
      String key = new String(Base64.getDecoder().decode(kv.path("key").asText()), StandardCharsets.UTF_8);
      var order = RecordCodec.decode(value, key).toOrder();
      @SuppressWarnings("unchecked")
      Map<String, Object> m = JSON.convertValue(OrderJson.toJson(order), Map.class);
      orders.put(order.id().value(), m);
    }
    return orders;
  }

  private void appendFinal(int index, String node, Map<String, Object> orders, List<String> added) {
    int process = FINAL_PROCESS_BASE + index;
    List<Object> setIds = new ArrayList<>();
    List<Object> customers = new ArrayList<>();
    for (Map.Entry<String, Object> e : orders.entrySet()) {
      if (e.getKey().startsWith("set-")) {
        setIds.add(e.getKey());
        customers.add(((Map<?, ?>) e.getValue()).get("customer"));
      }
    }
    for (var f : List.of(Map.entry("final-read", (Object) orders), Map.entry("read", (Object) setIds),
        Map.entry("dup-read", (Object) customers))) {
      history.append(new Op(Op.UNASSIGNED, nanos(), process, OpType.INVOKE, f.getKey(), null, null, node, null));
      history.append(new Op(Op.UNASSIGNED, nanos(), process, OpType.OK, f.getKey(), f.getValue(), null, node, null));
    }
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
    Report.write(dir.resolve("report.html"), result, history, windows, sampler.samples(), dashboardUrl);
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
