package org.hybridstore.chaos.cluster;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.hybridstore.chaos.nemesis.Nemeses;
import org.hybridstore.chaos.nemesis.Nemesis;
import org.hybridstore.testkit.ChildProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Starts a real 3-host cluster (network namespaces when root, else loopback), runs every supported
 * nemesis through start / verify / stop / healthy, and checks that close() leaves nothing behind,
 * also after a failed start.
 */
@Timeout(value = 5, unit = MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final Duration PROBE = Duration.ofMillis(1500);
  private static final Duration HEAL = Duration.ofSeconds(30);

  private static Cluster cluster;
  private static Path workDir;

  @BeforeAll
  static void startCluster() throws Exception {
    workDir = Files.createDirectories(Path.of("target", "cluster-it", "run-" + System.nanoTime()));
    // -Dhybridstore.chaos.mode=LOOPBACK runs the reduced mode even as root
    ClusterSpec.Mode mode =
        ClusterSpec.Mode.valueOf(System.getProperty("hybridstore.chaos.mode", "AUTO"));
    cluster = Cluster.start(ClusterSpec.builder().hosts(3).workDir(workDir).mode(mode).build());
  }

  @AfterAll
  static void closeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Duration electionWindow() {
    return Duration.ofMillis(2L * cluster.spec().electionMs() + 1000);
  }

  @Test
  @Order(1)
  void start_healthyWithAgreedLeader() {
    assertThat(cluster.hosts()).hasSize(3);
    assertThat(cluster.usesNamespaces())
        .isEqualTo(
            Cluster.isRoot() && !"LOOPBACK".equals(System.getProperty("hybridstore.chaos.mode")));
    assertThat(cluster.network().supports()).isEqualTo(cluster.usesNamespaces());
    assertThat(cluster.leader(electionWindow())).isPresent();
    assertThat(cluster.etcdClientUrls()).hasSize(3);
    for (Host h : cluster.hosts()) {
      assertThat(cluster.etcd(h.index()).isUp()).isTrue();
      assertThat(cluster.probeFromSuite(h.index(), h.etcdClientPort(), PROBE))
          .isEqualTo(Reachability.CONNECTED);
      assertThat(workDir.resolve("etcd-" + h.name() + ".log")).exists();
    }
    if (cluster.usesNamespaces()) {
      Host h1 = cluster.hosts().get(0);
      assertThat(h1.netns()).isEqualTo("hs-" + cluster.runId() + "-h1");
      assertThat(h1.address()).matches("10\\.\\d+\\.\\d+\\.11");
      assertThat(cluster.probe(0, 1, Host.NAMESPACE_ETCD_PEER, PROBE))
          .isEqualTo(Reachability.CONNECTED);
      // nothing listens on the gossip port yet: the path is open, so the connection is refused
      assertThat(cluster.probe(0, 1, Ports.NAMESPACE_GOSSIP, PROBE))
          .isEqualTo(Reachability.REFUSED);
      for (int i = 0; i < 3; i++) {
        assertThat(cluster.network().ruleCount(i)).isZero();
        assertThat(cluster.network().rootQdisc(i)).isNotEqualTo("tbf");
      }
    } else {
      assertThatThrownBy(() -> cluster.network().oneWay(0, 1))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("LOOPBACK");
    }
  }

  @Test
  @Order(2)
  void startProcess_runsInTheHostNamespace_pauseResumeStop() {
    HostProcess p =
        cluster.startProcess(1, "sleeper", List.of("sleep", "300"), Map.of("HS_TEST", "1"));
    assertThat(p.isAlive()).isTrue();
    assertThat(p.logFile()).isEqualTo(workDir.resolve("sleeper.log"));
    if (cluster.usesNamespaces()) {
      String ns =
          Exec.run(List.of("ip", "netns", "identify", Long.toString(p.pid())))
              .orThrow()
              .stdout()
              .strip();
      assertThat(ns).isEqualTo(cluster.hosts().get(1).netns());
    }
    p.pause();
    await().atMost(Duration.ofSeconds(5)).until(() -> ChildProcesses.isStopped(p.pid()));
    assertThat(p.isPaused()).isTrue();
    p.resume();
    await().atMost(Duration.ofSeconds(5)).until(() -> !ChildProcesses.isStopped(p.pid()));
    assertThat(p.stop(Duration.ofSeconds(5))).isTrue();
    assertThat(p.isAlive()).isFalse();
    assertThatThrownBy(() -> cluster.startProcess(0, "sleeper", List.of("true"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    // left running on purpose: close() must kill it
    cluster.startProcess(2, "leftover", List.of("sleep", "600"), Map.of());
  }

  @TestFactory
  @Order(3)
  Stream<DynamicTest> nemesis_startVerifyStopHeal() {
    Random random = new Random(20_240_507L);
    return Nemeses.names().stream()
        .map(
            name ->
                DynamicTest.dynamicTest(
                    name,
                    () -> {
                      Nemesis nemesis = Nemeses.byName(name);
                      Assumptions.assumeTrue(
                          nemesis.supported(cluster),
                          name + " is not supported in " + cluster.mode());
                      long t0 = System.nanoTime();
                      nemesis.start(cluster, random);
                      String described;
                      try {
                        assertThat(nemesis.isActive()).isTrue();
                        described = nemesis.describe();
                        assertThat(described).startsWith(name + ": ").doesNotContain("inactive");
                        verify(name, nemesis.affectedHosts());
                      } finally {
                        nemesis.stop(cluster);
                      }
                      assertThat(nemesis.isActive()).isFalse();
                      assertThat(nemesis.affectedHosts()).isEmpty();
                      assertHealed();
                      cluster.awaitHealthy(HEAL);
                      System.out.printf(
                          "nemesis %-24s ok in %5d ms: %s%n",
                          name, (System.nanoTime() - t0) / 1_000_000, described);
                    }));
  }

  private void verify(String name, Set<Integer> affected) {
    int n = cluster.hosts().size();
    assertThat(affected).isNotEmpty();
    int h = affected.iterator().next();
    Host host = cluster.hosts().get(h);
    int other = (h + 1) % n;
    switch (name) {
      case "kill-etcd-one", "kill-etcd-majority", "kill-etcd-all" -> {
        int expected = name.endsWith("one") ? 1 : name.endsWith("majority") ? 2 : 3;
        assertThat(affected).hasSize(expected);
        for (int k : affected) {
          assertThat(cluster.etcd(k).isRunning()).isFalse();
          Host kh = cluster.hosts().get(k);
          assertThat(cluster.probeFromSuite(k, kh.etcdClientPort(), PROBE))
              .isEqualTo(Reachability.REFUSED);
        }
      }
      case "pause-etcd-one", "pause-etcd-majority" -> {
        assertThat(affected).hasSize(name.endsWith("one") ? 1 : 2);
        for (int k : affected) {
          assertThat(cluster.etcd(k).isPaused()).isTrue();
          assertThat(ChildProcesses.isStopped(cluster.etcd(k).pid())).isTrue();
          assertThat(cluster.etcdStatus(k, Duration.ofMillis(500))).isEmpty();
        }
      }
      case "partition-one", "partition-halves", "partition-leader" -> {
        assertThat(affected).hasSize(1);
        assertThat(cluster.probe(h, other, host.etcdPeerPort(), PROBE))
            .isEqualTo(Reachability.TIMED_OUT);
        assertThat(cluster.probe(other, h, host.etcdPeerPort(), PROBE))
            .isEqualTo(Reachability.TIMED_OUT);
        await("isolated " + host.name() + " reports no leader")
            .atMost(electionWindow())
            .pollInterval(Duration.ofMillis(50))
            .until(
                () ->
                    cluster
                        .etcdStatus(h, Duration.ofMillis(500))
                        .map(s -> !s.hasLeader())
                        .orElse(false));
        await("the majority agrees on a leader other than " + host.name())
            .atMost(electionWindow().plusSeconds(2))
            .until(
                () -> {
                  OptionalInt leader = cluster.leader(Duration.ZERO);
                  return leader.isPresent() && leader.getAsInt() != h;
                });
      }
      case "partition-ring" -> {
        Fault.Cut cut = (Fault.Cut) cluster.network().activeFaults().get(0);
        cut.grudge()
            .forEach(
                (a, peers) ->
                    peers.forEach(
                        b ->
                            assertThat(cluster.probe(a, b, Host.NAMESPACE_ETCD_PEER, PROBE))
                                .as(a + "->" + b)
                                .isEqualTo(Reachability.TIMED_OUT)));
        for (int a = 0; a < n; a++) {
          for (int b = 0; b < n; b++) {
            if (a != b && !cut.grudge().getOrDefault(a, Set.of()).contains(b)) {
              assertThat(cluster.probe(a, b, Host.NAMESPACE_ETCD_PEER, PROBE))
                  .as(a + "->" + b)
                  .isEqualTo(Reachability.CONNECTED);
            }
          }
        }
        assertThat(cluster.leader(electionWindow())).as("a majority keeps a leader").isPresent();
      }
      case "partition-service-etcd" -> {
        assertThat(cluster.probe(h, other, host.etcdClientPort(), PROBE))
            .isEqualTo(Reachability.TIMED_OUT);
        assertThat(cluster.probe(h, h, host.etcdClientPort(), PROBE))
            .isEqualTo(Reachability.TIMED_OUT);
        assertThat(cluster.probe(h, other, host.etcdPeerPort(), PROBE))
            .isEqualTo(Reachability.CONNECTED);
        assertThat(cluster.probe(other, h, host.etcdClientPort(), PROBE))
            .isEqualTo(Reachability.CONNECTED);
        assertThat(cluster.probe(h, other, host.ports().gossip(), PROBE))
            .isEqualTo(Reachability.REFUSED);
      }
      case "partition-gossip" -> {
        assertThat(affected).hasSize(n);
        for (int a = 0; a < n; a++) {
          int b = (a + 1) % n;
          Ports ports = cluster.hosts().get(b).ports();
          assertThat(cluster.probe(a, b, ports.gossip(), PROBE)).isEqualTo(Reachability.TIMED_OUT);
          assertThat(cluster.probe(a, b, ports.http(), PROBE)).isEqualTo(Reachability.TIMED_OUT);
          assertThat(cluster.probe(a, b, Host.NAMESPACE_ETCD_PEER, PROBE))
              .isEqualTo(Reachability.CONNECTED);
        }
        assertThat(cluster.probeFromSuite(0, cluster.hosts().get(0).ports().http(), PROBE))
            .as("the suite still reaches the service ports")
            .isEqualTo(Reachability.REFUSED);
      }
      case "one-way" -> {
        assertThat(cluster.probe(h, other, host.etcdPeerPort(), PROBE))
            .isEqualTo(Reachability.TIMED_OUT);
        assertThat(cluster.network().ruleCount(h)).isEqualTo(n - 1);
        assertThat(cluster.network().ruleCount(other)).isZero();
      }
      case "gray-loss" -> {
        assertThat(cluster.network().ruleCount(h)).isEqualTo(2);
        assertThat(cluster.network().activeFaults())
            .singleElement()
            .isInstanceOf(Fault.RandomLoss.class);
      }
      case "gray-slow" -> {
        assertThat(cluster.network().rootQdisc(h)).isEqualTo("tbf");
        assertThat(cluster.network().activeFaults())
            .singleElement()
            .isInstanceOf(Fault.RateLimit.class);
      }
      case "gray-pause" -> {
        long pid = cluster.etcd(h).pid();
        AtomicBoolean sawStopped = new AtomicBoolean();
        AtomicBoolean sawRunning = new AtomicBoolean();
        await("duty cycle on " + host.name())
            .atMost(Duration.ofSeconds(5))
            .pollInterval(Duration.ofMillis(20))
            .until(
                () -> {
                  if (ChildProcesses.isStopped(pid)) {
                    sawStopped.set(true);
                  } else if (sawStopped.get()) {
                    sawRunning.set(true);
                  }
                  return sawStopped.get() && sawRunning.get();
                });
        assertThat(cluster.etcd(h).isRunning()).isTrue();
      }
      default -> throw new AssertionError("no check for nemesis " + name);
    }
  }

  private void assertHealed() {
    assertThat(cluster.network().activeFaults()).isEmpty();
    for (int i = 0; i < cluster.hosts().size(); i++) {
      assertThat(cluster.etcd(i).isRunning()).isTrue();
      assertThat(cluster.etcd(i).isPaused()).isFalse();
      assertThat(ChildProcesses.isStopped(cluster.etcd(i).pid())).isFalse();
      assertThat(cluster.network().ruleCount(i)).isZero();
      assertThat(cluster.network().rootQdisc(i)).isNotEqualTo("tbf");
    }
  }

  @Test
  @Order(4)
  void network_faultsCombineAndHealRemovesAll() {
    Assumptions.assumeTrue(cluster.network().supports());
    Network net = cluster.network();
    Fault a = net.oneWay(0, 1);
    Fault b = net.randomLoss(0, 0.1);
    Fault c = net.rateLimit(2, "1mbit");
    assertThat(net.activeFaults()).containsExactly(a, b, c);
    assertThat(net.ruleCount(0)).isEqualTo(3);
    net.remove(a);
    assertThat(net.ruleCount(0)).isEqualTo(2);
    assertThat(net.rootQdisc(2)).isEqualTo("tbf");
    net.heal();
    assertThat(net.activeFaults()).isEmpty();
    assertThat(net.ruleCount(0)).isZero();
    assertThat(net.rootQdisc(2)).isNotEqualTo("tbf");
    net.remove(b); // no longer active: nothing happens
  }

  @Test
  @Order(5)
  void close_removesEverythingAndIsIdempotent() {
    List<Long> pids = new ArrayList<>();
    cluster.etcdMembers().forEach(m -> pids.add(m.pid()));
    cluster.processes().forEach(p -> pids.add(p.pid()));
    assertThat(cluster.processes()).anyMatch(p -> p.name().equals("leftover") && p.isAlive());
    String runId = cluster.runId();
    if (cluster.usesNamespaces()) {
      assertThat(Cluster.leftovers(runId)).hasSize(5); // 3 hosts + switch + root veth
    }

    cluster.close();

    assertThat(cluster.isClosed()).isTrue();
    assertThat(Cluster.leftovers(runId)).isEmpty();
    assertThat(Exec.run(List.of("ip", "netns", "list")).stdout()).doesNotContain(runId);
    assertThat(Exec.run(List.of("ip", "link")).stdout()).doesNotContain(runId);
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("pid " + pid)
          .isFalse();
    }
    assertThat(workDir.resolve("etcd")).doesNotExist();
    assertThat(workDir.resolve("etcd-h1.log")).exists();
    cluster.close();
    assertThatThrownBy(() -> cluster.startProcess(0, "late", List.of("true"), Map.of()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  @Order(6)
  void start_failing_cleansUpBeforeThrowing() throws Exception {
    String runId = Naming.newRunId(new Random());
    Path dir = Files.createDirectories(workDir.resolve("failing"));
    Cluster.Options options =
        Cluster.Options.defaults()
            .withRunId(runId)
            .withEtcdBinary("/bin/false")
            .withStartTimeout(Duration.ofSeconds(20));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> Cluster.start(ClusterSpec.builder().workDir(dir).build(), options))
        .isInstanceOf(ClusterException.class)
        .hasMessageContaining("exited");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    assertThat(Cluster.leftovers(runId)).isEmpty();
  }

  @Test
  @Order(7)
  void start_thenCloseImmediately_leavesNothing() throws Exception {
    Path dir = Files.createDirectories(workDir.resolve("quick"));
    Cluster quick = Cluster.start(ClusterSpec.builder().workDir(dir).build());
    List<Long> pids = quick.etcdMembers().stream().map(EtcdMember::pid).toList();
    quick.close();
    quick.close();
    assertThat(Cluster.leftovers(quick.runId())).isEmpty();
    assertThat(pids).allMatch(pid -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
  }
}
