package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hybridstore.cp.testing.Stages.join;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.CpConfig;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two of three members die. Each test destroys its cluster, so each gets its own (instance field).
 * etcd runs with heartbeat 50 ms, election timeout 500 ms, pre-vote.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdQuorumLossIT {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdQuorumLossIT.class);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  /** Slack on top of a deadline for scheduling on a busy 2-core machine. */
  private static final Duration SLACK = Duration.ofMillis(750);

  @RegisterExtension
  final EtcdClusterExtension cluster =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .build();

  TestBackendContext ctx;

  @BeforeEach
  void context() {
    ctx = new TestBackendContext("n1");
  }

  @AfterEach
  void closeContext() {
    ctx.close();
  }

  private StrongBackend backend(List<URI> endpoints) {
    CpConfig config =
        cluster.cpConfig().endpoints(endpoints).requestTimeout(REQUEST_TIMEOUT).build();
    return EtcdBackendFactory.of(config).create(ctx.context());
  }

  @Test
  void quorumLoss_killTwoOfThree_boundedFailuresAndRecoveryWithSameClient() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
        new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    root.addAppender(logged);
    try (StrongBackend backend = backend(cluster.clientEndpoints())) {
      // Given an order, written and read through the backend
      OrderId id = OrderId.of("q-1");
      join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));
      join(backend.apply(new OrderCommand.SetAttribute(id, OpId.random(), "a", "1")));

      // When the leader and one follower are SIGKILLed
      EtcdMember leader = cluster.leader();
      EtcdMember follower =
          cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
      leader.kill();
      follower.kill();
      long killedAt = System.nanoTime();

      // Then the probe reports no quorum within two election timeouts + 0.5 s
      Duration probeBound = cluster.electionTimeout().multipliedBy(2).plusMillis(500);
      AtomicReference<QuorumStatus> last = new AtomicReference<>();
      await("probe says no quorum")
          .atMost(probeBound)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(25))
          .until(
              () -> {
                QuorumStatus s = join(backend.probe(Duration.ofMillis(300)));
                last.set(s);
                return !s.quorum();
              });
      LOG.info(
          "probe said quorum=false {} ms after the second kill (bound {} ms): {}",
          elapsedMillis(killedAt),
          probeBound.toMillis(),
          last.get().detail());
      assertThat(last.get().members().stream().filter(m -> m.reachable()).count()).isEqualTo(1);

      // and a write fails within its deadline, outcome unknown
      long start = System.nanoTime();
      assertThatThrownBy(
              () -> join(backend.apply(new OrderCommand.SetAttribute(id, OpId.random(), "a", "2"))))
          .isInstanceOf(IndeterminateWriteException.class);
      long writeMillis = elapsedMillis(start);
      LOG.info(
          "write under quorum loss failed indeterminate after {} ms (deadline {} ms)",
          writeMillis,
          REQUEST_TIMEOUT.toMillis());
      assertThat(writeMillis).isLessThanOrEqualTo(REQUEST_TIMEOUT.plus(SLACK).toMillis());

      // and a linearizable read fails within its deadline, definitely
      start = System.nanoTime();
      assertThatThrownBy(() -> join(backend.read(id, ReadConsistency.LINEARIZABLE)))
          .isInstanceOf(StoreUnavailableException.class);
      long readMillis = elapsedMillis(start);
      LOG.info("linearizable read under quorum loss failed after {} ms", readMillis);
      assertThat(readMillis).isLessThanOrEqualTo(REQUEST_TIMEOUT.plus(SLACK).toMillis());

      // while a serializable read is still served by the survivor (possibly stale)
      assertThat(join(backend.read(id, ReadConsistency.SERIALIZABLE))).isPresent();

      // and however many calls fail, the backend (and jetcd, gRPC, Netty) log only a few warnings
      logged.list.clear();
      for (int i = 0; i < 30; i++) {
        join(backend.probe(Duration.ofMillis(100)));
        assertThatThrownBy(() -> join(backend.read(id, ReadConsistency.LINEARIZABLE)));
      }
      List<String> warnings =
          logged.list.stream()
              .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
              .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage())
              .toList();
      LOG.info(
          "30 failed probes and 30 failed reads logged {} warnings: {}", warnings.size(), warnings);
      assertThat(warnings).hasSizeLessThanOrEqualTo(2);

      // When the killed members come back
      leader.restart();
      follower.restart();
      long restartedAt = System.nanoTime();

      // Then writes succeed again through the same backend (no rebuilt client)
      OrderCommand after = new OrderCommand.SetAttribute(id, OpId.of("after-restart"), "a", "3");
      await("a write succeeds after the restart")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptionsMatching(
              e ->
                  e instanceof IndeterminateWriteException
                      || e instanceof StoreUnavailableException)
          .until(() -> join(backend.apply(after)) != null);
      LOG.info("first successful write {} ms after the restart", elapsedMillis(restartedAt));
      OrderRecord r = join(backend.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow();
      assertThat(r.attributes().get("a").value()).isEqualTo("3");
      assertThat(join(backend.probe(Duration.ofSeconds(1))).quorum()).isTrue();
    } finally {
      root.detachAppender(logged);
    }
  }

  @Test
  void indeterminateWrite_thatCommittedLater_isFoundByRetryAndNotAppliedTwice() {
    EtcdMember leader = cluster.leader();
    List<EtcdMember> followers = cluster.members().stream().filter(m -> m != leader).toList();
    // The backend talks to the leader only, so the write surely reaches the member that will keep
    // it
    try (StrongBackend backend = backend(List.of(leader.clientEndpoint()))) {
      OrderId id = OrderId.of("late-1");
      BackendWrite created =
          join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));

      // When both followers die and a write is sent at once: the leader appends it but cannot
      // commit
      followers.forEach(EtcdMember::kill);
      OrderCommand late = new OrderCommand.SetAttribute(id, OpId.of("op-late"), "paid-by", "card");
      assertThatThrownBy(() -> join(backend.apply(late)))
          .isInstanceOf(IndeterminateWriteException.class);
      // (not visible: an uncommitted entry is not applied)
      assertThat(
              join(backend.read(id, ReadConsistency.SERIALIZABLE))
                  .orElseThrow()
                  .appliedOps()
                  .get(OpId.of("op-late")))
          .isEmpty();

      // When one follower returns: its log is behind the leader's, so only the old leader can win
      // the election, and it commits the entry it kept
      followers.get(0).restart();

      // Then the caller's retry with the same op id finds the write instead of applying it again
      AtomicReference<BackendWrite> retry = new AtomicReference<>();
      await("the retry completes")
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptionsMatching(
              e ->
                  e instanceof IndeterminateWriteException
                      || e instanceof StoreUnavailableException)
          .until(
              () -> {
                retry.set(join(backend.apply(late)));
                return true;
              });
      assertThat(retry.get().duplicate()).as("the late commit was detected").isTrue();
      OrderRecord stored = join(backend.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow();
      assertThat(stored.appliedOps().get(OpId.of("op-late"))).isPresent();
      assertThat(stored.version())
          .as("create + op-late, once")
          .isEqualTo(created.record().version() + 1);
      assertThat(stored.attributes().get("paid-by").value()).isEqualTo("card");
    }
    followers.get(1).restart();
  }

  /**
   * gRPC waits longer and longer between attempts to reconnect to a member that refused the
   * connection (1 s, then 1.6 times more each time, up to 2 minutes): after a 12 s outage its next
   * attempt is about 3-7 s after the members are back. The backend must not wait for it.
   */
  @Test
  void everyMemberDownFor12s_theBackendServesWithinASecondOfTheirReturn() {
    try (StrongBackend backend = backend(cluster.clientEndpoints())) {
      // Given a backend that served
      OrderId id = OrderId.of("outage-1");
      join(backend.apply(OrderCommand.Create.of(id, OpId.random(), "c", "EUR")));

      // When every member is killed, and probes keep failing for 12 s
      cluster.members().forEach(EtcdMember::kill);
      long killedAt = System.nanoTime();
      Duration outage = Duration.ofSeconds(12);
      await("probes fail for " + outage)
          .atMost(outage.plusSeconds(10))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                assertThat(join(backend.probe(Duration.ofMillis(300))).quorum()).isFalse();
                return System.nanoTime() - killedAt >= outage.toNanos();
              });

      // and the members come back and elect a leader (seen over new connections)
      cluster.members().forEach(EtcdMember::restart);
      cluster.awaitHealthy(Duration.ofSeconds(15));
      long healthyAt = System.nanoTime();

      // Then the backend's own connections serve within a second
      await("the backend's probe finds a quorum")
          .atMost(Duration.ofSeconds(1))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> join(backend.probe(Duration.ofMillis(300))).quorum());
      LOG.info(
          "the backend found a quorum {} ms after the cluster was healthy again",
          elapsedMillis(healthyAt));
      assertThat(join(backend.read(id, ReadConsistency.LINEARIZABLE))).isPresent();
    }
  }

  private static long elapsedMillis(long sinceNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
  }
}
