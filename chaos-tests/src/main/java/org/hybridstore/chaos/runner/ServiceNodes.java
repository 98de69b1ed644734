package org.hybridstore.chaos.runner;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.hybridstore.chaos.client.NodeClient;
import org.hybridstore.chaos.client.OrderClient;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Host;
import org.hybridstore.chaos.cluster.HostProcess;
import org.hybridstore.testkit.FreePorts;

/**
 * The order-service JVMs, one per host, started inside the host's namespace from the example's
 * runnable jar ({@link NodeProgram}), and their HTTP clients.
 */
final class ServiceNodes implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final int JOLOKIA_PORT = 8778;
  private final Cluster cluster;
  private final RunConfig config;
  private final Path workDir;
  private final HostProcess[] processes;
  private final int[] jolokiaPorts;
  private final int[] starts;
  private final NodeClient[] clients;

  /**
   * Generated per run: the nodes' cluster secret (in a file) and their admin token (test
   * endpoints).
   */
  private final Path secretFile;

  private final String adminToken;

  ServiceNodes(Cluster cluster, RunConfig config, Path workDir, ExecutorService httpThreads) {
    this.cluster = cluster;
    this.config = config;
    this.workDir = workDir;
    int n = cluster.hosts().size();
    processes = new HostProcess[n];
    jolokiaPorts = new int[n];
    starts = new int[n];
    clients = new NodeClient[n];
    secretFile = workDir.resolve("peer-secret");
    adminToken = randomToken();
    try {
      java.nio.file.Files.createDirectories(workDir);
      java.nio.file.Files.writeString(secretFile, randomToken());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot write " + secretFile, e);
    }
    for (Host h : cluster.hosts()) {
      // Every host has its own address in namespace mode; on loopback they need distinct ports.
      jolokiaPorts[h.index()] = cluster.usesNamespaces() ? JOLOKIA_PORT : FreePorts.one();
      clients[h.index()] =
          new NodeClient(
              name(h.index()),
              URI.create("http://" + h.address() + ":" + h.ports().http()),
              Duration.ofSeconds(3),
              httpThreads,
              adminToken);
    }
  }

  static String name(int host) {
    return "n" + (host + 1);
  }

  int size() {
    return processes.length;
  }

  NodeClient client(int host) {
    return clients[host];
  }

  /** A client of one node that retries writes with an unknown outcome on the others in turn. */
  OrderClient orderClient(
      int host, java.util.function.Consumer<OrderClient.Acknowledgement> acknowledgements) {
    List<NodeClient> others = new ArrayList<>();
    for (int i = 1; i < clients.length; i++) {
      others.add(clients[(host + i) % clients.length]);
    }
    return new OrderClient(clients[host], others, 5_000, acknowledgements);
  }

  /** A client of one node that never goes elsewhere (final reads). */
  OrderClient localClient(int host) {
    return new OrderClient(clients[host], 5_000);
  }

  List<NodeClient> clients() {
    return List.of(clients);
  }

  void startAll() {
    for (int i = 0; i < processes.length; i++) {
      start(i);
    }
    for (int i = 0; i < processes.length; i++) {
      awaitReady(i);
    }
  }

  void start(int host) {
    Host h = cluster.hosts().get(host);
    List<String> seeds = new ArrayList<>();
    for (Host other : cluster.hosts()) {
      if (other.index() != host) {
        seeds.add(other.address() + ":" + other.ports().gossip());
      }
    }
    // C1 only: three nodes, three etcd members and the suite share two cores; with the default
    // JIT (C1 then C2) the convergence windows were several times longer, most likely because C2's
    // compiler threads took the CPU from the rest (decision 71).
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xss512k"));
    cmd.addAll(NodeProgram.startArguments(config.mutant()));
    cmd.addAll(
        List.of(
            "--node-id",
            name(host),
            "--etcd",
            String.join(",", cluster.etcdClientUrls().stream().map(URI::toString).toList()),
            "--data-dir",
            dataDir(host).toString(),
            "--http-host",
            h.address(),
            "--http-port",
            Integer.toString(h.ports().http()),
            "--gossip-host",
            h.address(),
            "--gossip-port",
            Integer.toString(h.ports().gossip()),
            "--seeds",
            String.join(",", seeds),
            "--request-timeout-ms",
            "1000",
            "--strong-deadline-ms",
            "1000",
            "--probe-interval-ms",
            "100",
            "--probe-timeout-ms",
            "500",
            "--peer-members",
            String.join(",", cluster.hosts().stream().map(o -> name(o.index())).toList()),
            "--peer-secret-file",
            secretFile.toString(),
            // the clock-skew nemesis sets offsets beyond the HLC's maximum on purpose
            "--test-endpoints",
            "true",
            "--test-clock-offset-limit-ms",
            "60000"));
    if (!config.mutant().isEmpty()) {
      cmd.addAll(List.of("--mutant", config.mutant()));
    }
    if (config.dashboard()) {
      // Read-only Jolokia on the host's own address, so the dashboard can read every node.
      cmd.addAll(
          List.of(
              "--jolokia-host",
              h.address(),
              "--jolokia-port",
              Integer.toString(jolokiaPorts[host])));
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ADMIN_TOKEN", adminToken);
    // Each start gets its own process name (and log file): node-n2, node-n2-2, ...
    int k = ++starts[host];
    processes[host] =
        cluster.startProcess(host, "node-" + name(host) + (k == 1 ? "" : "-" + k), cmd, env);
  }

  void awaitReady(int host) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!processes[host].isAlive()) {
        throw new IllegalStateException(
            name(host) + " exited at start; see " + processes[host].logFile());
      }
      try {
        if (clients[host].mode().get(2, TimeUnit.SECONDS).ok()) {
          return;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      pause(200);
    }
    throw new IllegalStateException(
        name(host) + " not ready within " + START_TIMEOUT + "; see " + processes[host].logFile());
  }

  /** Returns the URL of the live dashboard (served by the first node) showing every node. */
  String dashboardUrl() {
    List<String> agents = new ArrayList<>();
    for (Host h : cluster.hosts()) {
      agents.add("http://" + h.address() + ":" + jolokiaPorts[h.index()] + "/jolokia/");
    }
    Host first = cluster.hosts().get(0);
    return "http://"
        + first.address()
        + ":"
        + first.ports().http()
        + "/dashboard?nodes="
        + String.join(",", agents);
  }

  private static String randomToken() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  /** The node's data directory (its journal). */
  Path dataDir(int host) {
    return workDir.resolve("node-" + name(host));
  }

  void kill(int host) {
    processes[host].kill();
  }

  boolean isAlive(int host) {
    return processes[host] != null && processes[host].isAlive();
  }

  HostProcess process(int host) {
    return processes[host];
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    for (HostProcess p : processes) {
      if (p != null && p.isAlive()) {
        p.stop(Duration.ofSeconds(10));
      }
    }
  }
}
