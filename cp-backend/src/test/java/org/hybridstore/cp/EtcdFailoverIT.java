package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hybridstore.cp.testing.Stages.join;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.EtcdMember;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member at a time fails (killed leader, paused leader): the remaining majority keeps taking
 * writes. Each test heals its fault, so the class shares one cluster.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdFailoverIT {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdFailoverIT.class);

  @RegisterExtension
  static final EtcdClusterExtension cluster =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .build();

  static TestBackendContext ctx;
  static StrongBackend backend;

  @BeforeAll
  static void open() {
    ctx = new TestBackendContext("n1");
    backend =
        EtcdBackendFactory.of(cluster.cpConfig().requestTimeout(Duration.ofSeconds(1)).build())
            .create(ctx.context());
  }

  @AfterAll
  static void close() {
    backend.close();
    ctx.close();
  }

  @AfterEach
  void heal() {
    for (EtcdMember m : cluster.members()) {
      if (m.isPaused()) {
        m.resume();
      } else if (!m.isRunning()) {
        m.restart();
      }
    }
    cluster.awaitHealthy(Duration.ofSeconds(15));
  }

  /**
   * Applies a command, retrying it with the same op id while the outcome is unknown or etcd is
   * briefly unavailable (an election), as a client would.
   */
  private static BackendWrite applyRetrying(OrderCommand command, AtomicInteger failures) {
    AtomicReference<BackendWrite> done = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              try {
                done.set(join(backend.apply(command)));
                return true;
              } catch (IndeterminateWriteException | StoreUnavailableException e) {
                failures.incrementAndGet();
                return false;
              }
            });
    return done.get();
  }

  private static void writeThroughFault(String name, Runnable fault) {
    OrderId id = OrderId.of(name);
    join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));
    AtomicInteger failures = new AtomicInteger();
    List<OpId> ops = new ArrayList<>();
    // Given writes are flowing
    for (int i = 0; i < 5; i++) {
      OpId op = OpId.of(name + "-before-" + i);
      ops.add(op);
      applyRetrying(new OrderCommand.SetAttribute(id, op, "k" + i, "v"), failures);
    }
    assertThat(failures.get()).isZero();
    // When the fault hits
    long t0 = System.nanoTime();
    fault.run();
    // Then every further write succeeds, some after a retry with the same op id
    long firstOk = -1;
    for (int i = 0; i < 20; i++) {
      OpId op = OpId.of(name + "-after-" + i);
      ops.add(op);
      applyRetrying(new OrderCommand.SetAttribute(id, op, "a" + i, "v"), failures);
      if (firstOk < 0) {
        firstOk = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      }
    }
    LOG.info(
        "{}: first write after the fault succeeded after {} ms; {} attempts failed and were retried",
        name,
        firstOk,
        failures.get());
    // and each was applied exactly once (a read that hits the stopped member times out: read again)
    OrderRecord r =
        await()
            .atMost(Duration.ofSeconds(10))
            .pollDelay(Duration.ZERO)
            .ignoreExceptionsInstanceOf(StoreUnavailableException.class)
            .until(
                () -> join(backend.read(id, ReadConsistency.LINEARIZABLE)),
                java.util.Optional::isPresent)
            .orElseThrow();
    assertThat(ops).allMatch(r.appliedOps()::contains);
    assertThat(r.version()).isEqualTo(ops.size() + 1L);
  }

  @Test
  void leaderKilled_remainingMajorityTakesWrites() {
    EtcdMember leader = cluster.leader();
    writeThroughFault("kill-leader", leader::kill);
    EtcdMember next = cluster.leader();
    assertThat(next).isNotSameAs(leader);
  }

  /**
   * A follower dies while the backend probes every 100 ms, as the store does, and each probe now
   * asks gRPC to reconnect to the dead member at once (decision 58). Those attempts must not
   * disturb the writes, which keep going to the members that serve without a stall.
   */
  @Test
  void followerKilled_whileProbing_noWriteWaitsForTheDeadMember() {
    EtcdMember follower = cluster.followers().get(0);
    OrderId id = OrderId.of("kill-follower");
    join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));
    ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor();
    try {
      prober.scheduleWithFixedDelay(
          () -> join(backend.probe(Duration.ofMillis(500))), 0, 100, TimeUnit.MILLISECONDS);
      // When a follower dies while writes keep coming
      follower.kill();
      long killedAt = System.nanoTime();
      long slowest = 0;
      int i = 0;
      while (System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(3)) {
        long start = System.nanoTime();
        join(backend.apply(new OrderCommand.SetAttribute(id, OpId.random(), "k", "v" + i++)));
        slowest = Math.max(slowest, System.nanoTime() - start);
      }
      LOG.info(
          "kill-follower: {} writes in the 3 s after the kill, the slowest took {} ms",
          i,
          TimeUnit.NANOSECONDS.toMillis(slowest));
      // Then none waited anywhere near its 1 s deadline
      assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofMillis(500));
    } finally {
      prober.shutdownNow();
    }
  }

  /**
   * A paused follower answers nothing, so a probe that waited for every member took its whole
   * deadline. Once a majority has served the read naming one leader the sample is good whatever the
   * follower says, and the probe ends without it, reporting it as not serving.
   */
  @Test
  void followerPaused_probeEndsOnceAMajorityServed() throws Exception {
    EtcdMember follower = cluster.followers().get(0);
    follower.pause();
    // a deadline longer than the wait: without the early end the probe would still be waiting
    QuorumStatus status =
        backend.probe(Duration.ofSeconds(10)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(status.quorum()).isTrue();
    assertThat(status.leaderId()).isNotZero();
    assertThat(status.members())
        .filteredOn(m -> !m.serving())
        .singleElement()
        .satisfies(
            m -> assertThat(m.errors()).anyMatch(e -> e.contains("ms after a majority served")));
  }

  @Test
  void leaderPaused_remainingMajorityTakesWrites() {
    EtcdMember leader = cluster.leader();
    writeThroughFault("pause-leader", leader::pause);
    assertThat(leader.isPaused()).isTrue();
  }

  @Test
  void followerPaused_writesContinue() {
    EtcdMember follower = cluster.followers().get(0);
    writeThroughFault("pause-follower", follower::pause);
  }
}
