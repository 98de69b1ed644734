package org.hybridstore.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.hybridstore.testkit.ChildProcesses;
import org.hybridstore.testkit.EtcdCommand;
import org.hybridstore.testkit.EtcdRuntime;
import org.hybridstore.testkit.FreePorts;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N hosts on this machine, each running one etcd member, plus the means to run further programs on
 * a host and to inject faults. Start one with {@link #start(ClusterSpec)} and close it on every
 * exit path (try-with-resources); a JVM shutdown hook closes it too.
 *
 * <p>Design:
 *
 * <ul>
 *   <li>Hosts: in NAMESPACES mode each host is a network namespace {@code hs-RUNID-hN} with address
 *       {@code 10.X.Y.(10+N)} on a bridge in a switch namespace, and a veth from the root namespace
 *       into the bridge so this JVM reaches every host ({@link NamespaceTopology}). In LOOPBACK
 *       mode every host is 127.0.0.1 with its own free ports. Names and the /24 are random per run,
 *       so two runs on one machine do not collide.
 *   <li>etcd: one member per host, {@code --pre-vote} and the timing flags from the spec; status,
 *       leader and health come from etcd's JSON gateway on the client port, with bounded calls.
 *   <li>Leader: the leader is only believed when a majority of members name it (faults.md §4: an
 *       isolated old leader keeps claiming leadership for ET to 2*ET).
 *   <li>Cleanup: every process, namespace and veth is recorded when created; {@link #close()} kills
 *       the processes, deletes the namespaces (which takes the rules and qdiscs with them) and
 *       verifies that nothing with this run id is left.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class Cluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
  private static final Pattern PROCESS_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Duration STATUS_TIMEOUT = Duration.ofMillis(800);
  private static final Duration PUT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration POLL = Duration.ofMillis(50);

  /** The key {@link #awaitHealthy} writes; the suite's own data should live elsewhere. */
  public static final String HEALTH_KEY_PREFIX = "hybridstore-chaos/health/";

  /** Knobs for tests; package-private. */
  record Options(@Nullable String runId, String etcdBinary, Duration startTimeout) {
    static Options defaults() {
      String bin = System.getenv("HYBRIDSTORE_ETCD");
      return new Options(null, bin == null || bin.isBlank() ? "etcd" : bin, Duration.ofSeconds(60));
    }

    Options withRunId(String id) {
      return new Options(id, etcdBinary, startTimeout);
    }

    Options withEtcdBinary(String bin) {
      return new Options(runId, bin, startTimeout);
    }

    Options withStartTimeout(Duration t) {
      return new Options(runId, etcdBinary, t);
    }
  }

  private final ClusterSpec spec;
  private final String runId;
  private final ClusterSpec.Mode mode;
  private final @Nullable NamespaceTopology topology;
  private final List<Host> hosts = new ArrayList<>();
  private final List<EtcdMember> members = new ArrayList<>();
  private final List<HostProcess> processes = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> hostByMemberId = new ConcurrentHashMap<>();
  private final EtcdHttp etcdHttp = new EtcdHttp();
  private final ReentrantLock closeLock = new ReentrantLock();
  private final Thread shutdownHook;
  private Network network;
  private volatile boolean closed;

  private Cluster(ClusterSpec spec, String runId, ClusterSpec.Mode mode) {
    this.spec = spec;
    this.runId = runId;
    this.mode = mode;
    this.topology = mode == ClusterSpec.Mode.NAMESPACES ? new NamespaceTopology(runId) : null;
    this.network = new LoopbackNetwork();
    this.shutdownHook = new Thread(this::closeFromHook, "hybridstore-chaos-cleanup-" + runId);
  }

  /**
   * Creates the hosts, starts one etcd member per host and waits (at most 60 s) until the cluster
   * is healthy. On any failure everything created so far is removed before the exception
   * propagates.
   *
   * @param spec what to build
   * @return the running cluster
   * @throws ClusterException if a step fails or the cluster is not healthy in time
   * @throws IllegalStateException if NAMESPACES mode is requested without root
   */
  public static Cluster start(ClusterSpec spec) {
    return start(spec, Options.defaults());
  }

  static Cluster start(ClusterSpec spec, Options options) {
    Objects.requireNonNull(spec, "spec");
    Random random = new SecureRandom();
    String runId =
        options.runId() != null ? Naming.requireRunId(options.runId()) : Naming.newRunId(random);
    ClusterSpec.Mode mode = resolveMode(spec.mode());
    try {
      Files.createDirectories(spec.workDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create work directory " + spec.workDir(), e);
    }
    Cluster cluster = new Cluster(spec, runId, mode);
    try {
      Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
      if (mode == ClusterSpec.Mode.NAMESPACES) {
        try {
          Objects.requireNonNull(cluster.topology).create(spec.hosts(), random);
        } catch (ClusterException e) {
          if (spec.mode() != ClusterSpec.Mode.AUTO) {
            throw e;
          }
          LOG.warn(
              "run {}: cannot build namespaces ({}); falling back to the LOOPBACK mode",
              runId,
              e.getMessage());
          cluster.close();
          return start(
              spec.toBuilder().mode(ClusterSpec.Mode.LOOPBACK).build(), options.withRunId(runId));
        }
      }
      cluster.createHosts();
      cluster.createMembers(options.etcdBinary());
      cluster.members.forEach(EtcdMember::start);
      cluster.awaitHealthy(options.startTimeout(), true);
      if (mode == ClusterSpec.Mode.NAMESPACES) {
        cluster.network = new NamespaceNetwork(cluster.hosts);
        LOG.info(
            "cluster {} up: {} hosts in network namespaces on {}, etcd {}",
            runId,
            spec.hosts(),
            Objects.requireNonNull(cluster.topology).subnet().cidr(),
            spec.etcdTimingFlags());
      } else {
        LOG.warn(
            "cluster {} up in the reduced LOOPBACK mode (no root or no `ip netns`): {} hosts on 127.0.0.1,"
                + " process faults only, no network faults; etcd {}",
            runId,
            spec.hosts(),
            spec.etcdTimingFlags());
      }
      return cluster;
    } catch (RuntimeException | Error e) {
      try {
        cluster.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  @SuppressWarnings("StatementSwitchToExpressionSwitch") // a default for modes added later
  private static ClusterSpec.Mode resolveMode(ClusterSpec.Mode requested) {
    boolean root = isRoot();
    boolean netns = root && Exec.run(List.of("ip", "netns", "list"), Duration.ofSeconds(5)).ok();
    switch (requested) {
      case NAMESPACES:
        if (!netns) {
          throw new IllegalStateException(
              "NAMESPACES mode needs root and a working `ip netns`"
                  + (root ? "" : " (running as a non-root user)"));
        }
        return ClusterSpec.Mode.NAMESPACES;
      case LOOPBACK:
        return ClusterSpec.Mode.LOOPBACK;
      default:
        return netns ? ClusterSpec.Mode.NAMESPACES : ClusterSpec.Mode.LOOPBACK;
    }
  }

  /**
   * Whether this process runs as root.
   *
   * @return true for uid 0
   */
  public static boolean isRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  private void createHosts() {
    int n = spec.hosts();
    if (mode == ClusterSpec.Mode.NAMESPACES) {
      for (int i = 0; i < n; i++) {
        hosts.add(
            new Host(
                i,
                Naming.hostName(i),
                Objects.requireNonNull(topology).subnet().hostAddress(i),
                Naming.hostNamespace(runId, i),
                Host.NAMESPACE_ETCD_CLIENT,
                Host.NAMESPACE_ETCD_PEER,
                new Ports(Ports.NAMESPACE_HTTP, Ports.NAMESPACE_GOSSIP)));
      }
    } else {
      int[] ports = FreePorts.allocate(4 * n);
      for (int i = 0; i < n; i++) {
        hosts.add(
            new Host(
                i,
                Naming.hostName(i),
                "127.0.0.1",
                null,
                ports[4 * i],
                ports[4 * i + 1],
                new Ports(ports[4 * i + 2], ports[4 * i + 3])));
      }
    }
  }

  private void createMembers(String etcdBinary) {
    List<String> peers = new ArrayList<>();
    for (Host h : hosts) {
      peers.add(h.name() + "=" + h.etcdPeerUrl());
    }
    EtcdRuntime runtime = EtcdRuntime.fromEnvironment(mode == ClusterSpec.Mode.NAMESPACES);
    for (Host h : hosts) {
      Path dataDir = spec.workDir().resolve("etcd").resolve(h.name());
      EtcdCommand cmd =
          new EtcdCommand(
              h.name(),
              dataDir,
              URI.create(h.etcdClientUrl()),
              URI.create(h.etcdPeerUrl()),
              EtcdCommand.initialCluster(peers),
              "hybridstore-chaos-" + runId,
              spec.heartbeatMs(),
              spec.electionMs(),
              spec.preVote(),
              null);
      Path log = spec.workDir().resolve("etcd-" + h.name() + ".log");
      members.add(new EtcdMember(h, runtime.create(cmd, log, etcdBinary, inNamespace(h)), dataDir));
    }
  }

  private static List<String> inNamespace(Host h) {
    return h.netns() == null ? List.of() : List.of("ip", "netns", "exec", h.netns());
  }

  /**
   * The spec this cluster was started with (its mode is the resolved one after an AUTO fallback).
   *
   * @return the spec
   */
  public ClusterSpec spec() {
    return spec;
  }

  /**
   * The random id in every name this run creates.
   *
   * @return six hex digits
   */
  public String runId() {
    return runId;
  }

  /**
   * Whether the hosts are network namespaces; false in the reduced LOOPBACK mode (which {@link
   * #start} announces in a log line).
   *
   * @return true in NAMESPACES mode
   */
  public boolean usesNamespaces() {
    return mode == ClusterSpec.Mode.NAMESPACES;
  }

  /**
   * The resolved mode.
   *
   * @return NAMESPACES or LOOPBACK
   */
  public ClusterSpec.Mode mode() {
    return mode;
  }

  /**
   * The hosts, by index.
   *
   * @return an immutable list
   */
  public List<Host> hosts() {
    return List.copyOf(hosts);
  }

  /**
   * etcd's client URLs by host index, reachable from this JVM.
   *
   * @return an immutable list
   */
  public List<URI> etcdClientUrls() {
    return members.stream().map(EtcdMember::clientUrl).toList();
  }

  /**
   * The etcd member of a host.
   *
   * @param host the host index
   * @return the member
   * @throws IndexOutOfBoundsException if there is no such host
   */
  public EtcdMember etcd(int host) {
    return members.get(host);
  }

  /**
   * All etcd members by host index.
   *
   * @return an immutable list
   */
  public List<EtcdMember> etcdMembers() {
    return List.copyOf(members);
  }

  /**
   * The programs started with {@link #startProcess}, oldest first.
   *
   * @return an immutable snapshot
   */
  public List<HostProcess> processes() {
    return List.copyOf(processes);
  }

  /**
   * The network fault primitives.
   *
   * @return the network; {@link Network#supports()} is false in LOOPBACK mode
   */
  public Network network() {
    return network;
  }

  /**
   * One member's Status, with a bounded call.
   *
   * @param host the host index
   * @param timeout the call's bound
   * @return the status, or empty if it did not answer in time
   */
  public Optional<EtcdStatus> etcdStatus(int host, Duration timeout) {
    Optional<EtcdStatus> s = etcdHttp.status(members.get(host).clientUrl(), timeout).join();
    s.ifPresent(st -> hostByMemberId.put(st.memberId(), host));
    return s;
  }

  /**
   * Reads one key as of a revision, asking each member in turn until one answers.
   *
   * @param key the key
   * @param revision the revision to read at; 0 reads the latest
   * @param timeout each member's bound
   * @return empty if no member answered; a present empty optional if the key did not exist then
   */
  public Optional<Optional<KeyVersion>> etcdRead(String key, long revision, Duration timeout) {
    int first = lastReader;
    for (int i = 0; i < members.size(); i++) {
      int m = (first + i) % members.size();
      Optional<Optional<KeyVersion>> r =
          etcdHttp.range(members.get(m).clientUrl(), key, revision, timeout).join();
      if (r.isPresent()) {
        lastReader = m; // a member cut off or paused costs one timeout, not one per read
        return r;
      }
    }
    return Optional.empty();
  }

  private volatile int lastReader;

  /**
   * Compacts etcd's history at a revision, asking each member in turn until one acknowledges.
   *
   * @param revision the revision
   * @param timeout each member's bound
   * @return whether a member acknowledged it
   */
  public boolean etcdCompact(long revision, Duration timeout) {
    for (EtcdMember m : members) {
      if (etcdHttp.compact(m.clientUrl(), revision, timeout).join()) {
        return true;
      }
    }
    return false;
  }

  /**
   * etcd's current revision, asking each member in turn until one answers.
   *
   * @param timeout each member's bound
   * @return the revision, or empty if no member answered
   */
  public Optional<Long> etcdRevision(Duration timeout) {
    for (EtcdMember m : members) {
      Optional<Long> r = etcdHttp.revision(m.clientUrl(), timeout).join();
      if (r.isPresent()) {
        return r;
      }
    }
    return Optional.empty();
  }

  /**
   * Whether some member serves a linearizable read now: all members are asked in parallel, each
   * within {@code timeout}.
   *
   * @param timeout each member's bound
   * @return true if at least one member answered a linearizable range in time
   */
  public boolean etcdServes(Duration timeout) {
    List<CompletableFuture<Optional<Long>>> asks = new ArrayList<>();
    for (EtcdMember m : members) {
      asks.add(etcdHttp.revision(m.clientUrl(), timeout));
    }
    return asks.stream().anyMatch(a -> a.join().isPresent());
  }

  /**
   * Every member's Status, asked in parallel.
   *
   * @param timeout each call's bound
   * @return statuses by host index, empty where a member did not answer
   */
  public List<Optional<EtcdStatus>> etcdStatuses(Duration timeout) {
    List<CompletableFuture<Optional<EtcdStatus>>> futures = new ArrayList<>();
    for (EtcdMember m : members) {
      futures.add(etcdHttp.status(m.clientUrl(), timeout));
    }
    List<Optional<EtcdStatus>> result = new ArrayList<>();
    for (int i = 0; i < futures.size(); i++) {
      Optional<EtcdStatus> s = futures.get(i).join();
      int host = i;
      s.ifPresent(st -> hostByMemberId.put(st.memberId(), host));
      result.add(s);
    }
    return result;
  }

  /**
   * The host of the etcd leader that a majority of members agree on, polling until the timeout.
   *
   * @param timeout how long to keep asking
   * @return the leader's host index, or empty if no majority agreed in time
   */
  public OptionalInt leader(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      OptionalInt leader = agreedLeader(etcdStatuses(STATUS_TIMEOUT));
      if (leader.isPresent() || System.nanoTime() >= deadline) {
        return leader;
      }
      pause(POLL);
    }
  }

  private OptionalInt agreedLeader(List<Optional<EtcdStatus>> statuses) {
    Map<String, Integer> votes = new HashMap<>();
    for (Optional<EtcdStatus> s : statuses) {
      s.filter(EtcdStatus::hasLeader).ifPresent(st -> votes.merge(st.leaderId(), 1, Integer::sum));
    }
    for (Map.Entry<String, Integer> e : votes.entrySet()) {
      Integer host = hostByMemberId.get(e.getKey());
      if (e.getValue() > members.size() / 2 && host != null) {
        return OptionalInt.of(host);
      }
    }
    return OptionalInt.empty();
  }

  /**
   * Waits until every member is up (running, not paused), all name the same leader, and a write
   * succeeds through every member.
   *
   * @param timeout the bound
   * @throws ClusterException with the last observed state if that does not happen in time
   */
  public void awaitHealthy(Duration timeout) {
    awaitHealthy(timeout, false);
  }

  private void awaitHealthy(Duration timeout, boolean failOnExit) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String reason;
    while (true) {
      if (failOnExit) {
        for (EtcdMember m : members) {
          Integer exit = m.exitCode();
          if (exit != null) {
            throw new ClusterException(
                "etcd "
                    + m.host().name()
                    + " exited with "
                    + exit
                    + " while starting;"
                    + " log "
                    + m.logFile()
                    + " ends with:\n"
                    + m.logTail());
          }
        }
      }
      reason = unhealthyReason();
      if (reason == null) {
        LOG.info(
            "cluster {} healthy after {} ms",
            runId,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return;
      }
      if (System.nanoTime() >= deadline) {
        throw new ClusterException(
            "cluster " + runId + " not healthy within " + timeout + ": " + reason);
      }
      pause(Duration.ofMillis(100));
    }
  }

  /** Null when healthy, else what is wrong. */
  private @Nullable String unhealthyReason() {
    List<String> down = new ArrayList<>();
    for (EtcdMember m : members) {
      if (!m.isUp()) {
        down.add(m.toString());
      }
    }
    if (!down.isEmpty()) {
      return "members not up: " + down;
    }
    List<Optional<EtcdStatus>> statuses = etcdStatuses(STATUS_TIMEOUT);
    String leader = null;
    for (int i = 0; i < statuses.size(); i++) {
      Optional<EtcdStatus> s = statuses.get(i);
      if (s.isEmpty()) {
        return hosts.get(i).name() + " does not answer Status";
      }
      if (!s.get().hasLeader()) {
        return hosts.get(i).name() + " has no leader " + s.get().errors();
      }
      if (leader != null && !leader.equals(s.get().leaderId())) {
        return "members disagree on the leader: " + statuses;
      }
      leader = s.get().leaderId();
    }
    if (!hostByMemberId.containsKey(leader)) {
      return "leader " + leader + " is not a member of this cluster";
    }
    List<CompletableFuture<Boolean>> puts = new ArrayList<>();
    String value = Instant.now().toString();
    for (EtcdMember m : members) {
      puts.add(
          etcdHttp.put(m.clientUrl(), HEALTH_KEY_PREFIX + m.host().name(), value, PUT_TIMEOUT));
    }
    for (int i = 0; i < puts.size(); i++) {
      if (!puts.get(i).join()) {
        return "a put through " + hosts.get(i).name() + " failed";
      }
    }
    return null;
  }

  /**
   * Starts a program on a host: inside the host's namespace ({@code ip netns exec}, which execs, so
   * the pid is the program's) in NAMESPACES mode, directly in LOOPBACK mode. Standard output and
   * error are appended to {@code workDir/<name>.log}.
   *
   * @param host the host index
   * @param name a unique file-name-safe name, e.g. {@code node-h1}
   * @param command the program and its arguments
   * @param env variables added to this JVM's environment
   * @return the running process
   * @throws IllegalArgumentException if the name is not file-name-safe or already used
   * @throws IllegalStateException if the cluster is closed
   * @throws ClusterException if the program cannot be started
   */
  public HostProcess startProcess(
      int host, String name, List<String> command, Map<String, String> env) {
    if (closed) {
      throw new IllegalStateException("cluster " + runId + " is closed");
    }
    if (!PROCESS_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("process name must match " + PROCESS_NAME + ": " + name);
    }
    if (processes.stream().anyMatch(p -> p.name().equals(name))) {
      throw new IllegalArgumentException("a process named " + name + " was already started");
    }
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command must not be empty");
    }
    Host h = hosts.get(host);
    List<String> cmd = new ArrayList<>(inNamespace(h));
    cmd.addAll(command);
    Path log = spec.workDir().resolve(name + ".log");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.environment().putAll(env);
      HostProcess p = new HostProcess(h, name, cmd, log, pb.start());
      processes.add(p);
      LOG.info("started {} on {} (pid {}): {}", name, h.name(), p.pid(), String.join(" ", cmd));
      return p;
    } catch (IOException e) {
      throw new ClusterException(
          "cannot start " + name + " on " + h.name() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Tries a TCP connection from inside one host's namespace to another host's port. Distinguishes a
   * dropped path ({@link Reachability#TIMED_OUT}) from an open path with nothing listening ({@link
   * Reachability#REFUSED}). In LOOPBACK mode it connects from this JVM.
   *
   * @param fromHost the host the connection starts in
   * @param toHost the destination host
   * @param port the destination port
   * @param timeout the connect bound
   * @return the outcome
   * @throws ClusterException if the probe itself cannot run
   */
  public Reachability probe(int fromHost, int toHost, int port, Duration timeout) {
    Host from = hosts.get(fromHost);
    Host to = hosts.get(toHost);
    if (from.netns() == null) {
      return probeFromHere(to.address(), port, timeout);
    }
    String seconds = String.format(Locale.ROOT, "%.3f", timeout.toMillis() / 1000.0);
    Exec.Result r =
        Exec.run(
            List.of(
                "ip",
                "netns",
                "exec",
                from.netns(),
                "timeout",
                seconds,
                "bash",
                "-c",
                "exec 3<>/dev/tcp/" + to.address() + "/" + port),
            timeout.plusSeconds(10));
    if (r.timedOut() || r.exitCode() == 124) {
      return Reachability.TIMED_OUT;
    }
    return r.exitCode() == 0 ? Reachability.CONNECTED : Reachability.REFUSED;
  }

  /**
   * Tries a TCP connection from this JVM (the root namespace) to a host's port.
   *
   * @param toHost the destination host
   * @param port the destination port
   * @param timeout the connect bound
   * @return the outcome
   */
  public Reachability probeFromSuite(int toHost, int port, Duration timeout) {
    return probeFromHere(hosts.get(toHost).address(), port, timeout);
  }

  private static Reachability probeFromHere(String address, int port, Duration timeout) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, port), (int) timeout.toMillis());
      return Reachability.CONNECTED;
    } catch (SocketTimeoutException e) {
      return Reachability.TIMED_OUT;
    } catch (ConnectException e) {
      return Reachability.REFUSED;
    } catch (IOException e) {
      return Reachability.REFUSED;
    }
  }

  /**
   * Whether {@link #close()} has run.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Kills every process this cluster started (etcd members and {@link #startProcess} programs),
   * kills anything else still inside its namespaces, deletes the namespaces, bridge and veths
   * (their iptables rules and qdiscs go with them), deletes the etcd data directories (logs stay),
   * and verifies that no namespace or link of this run is left. Idempotent; runs from a JVM
   * shutdown hook too.
   *
   * @throws ClusterException after doing all it can, if something could not be removed
   */
  @Override
  public void close() {
    closeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      List<String> problems = new ArrayList<>();
      for (HostProcess p : processes) {
        try {
          p.forceKill();
        } catch (RuntimeException e) {
          problems.add(e.getMessage());
        }
      }
      for (EtcdMember m : members) {
        try {
          m.forceKill();
        } catch (RuntimeException e) {
          problems.add(e.getMessage());
        }
      }
      if (topology != null) {
        try {
          problems.addAll(topology.destroy());
        } catch (RuntimeException e) {
          problems.add(e.toString());
        }
      }
      try {
        ChildProcesses.deleteTree(spec.workDir().resolve("etcd"));
      } catch (IOException | UncheckedIOException e) {
        LOG.warn("cluster {}: cannot delete etcd data: {}", runId, e.toString());
      }
      if (Thread.currentThread() != shutdownHook) {
        try {
          Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
          // the hook runs or ran already, or start failed before adding it
        }
      }
      if (!problems.isEmpty()) {
        throw new ClusterException("cluster " + runId + " not fully cleaned up: " + problems);
      }
      LOG.info("cluster {} closed; nothing of it is left", runId);
    } finally {
      closeLock.unlock();
    }
  }

  private void closeFromHook() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println(
          "hybridstore-chaos: cleanup of cluster " + runId + " failed: " + e.getMessage());
    }
  }

  /**
   * What is left on this machine of a run: namespaces and root-namespace links whose name carries
   * the run id.
   *
   * @param runId the run id
   * @return descriptions such as {@code netns hs-1a2b3c-h1}; empty when clean
   */
  public static List<String> leftovers(String runId) {
    return NamespaceTopology.leftovers(Naming.requireRunId(runId));
  }

  private static void pause(Duration d) {
    LockSupport.parkNanos(d.toNanos());
  }

  @Override
  public String toString() {
    return "Cluster["
        + runId
        + ", "
        + mode
        + ", "
        + hosts.size()
        + " hosts, "
        + spec.etcdTimingFlags()
        + "]";
  }
}
