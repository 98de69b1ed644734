package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.event.ModeChangedEvent;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.QuorumStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one owner of the mode, driven by reports, with in-memory backends and a manual clock. */
class SwitchoverControllerTest {
  private final Fixtures.ManualTime time = new Fixtures.ManualTime();
  private final FakeStrongBackend etcd = new FakeStrongBackend(time);
  private final FakeLocalBackend local = new FakeLocalBackend(NodeId.of("n1"), time);
  private final List<ModeChangedEvent> events = new CopyOnWriteArrayList<>();
  private SwitchoverController controller;

  private SwitchoverController start(QuorumStatus first) {
    Reconciler reconciler =
        new Reconciler(
            etcd,
            local,
            50,
            new ConflictTracker(),
            Fixtures.metrics(),
            NodeId.of("n1"),
            Duration.ofSeconds(2),
            time);
    controller =
        new SwitchoverController(
            "t",
            NodeId.of("n1"),
            new ModePolicy(Fixtures.config()),
            reconciler,
            local,
            time,
            () -> {},
            new HealthSample(first.quorum(), time.instant(), first));
    controller.addListener(events::add);
    return controller;
  }

  private void sample(QuorumStatus s) {
    time.advance(Duration.ofMillis(100));
    controller.onSample(new HealthSample(s.quorum(), time.instant(), s));
  }

  @AfterEach
  void close() {
    if (controller != null) {
      controller.close();
    }
  }

  @Test
  void start_withoutQuorum_isDegraded_andPublishesIt() {
    start(FakeStrongBackend.noLeader());
    assertThat(controller.mode().phase()).isEqualTo(Phase.DEGRADED);
    assertThat(controller.mode().epoch()).isEqualTo(1);
    assertThat(local.published).isEqualTo(ConsistencyMode.DEGRADED);
  }

