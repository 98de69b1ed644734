package org.hybridstore.cp.testing;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.hybridstore.CpConfig;
import org.hybridstore.testkit.ChildProcesses;
import org.hybridstore.testkit.EtcdCommand;
import org.hybridstore.testkit.EtcdRuntime;
import org.hybridstore.testkit.FreePorts;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd cluster for tests: N child processes of the {@code etcd} binary on {@code PATH}
 * (Debian's {@code etcd-server}; 3.4.23 here), on free loopback ports, each with its own data
 * directory and log file under one temporary directory. Shaped like jetcd's test-scoped extension:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EtcdClusterExtension cluster = EtcdClusterExtension.builder()
 *     .withNodes(3).withHeartbeat(50).withElectionTimeout(500).withPreVote(true).build();
 * }</pre>
 *
 * <p>As a {@code static} field the cluster lives for the test class; as an instance field, for one
 * test. It can also be used without JUnit ({@link #start()} / {@link #close()}), as the benchmark
 * does. Members can be killed (SIGKILL), restarted on the same data directory and ports, paused
 * (SIGSTOP) and resumed (SIGCONT). Everything is torn down after the tests, whether they passed or
 * failed, and a JVM shutdown hook kills what is left if the JVM exits early. When a test failed,
 * the members' logs are copied to {@code target/etcd-logs/} first.
 *
 * <p>Free ports come from the OS (bind port 0, close, use); each cluster has a unique cluster
 * token, so two concurrent runs on one machine neither collide nor join each other. If a member
 * cannot start (say a port was taken in between), the whole cluster is started again on new ports,
 * up to three times.
 *
 * <p>With {@link Builder#withNetworkNamespaces(boolean)} (root only) every member runs in a network
 * namespace of its own ({@link NetworkNamespaces}), on its own address, and can be partitioned from
 * its peers or from the test's clients ({@link EtcdMember#isolateFromPeers()}, {@link
 * EtcdMember#cutOffFromClient()}, {@link EtcdMember#heal()}).
 *
 * <p>The members are made by the test kit's {@link EtcdRuntime}: local processes of the binary, or
 * containers of an etcd image when a Docker engine answers and the cluster needs no network
 * namespaces ({@code -Dhybridstore.etcd.runtime=process|container|auto}). The machines this project
 * is tested on have no Docker engine, so only the process path has run (see docs/architecture.md,
 * "Test kit").
 *
 * <p>Thread-safe.
 */
public final class EtcdClusterExtension
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdClusterExtension.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STATUS_TIMEOUT = Duration.ofMillis(1000);

  private final int nodes;
  private final long heartbeatMillis;
  private final long electionTimeoutMillis;
  private final boolean preVote;
  private final boolean tls;
  private final @Nullable String user;
  private final @Nullable String password;
  private final String binary;
  private final EtcdRuntime runtime;
  private final boolean namespaces;
  private @Nullable NetworkNamespaces network;
  private final ReentrantLock lock = new ReentrantLock();
  private final ReentrantLock statusLock = new ReentrantLock();

  private @Nullable Path directory;
  private @Nullable Client statusClient;
  private @Nullable TestCertificates certificates;
  private List<EtcdMember> members = List.of();
  private final Map<String, Long> memberIds = new java.util.concurrent.ConcurrentHashMap<>();
  private boolean started;
  private boolean perTest;

  private EtcdClusterExtension(Builder b) {
    this.nodes = b.nodes;
    this.heartbeatMillis = b.heartbeatMillis;
    this.electionTimeoutMillis = b.electionTimeoutMillis;
    this.preVote = b.preVote;
    this.tls = b.tls;
    this.user = b.user;
    this.password = b.password;
    this.binary = b.binary;
    this.namespaces = b.namespaces;
    this.runtime = EtcdRuntime.fromEnvironment(b.namespaces);
  }

  /**
   * Returns a builder: 3 members, heartbeat 50 ms, election timeout 500 ms, pre-vote on, no TLS, no
   * auth.
   */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------------------------------------
  // JUnit lifecycle

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    lock.lock();
    try {
      if (!started) {
        perTest = true;
        start();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (perTest) {
      keepLogsIfFailed(context);
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    keepLogsIfFailed(context);
    close();
  }

  private void keepLogsIfFailed(ExtensionContext context) {
    if (context.getExecutionException().isEmpty() || members.isEmpty()) {
      return;
    }
    try {
      Path target =
          Path.of(
              "target",
              "etcd-logs",
              context.getDisplayName().replaceAll("[^A-Za-z0-9._-]", "_")
                  + "-"
                  + System.currentTimeMillis());
      Files.createDirectories(target);
      for (EtcdMember m : members) {
        if (Files.exists(m.logFile())) {
          Files.copy(
              m.logFile(), target.resolve(m.name() + ".log"), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      LOG.warn("test failed; etcd logs kept in {}", target.toAbsolutePath());
    } catch (IOException e) {
      LOG.warn("could not keep the etcd logs", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // lifecycle without JUnit

  /**
   * Starts the cluster and waits until every member names the same leader. Does nothing if it runs
   * already.
   *
   * @throws IllegalStateException if the cluster does not become healthy within 30 s (three tries)
   */
  public void start() {
    lock.lock();
    try {
      if (started) {
        return;
      }
      IllegalStateException last = null;
      for (int attempt = 1; attempt <= 3; attempt++) {
        try {
          startOnce();
          started = true;
          return;
        } catch (RuntimeException | IOException e) {
          LOG.warn("etcd cluster start attempt {} failed: {}", attempt, e.getMessage());
          last = new IllegalStateException("etcd cluster did not start: " + e.getMessage(), e);
          destroyAll();
        }
      }
      throw last;
    } finally {
      lock.unlock();
    }
  }

  private void startOnce() throws IOException {
    Path dir = Files.createTempDirectory("hybridstore-etcd-");
    ChildProcesses.registerDirectory(dir);
    directory = dir;
    if (tls) {
      certificates = TestCertificates.generate(dir.resolve("pki"));
    }
    List<EtcdMember> ms = new ArrayList<>();
    if (namespaces) {
      // each member alone in its namespace: the standard ports, on its own address
      NetworkNamespaces n = NetworkNamespaces.create(nodes);
      network = n;
      for (int i = 0; i < nodes; i++) {
        ms.add(
            new EtcdMember(
                "m" + i,
                i,
                n.address(i),
                n,
                2379,
                2380,
                dir.resolve("m" + i),
                dir.resolve("m" + i + ".log"),
                tls));
      }
    } else {
      int[] ports = FreePorts.allocate(2 * nodes);
      for (int i = 0; i < nodes; i++) {
        Path data = dir.resolve("m" + i);
        ms.add(
            new EtcdMember(
                "m" + i, ports[2 * i], ports[2 * i + 1], data, dir.resolve("m" + i + ".log"), tls));
      }
    }
    members = List.copyOf(ms);
    StringBuilder initial = new StringBuilder();
    for (EtcdMember m : ms) {
      initial
          .append(initial.length() == 0 ? "" : ",")
          .append(m.name())
          .append('=')
          .append(m.peerUrl());
    }
    String token = "hybridstore-" + UUID.randomUUID();
    for (int i = 0; i < ms.size(); i++) {
      EtcdMember m = ms.get(i);
      EtcdCommand cmd = command(m, initial.toString(), token);
      List<String> prefix = network == null ? List.of() : network.inside(i, List.of());
      m.start(runtime.create(cmd, m.logFile(), binary, prefix));
    }
    awaitHealthy(START_TIMEOUT);
    if (user != null && password != null) {
      enableAuth(user, password);
    }
    LOG.info(
        "etcd cluster up: {} (heartbeat {} ms, election {} ms, pre-vote {}, tls {}, auth {})",
        clientEndpoints(),
        heartbeatMillis,
        electionTimeoutMillis,
        preVote,
        tls,
        user != null);
  }

  private EtcdCommand command(EtcdMember m, String initialCluster, String token) {
    TestCertificates certs = certificates;
    return new EtcdCommand(
        m.name(),
        m.dataDir(),
        m.clientEndpoint(),
        m.peerUrl(),
        initialCluster,
        token,
        heartbeatMillis,
        electionTimeoutMillis,
        preVote,
        tls && certs != null
            ? new EtcdCommand.Tls(certs.serverCert(), certs.serverKey(), certs.caCert())
            : null);
  }

  private void enableAuth(String u, String p) {
    try (Client admin = newClient(false)) {
      ByteSequence root = ByteSequence.from("root", StandardCharsets.UTF_8);
      ByteSequence pw = ByteSequence.from(p, StandardCharsets.UTF_8);
      admin.getAuthClient().userAdd(root, pw).get(10, TimeUnit.SECONDS);
      admin.getAuthClient().userGrantRole(root, root).get(10, TimeUnit.SECONDS);
      if (!u.equals("root")) {
        ByteSequence named = ByteSequence.from(u, StandardCharsets.UTF_8);
        admin.getAuthClient().userAdd(named, pw).get(10, TimeUnit.SECONDS);
        admin.getAuthClient().userGrantRole(named, root).get(10, TimeUnit.SECONDS);
      }
      admin.getAuthClient().authEnable().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot enable etcd auth", e);
    }
  }

  /** Kills every member, deletes the temporary directory. Safe to call twice. */
  @Override
  public void close() {
    lock.lock();
    try {
      destroyAll();
      started = false;
    } finally {
      lock.unlock();
    }
  }

  private void destroyAll() {
    Client sc;
    statusLock.lock();
    try {
      sc = statusClient;
      statusClient = null;
    } finally {
      statusLock.unlock();
    }
    if (sc != null) {
      sc.close();
    }
    for (EtcdMember m : members) {
      try {
        m.destroy();
      } catch (RuntimeException e) {
        LOG.warn("could not kill {}", m, e);
      }
    }
    NetworkNamespaces n = network;
    network = null;
    if (n != null) {
      n.close();
    }
    Path dir = directory;
    if (dir != null) {
      ChildProcesses.deleteQuietly(dir);
      ChildProcesses.unregisterDirectory(dir);
    }
    directory = null;
    memberIds.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // queries

  /** Returns the members' client URLs, in member order. */
  public List<URI> clientEndpoints() {
    return members.stream().map(EtcdMember::clientEndpoint).toList();
  }

  /** Returns the members, in order. */
  public List<EtcdMember> members() {
    return members;
  }

  /**
   * Returns one member.
   *
   * @param index 0-based
   * @return the member
   */
  public EtcdMember member(int index) {
    return members.get(index);
  }

  /** Returns the configured election timeout. */
  public Duration electionTimeout() {
    return Duration.ofMillis(electionTimeoutMillis);
  }

  /** Returns the configured heartbeat interval. */
  public Duration heartbeat() {
    return Duration.ofMillis(heartbeatMillis);
  }

  /** Returns the generated certificates, or null without TLS. */
  public @Nullable TestCertificates certificates() {
    return certificates;
  }

  /**
   * Returns a config builder pointing at this cluster, with its TLS material (CA and client
   * certificate) and credentials.
   *
   * @return the builder; adjust and build it
   */
  public CpConfig.Builder cpConfig() {
    CpConfig.Builder b = CpConfig.builder().endpoints(clientEndpoints());
    TestCertificates c = certificates;
    if (c != null) {
      b.tls(new CpConfig.Tls(c.caCert(), c.clientCert(), c.clientKey()));
    }
    if (user != null && password != null) {
      b.credentials(user, password);
    }
    return b;
  }

  /**
   * Returns a new jetcd client for all members with this cluster's TLS and credentials, a 1 s
   * deadline per call and no wait-for-ready. The caller closes it.
   */
  public Client newClient() {
    return newClient(true);
  }

  private Client newClient(boolean withCredentials) {
    ClientBuilder b =
        Client.builder()
            .endpoints(clientEndpoints().toArray(URI[]::new))
            .waitForReady(false)
            .keepaliveWithoutCalls(false)
            .retryMaxAttempts(0)
            .interceptor(
                new ClientInterceptor() {
                  @Override
                  public <Q, R> ClientCall<Q, R> interceptCall(
                      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                    CallOptions o =
                        method.getType() == MethodDescriptor.MethodType.UNARY
                                && options.getDeadline() == null
                            ? options.withDeadlineAfter(
                                STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            : options;
                    return next.newCall(method, o);
                  }
                });
    TestCertificates c = certificates;
    if (c != null) {
      try {
        b.sslContext(
            ssl ->
                ssl.trustManager(c.caCert().toFile())
                    .keyManager(c.clientCert().toFile(), c.clientKey().toFile()));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    if (withCredentials && user != null && password != null) {
      b.user(ByteSequence.from(user, StandardCharsets.UTF_8))
          .password(ByteSequence.from(password, StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private Client statusClient() {
    statusLock.lock();
    try {
      if (statusClient == null) {
        statusClient = newClient(false);
      }
      return statusClient;
    } finally {
      statusLock.unlock();
    }
  }

  /**
   * Asks every running, unpaused member for its status and returns the member a majority of all
   * members names as leader, if any.
   *
   * @return the leader, or empty if there is none (or no majority agrees)
   */
  public Optional<EtcdMember> currentLeader() {
    Map<Long, Integer> votes = new HashMap<>();
    Client c = statusClient();
    {
      for (EtcdMember m : members) {
        if (!m.isRunning() || m.isPaused()) {
          continue;
        }
        try {
          StatusResponse s =
              c.getMaintenanceClient()
                  .statusMember(m.clientEndpoint().toString())
                  .get(STATUS_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
          memberIds.put(m.name(), s.getHeader().getMemberId());
          if (s.getLeader() != 0) {
            votes.merge(s.getLeader(), 1, Integer::sum);
          }
        } catch (Exception e) {
          LOG.debug("status of {} failed: {}", m, e.toString());
        }
      }
    }
    int majority = members.size() / 2 + 1;
    for (Map.Entry<Long, Integer> v : votes.entrySet()) {
      if (v.getValue() >= majority) {
        for (EtcdMember m : members) {
          Long id = memberIds.get(m.name());
          if (id != null && id.equals(v.getKey())) {
            return Optional.of(m);
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Waits until a majority names one leader and every running, unpaused member names it.
   *
   * @param timeout how long to wait
   * @return the leader
   * @throws IllegalStateException if that does not happen in time, or a member process died
   */
  public EtcdMember awaitHealthy(Duration timeout) {
    try {
      return Awaitility.await("a leader named by a majority of " + members)
          .atMost(timeout)
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                for (EtcdMember m : members) {
                  if (!started && !m.isRunning()) {
                    throw new IllegalStateException(
                        m.name() + " exited during start; log: " + tail(m.logFile()));
                  }
                }
                return currentLeader();
              },
              Optional::isPresent)
          .orElseThrow();
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(
          "etcd cluster not healthy within " + timeout + ": " + members, e);
    }
  }

  /** Waits (at most 10 s) for a leader and returns it. */
  public EtcdMember leader() {
    return awaitHealthy(Duration.ofSeconds(10));
  }

  /** Returns the members that are not the current leader. */
  public List<EtcdMember> followers() {
    EtcdMember leader = leader();
    return members.stream().filter(m -> m != leader).toList();
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return "EtcdClusterExtension" + members;
  }

  /** Builds an {@link EtcdClusterExtension}; not thread-safe. */
  public static final class Builder {
    private int nodes = 3;
    private long heartbeatMillis = 50;
    private long electionTimeoutMillis = 500;
    private boolean preVote = true;
    private boolean tls;
    private @Nullable String user;
    private @Nullable String password;
    private String binary = System.getProperty("etcd.binary", "etcd");
    private boolean namespaces;

    private Builder() {}

    /**
     * @param n members, at least 1 @return this builder
     */
    public Builder withNodes(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("nodes must be at least 1, was " + n);
      }
      nodes = n;
      return this;
    }

    /**
     * @param millis etcd's {@code --heartbeat-interval} @return this builder
     */
    public Builder withHeartbeat(long millis) {
      heartbeatMillis = millis;
      return this;
    }

    /**
     * @param millis etcd's {@code --election-timeout} @return this builder
     */
    public Builder withElectionTimeout(long millis) {
      electionTimeoutMillis = millis;
      return this;
    }

    /**
     * @param on etcd's {@code --pre-vote} @return this builder
     */
    public Builder withPreVote(boolean on) {
      preVote = on;
      return this;
    }

    /**
     * Serves clients over TLS with generated certificates ({@link #certificates()}) and requires
     * client certificates.
     *
     * @param on whether to
     * @return this builder
     */
    public Builder withTls(boolean on) {
      tls = on;
      return this;
    }

    /**
     * Enables etcd authentication once the cluster is up: user {@code root} (and {@code user}, if
     * different, with the root role), both with this password.
     *
     * @param u the user clients log in as
     * @param p the password
     * @return this builder
     */
    public Builder withAuth(String u, String p) {
      user = u;
      password = p;
      return this;
    }

    /**
     * Runs every member in a network namespace of its own, on its own address, so that {@link
     * EtcdMember#isolateFromPeers()} and {@link EtcdMember#cutOffFromClient()} work. Needs root
     * ({@link NetworkNamespaces#available()}); not combinable with TLS (the test certificates name
     * 127.0.0.1).
     *
     * @param on whether to
     * @return this builder
     */
    public Builder withNetworkNamespaces(boolean on) {
      namespaces = on;
      return this;
    }

    /**
     * @param path the etcd binary (default {@code etcd} on PATH, or {@code -Detcd.binary}) @return
     *     this builder
     */
    public Builder withBinary(String path) {
      binary = path;
      return this;
    }

    /** Returns the extension; the cluster starts when a test class (or {@link #start()}) asks. */
    public EtcdClusterExtension build() {
      if (electionTimeoutMillis < 5 * heartbeatMillis) {
        throw new IllegalArgumentException("election timeout should be at least 5 heartbeats");
      }
      if (namespaces && tls) {
        throw new IllegalArgumentException(
            "network namespaces and TLS do not combine (certificates name 127.0.0.1)");
      }
      return new EtcdClusterExtension(this);
    }
  }
}
