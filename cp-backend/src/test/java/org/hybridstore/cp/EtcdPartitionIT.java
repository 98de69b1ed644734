package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hybridstore.cp.testing.Stages.join;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.CpConfig;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.EtcdMember;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Network partitions while a node keeps writing: each etcd member runs in a network namespace of
 * its own and is cut off with iptables inside it (root only; the class is skipped otherwise). The
 * backend uses every member's endpoint, as a service node does. etcd runs with heartbeat 50 ms,
 * election 500 ms and pre-vote; the backend with a 1 s request timeout (the store's strong-write
 * deadline) and a 100 ms member check interval. Each test heals its fault.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@EnabledIf("org.hybridstore.cp.testing.NetworkNamespaces#available")
class EtcdPartitionIT {
  private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(EtcdPartitionIT.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration CHECK_INTERVAL = CpConfig.DEFAULT_MEMBER_CHECK_INTERVAL;

  /** Scheduling slack on a loaded 2-core machine, on top of the bounds the tests assert. */
  private static final Duration SLACK = Duration.ofMillis(300);

  // A probe that must find a quorum gets the request timeout: with 300 ms, one probe on a machine
  // at load 12 found all three members (the leader too) past their deadline at once, a stall of
  // this JVM, not of the cluster.
  private static final Duration QUORUM_PROBE_TIMEOUT = REQUEST_TIMEOUT;
  private static final Duration FAULT_TIME = Duration.ofSeconds(3);

  @RegisterExtension
  static final EtcdClusterExtension cluster =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .withNetworkNamespaces(true)
          .build();

  static TestBackendContext ctx;
  StrongBackend backend;
  Load load;

  @BeforeAll
  static void context() {
    ctx = new TestBackendContext("n1");
  }

  @AfterAll
  static void closeContext() {
    ctx.close();
  }

  @BeforeEach
  void open() {
    backend =
        EtcdBackendFactory.of(
                cluster
                    .cpConfig()
                    .requestTimeout(REQUEST_TIMEOUT)
                    .memberCheckInterval(CHECK_INTERVAL)
                    .build())
            .create(ctx.context());
    load = new Load(backend, 4);
  }

  @AfterEach
  void heal() {
    load.stop();
    backend.close();
    cluster.members().forEach(EtcdMember::heal);
    cluster.awaitHealthy(Duration.ofSeconds(20));
  }

  @Test
  void partitionLeader_majorityCommitsWritesAndLinearizableReadsAfterTheElection() {
    // Given writes flowing through every member's endpoint
    EtcdMember old = cluster.leader();
    load.start();
    load.awaitSuccesses(20);
    // When the leader is cut off from its peers (the client still reaches it)
    long cut = System.nanoTime();
    old.isolateFromPeers();
    // Then the others elect a new leader
    EtcdMember elected =
        await("a new leader")
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(20))
            .until(() -> cluster.currentLeader().filter(m -> m != old), Optional::isPresent)
            .orElseThrow();
    long election = System.nanoTime();
    LOG.info(
        "partition-leader: {} isolated, {} elected after {} ms",
        old.name(),
        elected.name(),
        millis(cut, election));
    hold(election, FAULT_TIME);
    List<Load.Op> ops = load.stop();
    // and every write started after the election committed, through the majority
    long after = election + SLACK.toNanos();
    List<Load.Op> later = ops.stream().filter(o -> o.start() >= after).toList();
    Load.report("partition-leader", ops, cut, election);
    assertThat(later)
        .hasSizeGreaterThan(10)
        .allSatisfy(o -> assertThat(o.error()).as(o.toString()).isNull());
    // and linearizable reads are served too
    for (int i = 0; i < 10; i++) {
      assertThat(join(backend.read(load.order(i % 4), ReadConsistency.LINEARIZABLE))).isPresent();
    }
    // and the probe says quorum, names the new leader, and not the old one as serving
    QuorumStatus probe = join(backend.probe(Duration.ofMillis(500)));
    assertThat(probe.quorum()).as(probe.detail()).isTrue();
    assertThat(probe.servingMembers()).as(probe.detail()).isGreaterThanOrEqualTo(2);
    assertThat(probe.leaderId()).as(probe.detail()).isNotZero();
    assertThat(probe.members().get(index(old)).state())
        .as(probe.detail())
        .isNotEqualTo(MemberStatus.State.SERVING);
  }

