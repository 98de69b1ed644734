package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.VersionVector;
import org.hybridstore.spi.LocalBackend;
import org.junit.jupiter.api.Test;

/**
 * One reconciler per record: the owner folds it in, the others wait and take over when it is late.
 */
class ReconcilerTest {
  private final Fixtures.ManualTime time = new Fixtures.ManualTime();
  private final FakeStrongBackend etcd = new FakeStrongBackend(time);
  private final FakeLocalBackend local = new FakeLocalBackend(NodeId.of("n1"), time);
  private final Reconciler reconciler =
      new Reconciler(
          etcd,
          local,
          100,
          new ConflictTracker(),
          Fixtures.metrics(),
          NodeId.of("n1"),
          Duration.ofSeconds(2),
          time);

  /** Records a node that is no longer live (n9) wrote, received from a peer. */
  private List<OrderRecord> provisionalRecords(int n) {
    return provisionalRecords(n, NodeId.of("n9"));
  }

  private List<OrderRecord> provisionalRecords(int n, NodeId writer) {
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    List<OrderRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      OrderRecord r = OrderCommands.apply(null, Fixtures.create("o-" + i), clock, writer).record();
      local.fromPeer(r);
      out.add(r);
    }
    return out;
  }

  /** Creates orders {@code mine-0..n-1} through this node (n1), as its own provisional writes. */
  private void ownWrites(int n) {
    for (int i = 0; i < n; i++) {
      local.apply(Fixtures.create("mine-" + i)).toCompletableFuture().join();
    }
  }

  @Test
  void owner_isAPureFunctionOfTheIdAndTheLiveNodes() {
    List<NodeId> nodes = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    int[] counts = new int[3];
    for (int i = 0; i < 3000; i++) {
      NodeId o = Reconciler.owner(OrderId.of("o-" + i), nodes);
      assertThat(Reconciler.owner(OrderId.of("o-" + i), List.copyOf(nodes))).isEqualTo(o);
      counts[nodes.indexOf(o)]++;
    }
    // spread over all three, roughly evenly
    for (int c : counts) {
      assertThat(c).isBetween(800, 1200);
    }
  }

  @Test
  void owner_whenANodeJoins_onlyTheRecordsItWinsChangeOwner() {
    List<NodeId> two = List.of(NodeId.of("n1"), NodeId.of("n2"));
    List<NodeId> three = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    int moved = 0;
    for (int i = 0; i < 3000; i++) {
      OrderId id = OrderId.of("o-" + i);
      NodeId before = Reconciler.owner(id, two);
      NodeId after = Reconciler.owner(id, three);
      if (!after.equals(before)) {
        assertThat(after)
            .as("a record changes owner only to the joining node")
            .isEqualTo(NodeId.of("n3"));
        moved++;
      }
    }
    // about a third move: the joining node's fair share, no more
    assertThat(moved).isBetween(800, 1200);
  }

  @Test
  void pass_alone_foldsEverything() {
    provisionalRecords(30);
    ReconcileReport r = reconciler.pass().toCompletableFuture().join();
    assertThat(r.records()).isEqualTo(30);
    assertThat(r.deferred()).isZero();
    assertThat(r.backlogRemaining()).isZero();
    assertThat(etcd.data).hasSize(30);
  }

  @Test
  void pass_withLivePeers_foldsOnlyItsOwnRecords_untilTheOthersAreLate() {
    // Given two live peers that can reach etcd
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    local.peers.put(NodeId.of("n3"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    provisionalRecords(60);
    List<NodeId> owners = List.of(NodeId.of("n1"), NodeId.of("n2"), NodeId.of("n3"));
    long mine =
        local.backlog(100).stream()
            .filter(r -> Reconciler.owner(r.id(), owners).equals(NodeId.of("n1")))
            .count();
    // When a pass runs, Then it folds only its own, leaving the rest to their owners
    ReconcileReport first = reconciler.pass().toCompletableFuture().join();
    assertThat(first.records()).isEqualTo((int) mine);
    assertThat(first.deferred()).isEqualTo(60 - (int) mine);
    assertThat(etcd.data).hasSize((int) mine);
    // And when the owners stay silent past the grace, it takes their records over
    time.advance(Duration.ofMillis(2_100));
    ReconcileReport second = reconciler.pass().toCompletableFuture().join();
    assertThat(second.records()).isEqualTo(60 - (int) mine);
    assertThat(second.backlogRemaining()).isZero();
  }

  @Test
  void pass_whenTheBackendKnowsTheVectors_readsOnlyTheRecordsItFolds() {
    // Given two live peers, and a backend that knows its backlog records' vectors
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    local.peers.put(NodeId.of("n3"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    local.knowsVersions = true;
    provisionalRecords(60);
    // When a pass runs
    ReconcileReport r = reconciler.pass().toCompletableFuture().join();
    // Then it folds its own records, reading each once, and reads none of the others'
    assertThat(r.records()).isPositive();
    assertThat(r.deferred()).isEqualTo(60 - r.records());
    assertThat(local.reads.get()).isEqualTo(r.records());
  }

  @Test
  void pass_withoutTheBackendsVectors_readsAtMostFourBatchesToDecide() {
    // Given two live peers and 500 records the backend has no vectors for (as after a restart)
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    local.peers.put(NodeId.of("n3"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    provisionalRecords(500);
    // When a pass runs with a batch of 100, Then it reads 400 to decide whose they are, no more
    ReconcileReport r = reconciler.pass().toCompletableFuture().join();
    assertThat(local.reads.get()).isEqualTo(400);
    assertThat(r.records()).isPositive();
  }

  @Test
  void pass_withoutTheBackendsVectors_leavesARecordToTheNodeThatAppliedItsLatestOperation() {
    // Given two live peers and, as after a restart, records without the backend's vectors that
    // both n1 and n2 wrote: 20 where n1 applied the latest operation, 20 where n2 did
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    local.peers.put(NodeId.of("n3"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    NodeId n1 = NodeId.of("n1");
    NodeId n2 = NodeId.of("n2");
    for (int i = 0; i < 40; i++) {
      OrderId id = OrderId.of((i < 20 ? "n1-last-" : "n2-last-") + i);
      NodeId first = i < 20 ? n2 : n1;
      NodeId last = i < 20 ? n1 : n2;
      OrderRecord created =
          OrderCommands.apply(null, Fixtures.create(id.value()), clock, first).record();
      local.fromPeer(OrderCommands.apply(created, setAttribute(id, "k"), clock, last).record());
    }
    // When a pass runs, Then it folds at once every record whose latest operation it applied
    // (the hash would have left about two thirds of them to peers that may not hold them) and
    // leaves every one of n2's to n2
    ReconcileReport r = reconciler.pass().toCompletableFuture().join();
    assertThat(r.records()).isEqualTo(20);
    assertThat(r.deferred()).isEqualTo(20);
    assertThat(etcd.data.keySet()).allMatch(id -> id.value().startsWith("n1-last-"));
  }

  @Test
  void pass_foldsWhatThisNodeAloneWroteFirst_andAPeersRecordsOnlyWhenItsOwnLeaveRoom() {
    // Given a peer still DEGRADED (its gossip about leaving DEGRADED has not arrived), whose 60
    // older records this node owns by the hash, and 150 records this node wrote
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.DEGRADED, 3));
    local.knowsVersions = true;
    provisionalRecords(60, NodeId.of("n2"));
    ownWrites(150);
    // When a pass runs with a batch of 100, Then it folds only its own writes
    ReconcileReport first = reconciler.pass().toCompletableFuture().join();
    assertThat(first.records()).isEqualTo(100);
    assertThat(etcd.data.keySet()).allMatch(id -> id.value().startsWith("mine-"));
    // And when its own writes leave room, the peer's records fill it, as the hash says
    ReconcileReport second = reconciler.pass().toCompletableFuture().join();
    assertThat(second.records()).isEqualTo(100);
    assertThat(etcd.data).hasSize(200);
    assertThat(etcd.data.keySet().stream().filter(id -> id.value().startsWith("o-"))).hasSize(50);
  }

  @Test
  void owner_ofARecord_isItsOneWriterBeyondWhatEtcdHolds_whenThatWriterIsLive() {
    NodeId n1 = NodeId.of("n1");
    NodeId n2 = NodeId.of("n2");
    NodeId n3 = NodeId.of("n3");
    List<NodeId> live = List.of(n1, n2, n3);
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    for (int i = 0; i < 300; i++) {
      OrderId id = OrderId.of("o-" + i);
      // n1 created the order (in etcd), then n2 and n3 wrote to it
      OrderRecord created =
          OrderCommands.apply(null, Fixtures.create(id.value()), clock, n1).record();
      OrderRecord byN2 =
          OrderCommands.apply(created, setAttribute(id, "by-n2"), clock, n2).record();
      OrderRecord byBoth = OrderCommands.apply(byN2, setAttribute(id, "by-n3"), clock, n3).record();
      VersionVector inEtcd = created.versions();
      // Then only n2's writes are pending: n2 owns it, whatever the score says
      assertThat(Reconciler.owner(id, byN2.versions(), inEtcd, live)).isEqualTo(n2);
      // And when n2 is not live, the score decides among those who are
      assertThat(Reconciler.owner(id, byN2.versions(), inEtcd, List.of(n1, n3)))
          .isEqualTo(Reconciler.owner(id, List.of(n1, n3)));
      // And with two pending writers, or nothing known of etcd, the score decides
      assertThat(Reconciler.owner(id, byBoth.versions(), inEtcd, live))
          .isEqualTo(Reconciler.owner(id, live));
      assertThat(Reconciler.owner(id, byN2.versions(), VersionVector.EMPTY, live))
          .isEqualTo(Reconciler.owner(id, live));
    }
  }

  private static OrderCommand setAttribute(OrderId id, String key) {
    return new OrderCommand.SetAttribute(id, OpId.of("op-" + id.value() + "-" + key), key, "v");
  }

  @Test
  void pass_withLivePeers_foldsAtOnceWhatOnlyThisNodeWrote_andLeavesAPeersOwnWritesToIt() {
    // Given two live peers, records n2 alone wrote (received from it) and records n1 wrote
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    local.peers.put(NodeId.of("n3"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    provisionalRecords(20, NodeId.of("n2"));
    ownWrites(20);
    // When a pass runs, Then it folds every record it wrote and none of n2's
    ReconcileReport r = reconciler.pass().toCompletableFuture().join();
    assertThat(r.records()).isEqualTo(20);
    assertThat(r.deferred()).isEqualTo(20);
    assertThat(etcd.data.keySet()).allMatch(id -> id.value().startsWith("mine-"));
  }

  @Test
  void passBeforeStrong_foldsOnlyWhatThisNodeAloneWrote() {
    // Given records a peer wrote (received from it) and records this node wrote
    local.knowsVersions = true;
    provisionalRecords(30, NodeId.of("n2"));
    ownWrites(20);
    // When a pass before the return to STRONG runs, Then it folds this node's writes only
    ReconcileReport r = reconciler.passBeforeStrong().toCompletableFuture().join();
    assertThat(r.records()).isEqualTo(20);
    assertThat(r.deferred()).isEqualTo(30);
    assertThat(r.takenOver()).isZero();
    assertThat(etcd.data.keySet()).hasSize(20).allMatch(id -> id.value().startsWith("mine-"));
    assertThat(local.backlogSize()).isEqualTo(30);
  }

  @Test
  void passBeforeStrong_startsNoOwnersGrace() {
    // Given records a live STRONG peer alone wrote, seen by passes before this node's return
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.STRONG, 3));
    local.knowsVersions = true;
    provisionalRecords(10, NodeId.of("n2"));
    assertThat(reconciler.passBeforeStrong().toCompletableFuture().join().records()).isZero();
    time.advance(Duration.ofMillis(2_100));
    // When this node's first pass after the return runs, Then the owner's grace starts only now
    ReconcileReport first = reconciler.pass().toCompletableFuture().join();
    assertThat(first.records()).isZero();
    assertThat(first.deferred()).isEqualTo(10);
    // And a pass after the grace takes the records over
    time.advance(Duration.ofMillis(2_100));
    ReconcileReport late = reconciler.pass().toCompletableFuture().join();
    assertThat(late.takenOver()).isEqualTo(10);
    assertThat(late.backlogRemaining()).isZero();
  }

  @Test
  void pass_degradedPeersOwnNothing() {
    local.peers.put(NodeId.of("n2"), new LocalBackend.PeerState(ConsistencyMode.DEGRADED, 3));
    provisionalRecords(20);
    assertThat(reconciler.pass().toCompletableFuture().join().records()).isEqualTo(20);
  }

  @Test
  void foldIn_handsWhatEtcdTookAsGivenBackWithItsBytes_andTheJoinsWithout() {
    // Given three records from a peer, and etcd holding a version of its own of the third
    List<OrderRecord> records = provisionalRecords(3);
    etcd.apply(Fixtures.create("o-2")).toCompletableFuture().join();
    List<EncodedRecord> given = Fixtures.encoded(records);
    // When they are folded in with their encodings
    var report = reconciler.foldIn(given).toCompletableFuture().join();
    // Then the two etcd took as given come back to the journal with the bytes they were given
    // with, and the third, a join, without them
    assertThat(report.stored().get(0)).isSameAs(records.get(0));
    assertThat(local.encodedAbsorbs).containsExactly(given.get(0), given.get(1));
    assertThat(local.encodedAbsorbs.get(1).encoded()).isSameAs(given.get(1).encoded());
    OrderRecord joined = etcd.data.get(OrderId.of("o-2")).record();
    assertThat(joined).isNotEqualTo(records.get(2));
    assertThat(local.records.get(OrderId.of("o-2"))).isEqualTo(joined);
    assertThat(local.backlogSize()).isZero();
  }

  @Test
  void foldIn_isIdempotent_andClearsTheBacklog() {
    List<OrderRecord> records = provisionalRecords(5);
    reconciler.foldIn(Fixtures.encoded(records)).toCompletableFuture().join();
    var again = reconciler.foldIn(Fixtures.encoded(records)).toCompletableFuture().join();
    assertThat(again.written()).isZero();
    assertThat(local.backlogSize()).isZero();
  }
}