  @Test
  void outageAndReturn_degradesThenIsStrong_andFoldsTheBacklog() {
    start(FakeStrongBackend.ok(1));
    assertThat(controller.mode().phase()).isEqualTo(Phase.STRONG);
    // Given quorum loss
    sample(FakeStrongBackend.noLeader());
    sample(FakeStrongBackend.noLeader());
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.mode().phase() == Phase.DEGRADED);
    // And provisional writes meanwhile
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    for (int i = 0; i < 120; i++) {
      local.fromPeer(
          OrderCommands.apply(null, Fixtures.create("p-" + i), clock, NodeId.of("n1")).record());
    }
    // When etcd serves again on one leader
    for (int i = 0; i < 3; i++) {
      sample(FakeStrongBackend.ok(2));
    }
    // Then the node is STRONG again, two transitions in all, and has folded every record
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.mode().phase() == Phase.STRONG);
    assertThat(controller.mode().reason()).startsWith("etcd quorum stable");
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.lastReconcileMillis() >= 0);
    assertThat(local.backlogSize()).isZero();
    assertThat(etcd.data).hasSize(120);
    assertThat(events)
        .extracting(ModeChangedEvent::to)
        .containsExactly(ConsistencyMode.DEGRADED, ConsistencyMode.STRONG);
    assertThat(controller.mode().epoch()).isEqualTo(3);
    assertThat(controller.transitions()).isEqualTo(2);
    // And the convergence window runs from the first of the stable probes (200 ms before the
    // return on this fake clock) to the empty backlog
    assertThat(controller.lastConvergenceMillis())
        .isGreaterThanOrEqualTo(controller.lastReconcileMillis() + 200);
  }

  /** Degrades the started store, then gives it own writes and a DEGRADED peer's records. */
  private void degradeWithOwnAndPeerWrites(int own, int peers) {
    sample(FakeStrongBackend.noLeader());
    sample(FakeStrongBackend.noLeader());
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.mode().phase() == Phase.DEGRADED);
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    for (int i = 0; i < own; i++) {
      local.apply(Fixtures.create("mine-" + i)).toCompletableFuture().join();
    }
    for (int i = 0; i < peers; i++) {
      local.fromPeer(
          OrderCommands.apply(null, Fixtures.create("n2-" + i), clock, NodeId.of("n2")).record());
    }
  }

  @Test
  void outage_whenProbesFindQuorumAgain_foldsItsOwnWritesBeforeTheReturn() {
    local.knowsVersions = true;
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.DEGRADED, 2));
    start(FakeStrongBackend.ok(1));
    degradeWithOwnAndPeerWrites(40, 10);
    // When the first probe finds quorum again (the stable period has not passed)
    sample(FakeStrongBackend.ok(2));
    // Then this node folds what it wrote, and only that, while still DEGRADED
    await().atMost(Duration.ofSeconds(5)).until(() -> etcd.data.size() == 40);
    assertThat(etcd.data.keySet()).allMatch(id -> id.value().startsWith("mine-"));
    assertThat(controller.mode().phase()).isEqualTo(Phase.DEGRADED);
    assertThat(local.backlogSize()).isEqualTo(10);
    // And after the stable period it is STRONG and folds the peer's records it owns (the peer is
    // still DEGRADED)
    sample(FakeStrongBackend.ok(2));
    sample(FakeStrongBackend.ok(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.lastReconcileMillis() >= 0);
    assertThat(controller.mode().phase()).isEqualTo(Phase.STRONG);
    assertThat(etcd.data).hasSize(50);
    assertThat(local.backlogSize()).isZero();
  }

  @Test
  void outage_withAPeerStrong_foldsNothingBeforeTheReturn() {
    local.knowsVersions = true;
    start(FakeStrongBackend.ok(1));
    degradeWithOwnAndPeerWrites(20, 0);
    // Given a peer that is STRONG already (it may own this node's records)
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    // When a probe finds quorum again, Then nothing is folded before the return
    sample(FakeStrongBackend.ok(2));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> etcd.data.isEmpty() && local.backlogSize() == 20);
    // And after the return this node folds its own writes as their owner
    sample(FakeStrongBackend.ok(2));
    sample(FakeStrongBackend.ok(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> etcd.data.size() == 20);
    assertThat(controller.mode().phase()).isEqualTo(Phase.STRONG);
  }

  @Test
  void outage_underAnOperatorsHold_foldsNothing() {
    local.knowsVersions = true;
    start(FakeStrongBackend.ok(1));
    degradeWithOwnAndPeerWrites(20, 0);
    controller.forceDegrade("maintenance");
    sample(FakeStrongBackend.ok(2));
    sample(FakeStrongBackend.ok(2));
    sample(FakeStrongBackend.ok(2));
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> etcd.data.isEmpty() && local.backlogSize() == 20);
    assertThat(controller.mode().phase()).isEqualTo(Phase.DEGRADED);
  }

  @Test
  void start_withQuorumAndABacklog_isStrongAtOnce_andFoldsIt() {
    // Given a node restarted with provisional writes in its journal, and etcd serving
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    for (int i = 0; i < 30; i++) {
      local.fromPeer(
          OrderCommands.apply(null, Fixtures.create("r-" + i), clock, NodeId.of("n1")).record());
    }
    // When it starts, Then it is STRONG at once and folds them without another mode change
    start(FakeStrongBackend.ok(1));
    assertThat(controller.mode().phase()).isEqualTo(Phase.STRONG);
    assertThat(controller.mode().reason()).contains("30 backlog records to fold");
    await().atMost(Duration.ofSeconds(5)).until(() -> controller.lastReconcileMillis() >= 0);
    assertThat(local.backlogSize()).isZero();
    assertThat(etcd.data).hasSize(30);
    assertThat(events).isEmpty();
  }

  @Test
  void strongWithABacklogFromPeers_drainsItWithoutChangingMode() {
    start(FakeStrongBackend.ok(1));
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    local.fromPeer(
        OrderCommands.apply(null, Fixtures.create("x"), clock, NodeId.of("n9")).record());
    sample(FakeStrongBackend.ok(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> local.backlogSize() == 0);
    assertThat(controller.mode().phase()).isEqualTo(Phase.STRONG);
    assertThat(events).isEmpty();
  }

  @Test
  void breakerOpening_whileProbesSucceed_changesNothing() {
    start(FakeStrongBackend.ok(1));
    sample(FakeStrongBackend.ok(1));
    controller.onBreakerOpened();
    sample(FakeStrongBackend.ok(1));
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .until(() -> controller.mode().phase() == Phase.STRONG);
  }

  @Test
  void close_movesToClosed() {
    start(FakeStrongBackend.ok(1));
    controller.close();
    assertThat(controller.mode().phase()).isEqualTo(Phase.CLOSED);
    assertThat(events).extracting(ModeChangedEvent::reason).containsExactly("store closed");
  }
}