  @Test
  void leaderCutOffFromClient_noFailedWritesAfterOneCheckInterval() {
    // Given writes flowing, the leader taking them
    EtcdMember leader = cluster.leader();
    load.start();
    load.awaitSuccesses(20);
    // When this node can no longer reach the leader (the cluster itself is fine)
    long cut = System.nanoTime();
    leader.cutOffFromClient();
    hold(cut, FAULT_TIME);
    List<Load.Op> ops = load.stop();
    // Then writes go through the followers: none started after one check interval failed
    long after = cut + CHECK_INTERVAL.plus(SLACK).toNanos();
    Load.report("leader cut off from the client", ops, cut, after);
    assertThat(ops.stream().filter(o -> o.start() >= after).toList())
        .hasSizeGreaterThan(10)
        .allSatisfy(o -> assertThat(o.error()).as(o.toString()).isNull());
    QuorumStatus probe = join(backend.probe(QUORUM_PROBE_TIMEOUT));
    assertThat(probe.quorum()).as(probe.detail()).isTrue();
    assertThat(probe.members().get(index(leader)).state())
        .as(probe.detail())
        .isIn(MemberStatus.State.UNREACHABLE, MemberStatus.State.STALLED);
  }

  @Test
  void followerCutOffFromLeader_noFailedWritesAfterOneCheckInterval_probeNamesIt() {
    EtcdMember follower = cluster.followers().get(0);
    load.start();
    load.awaitSuccesses(20);
    // When a follower loses its peers while this node still reaches it
    long cut = System.nanoTime();
    follower.isolateFromPeers();
    // Then the probe soon shows that follower without a leader, and quorum all along
    Duration bound = cluster.electionTimeout().multipliedBy(2).plusMillis(500);
    AtomicReference<QuorumStatus> last = new AtomicReference<>();
    // (each poll is a probe that may wait its whole deadline on the cut-off member: the bound
    // covers one)
    await("the cut-off follower reports no leader")
        .atMost(bound.plus(SLACK).plus(QUORUM_PROBE_TIMEOUT))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              QuorumStatus s = join(backend.probe(QUORUM_PROBE_TIMEOUT));
              last.set(s);
              assertThat(s.quorum()).as(s.detail()).isTrue();
              return s.members().get(index(follower)).state() == MemberStatus.State.NO_LEADER;
            });
    LOG.info(
        "cut-off follower reported no leader {} ms after the cut: {}",
        millis(cut, System.nanoTime()),
        last.get().detail());
    hold(cut, FAULT_TIME);
    List<Load.Op> ops = load.stop();
    long after = cut + CHECK_INTERVAL.plus(SLACK).toNanos();
    Load.report("follower cut off from the leader", ops, cut, after);
    assertThat(ops.stream().filter(o -> o.start() >= after).toList())
        .hasSizeGreaterThan(10)
        .allSatisfy(o -> assertThat(o.error()).as(o.toString()).isNull());
  }

  @Test
  void twoMembersRefuseTheClient_theThirdStillServes_soTheProbeSaysQuorum() {
    // Given this node refused by two members at once (a firewall's REJECT), the cluster healthy:
    // the probe stops waiting shortly after a majority refused, but not for a member that serves.
    // (A member the previous test cut off may not have heard from the leader yet: wait for all.)
    await("every member serves")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                join(backend.probe(Duration.ofSeconds(1))).members().stream()
                    .allMatch(m -> m.state() == MemberStatus.State.SERVING));
    List<EtcdMember> refusing = cluster.members().subList(0, 2);
    refusing.forEach(EtcdMember::refuseClient);
    for (int i = 0; i < 5; i++) {
      QuorumStatus probe = join(backend.probe(Duration.ofSeconds(2)));
      // Then it still reaches the quorum through the third
      assertThat(probe.quorum()).as(probe.detail()).isTrue();
      assertThat(probe.members().get(2).state())
          .as(probe.detail())
          .isEqualTo(MemberStatus.State.SERVING);
      for (EtcdMember m : refusing) {
        assertThat(probe.members().get(index(m)).state())
            .as(probe.detail())
            .isEqualTo(MemberStatus.State.UNREACHABLE);
      }
    }
  }

  @Test
  void everyMemberIsolated_probeSaysNoQuorumAndMajorityNoLeader_andTheBackendStaysQuiet() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    warnings.start();
    root.addAppender(warnings);
    try {
      load.start();
      load.awaitSuccesses(20);
      // When no member can reach another (quorum lost everywhere, every member still reachable)
      long cut = System.nanoTime();
      cluster.members().forEach(EtcdMember::isolateFromPeers);
      // Then the probe says no quorum within etcd's detection (two election timeouts) + 0.5 s
      Duration bound = cluster.electionTimeout().multipliedBy(2).plusMillis(500);
      AtomicReference<QuorumStatus> last = new AtomicReference<>();
      await("no quorum")
          .atMost(bound.plus(SLACK))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(25))
          .until(
              () -> {
                last.set(join(backend.probe(Duration.ofMillis(300))));
                return !last.get().quorum();
              });
      long noQuorum = System.nanoTime();
      LOG.info(
          "probe said no quorum {} ms after the partition (bound {} ms): {}",
          millis(cut, noQuorum),
          bound.toMillis(),
          last.get().detail());
      // and, once etcd itself noticed, that a majority has no leader (positive evidence, not
      // slowness)
      await("a majority reports no leader")
          .atMost(bound.plus(SLACK))
          .pollInterval(Duration.ofMillis(25))
          .until(
              () -> {
                last.set(join(backend.probe(Duration.ofMillis(300))));
                return last.get().majorityReportsNoLeader();
              });
      LOG.info(
          "majority said no leader {} ms after the partition: {}",
          millis(cut, System.nanoTime()),
          last.get().detail());
      assertThat(last.get().quorum()).isFalse();
      // and while writes and probes keep failing for a while, the backend logs a handful of lines
      warnings.list.clear();
      long quietFrom = System.nanoTime();
      hold(quietFrom, FAULT_TIME);
      for (int i = 0; i < 20; i++) {
        join(backend.probe(Duration.ofMillis(100)));
      }
      List<Load.Op> ops = load.stop();
      long failed = ops.stream().filter(o -> o.start() >= quietFrom && o.error() != null).count();
      List<ILoggingEvent> loud =
          warnings.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
      LOG.info(
          "{} failed writes and 20 failed probes in {} ms logged {} WARN lines: {}",
          failed,
          millis(quietFrom, System.nanoTime()),
          loud.size(),
          loud.stream().map(ILoggingEvent::getFormattedMessage).toList());
      assertThat(failed).isGreaterThan(10);
      assertThat(loud).hasSizeLessThanOrEqualTo(2);
    } finally {
      root.detachAppender(warnings);
    }
  }

  private static int index(EtcdMember m) {
    return cluster.members().indexOf(m);
  }

  private static long millis(long from, long to) {
    return TimeUnit.NANOSECONDS.toMillis(to - from);
  }

  /** Lets the load run until {@code duration} after {@code from} (Awaitility, no sleep). */
  private static void hold(long from, Duration duration) {
    long until = from + duration.toNanos();
    await()
        .atMost(duration.plusSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> System.nanoTime() >= until);
  }

  /** Closed-loop writers, one order each, recording every write's start, end and failure. */
  static final class Load {
    record Op(long start, long end, Throwable error) {
      @Override
      public String toString() {
        return "write at +"
            + TimeUnit.NANOSECONDS.toMillis(end - start)
            + " ms: "
            + (error == null ? "ok" : error);
      }
    }

    private final StrongBackend backend;
    private final int workers;
    private final List<OrderId> orders = new ArrayList<>();
    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<CompletableFuture<Void>> loops = new ArrayList<>();

    Load(StrongBackend backend, int workers) {
      this.backend = backend;
      this.workers = workers;
      String run = Long.toHexString(System.nanoTime());
      for (int w = 0; w < workers; w++) {
        OrderId id = OrderId.of("part-" + run + "-" + w);
        orders.add(id);
        join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));
      }
    }

    OrderId order(int i) {
      return orders.get(i);
    }

    void start() {
      running.set(true);
      for (int w = 0; w < workers; w++) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loops.add(done);
        next(w, done);
      }
    }

    private void next(int w, CompletableFuture<Void> done) {
      if (!running.get()) {
        done.complete(null);
        return;
      }
      long start = System.nanoTime();
      backend
          .apply(
              new OrderCommand.SetAttribute(orders.get(w), OpId.random(), "k" + (start % 8), "v"))
          .whenComplete(
              (r, e) -> {
                ops.add(new Op(start, System.nanoTime(), e));
                next(w, done);
              });
    }

    void awaitSuccesses(int n) {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> ops.stream().filter(o -> o.error() == null).count() >= n);
    }

    List<Op> stop() {
      running.set(false);
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new))
          .orTimeout(10, TimeUnit.SECONDS)
          .join();
      loops.clear();
      return List.copyOf(ops);
    }

    static void report(String what, List<Op> ops, long fault, long mark) {
      long during = ops.stream().filter(o -> o.start() >= fault).count();
      long failed = ops.stream().filter(o -> o.start() >= fault && o.error() != null).count();
      long failedAfter = ops.stream().filter(o -> o.start() >= mark && o.error() != null).count();
      long maxMillis =
          ops.stream()
              .filter(o -> o.start() >= fault)
              .mapToLong(o -> TimeUnit.NANOSECONDS.toMillis(o.end() - o.start()))
              .max()
              .orElse(0);
      LOG.info(
          "{}: {} writes after the fault, {} failed ({} %, all before +{} ms: {}), slowest {} ms",
          what,
          during,
          failed,
          during == 0 ? 0 : 100 * failed / during,
          TimeUnit.NANOSECONDS.toMillis(mark - fault),
          failedAfter == 0,
          maxMillis);
    }
  }
}
