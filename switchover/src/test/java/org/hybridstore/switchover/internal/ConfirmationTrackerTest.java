package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.Acceptance;
import org.hybridstore.Confirmation;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.StoreClosedException;
import org.hybridstore.UnknownOperationException;
import org.hybridstore.WriteOptions;
import org.hybridstore.WriteResult;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Confirmations with in-memory backends: the revision that first held a write (found by walking
 * back through etcd's versions), the outcome rule, lookups after a "restart", compaction, the
 * retention bound, the sweep and closing. The real-etcd behaviour is ConfirmationIT.
 */
class ConfirmationTrackerTest {
  private final Fixtures.ManualTime time = new Fixtures.ManualTime();
  private final FakeStrongBackend etcd = new FakeStrongBackend(time);
  private final FakeLocalBackend local = new FakeLocalBackend(Fixtures.node("n1"), time);
  private final AtomicReference<StoreMode> mode = new AtomicReference<>(mode(Phase.STRONG));
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final StoreMetrics metrics = Fixtures.metrics();
  private final Reconciler reconciler =
      new Reconciler(
          etcd,
          local,
          16,
          new ConflictTracker(),
          metrics,
          Fixtures.node("n1"),
          Fixtures.config().ownerGrace(),
          time);
  private ConfirmationTracker tracker = tracker();
  private RequestRouter router = router(tracker);
  private AutoCloseable mirror;

  private static StoreMode mode(Phase phase) {
    return new StoreMode(phase, 5, Instant.EPOCH, "test");
  }

  private ConfirmationTracker tracker() {
    return new ConfirmationTracker(
        "t", etcd, local, () -> mode.get().phase(), Runnable::run, metrics, nanos::get);
  }

  private RequestRouter router(ConfirmationTracker t) {
    return new RequestRouter(
        etcd,
        local,
        mode::get,
        new WriteBreaker("t", Fixtures.config(), () -> {}),
        reconciler,
        Fixtures.config().strongWriteDeadline(),
        metrics,
        new ConflictTracker(),
        t,
        local.clock,
        Fixtures.node("n1"));
  }

  /** The store's mirror: every etcd version goes to the tracker. */
  private void mirror(ConfirmationTracker t) {
    mirror =
        etcd.watch(
            etcd.revision(),
            new StrongBackend.ChangeListener() {
              @Override
              public void onChanges(List<OrderRecord> records, long revision) {
                local.absorb(records, revision);
              }

              @Override
              public void onEvents(List<StoredRecord> events, long revision) {
                t.committed(events, revision);
                StrongBackend.ChangeListener.super.onEvents(events, revision);
              }
            });
  }

  /** A restart: a new tracker and router over the same journal and etcd (pending state is gone). */
  private void restart() throws Exception {
    if (mirror != null) {
      mirror.close();
    }
    tracker = tracker();
    router = router(tracker);
    mirror(tracker);
  }

  @AfterEach
  void close() throws Exception {
    if (mirror != null) {
      mirror.close();
    }
  }

  private WriteResult write(OrderCommand c) {
    return router
        .apply(c, WriteOptions.DEFAULT)
        .toCompletableFuture()
        .orTimeout(5, TimeUnit.SECONDS)
        .join();
  }

  private static Confirmation done(CompletionStage<Confirmation> stage) {
    CompletableFuture<Confirmation> f = stage.toCompletableFuture();
    assertThat(f).as("confirmation complete").isDone();
    return f.join();
  }

  private void foldIn() {
    reconciler.foldIn(Fixtures.encoded(local.backlog(100))).toCompletableFuture().join();
  }

  /**
   * Creates order "a", then pays it while DEGRADED: a provisional write; leaves it STRONG again.
   */
  private WriteResult payProvisionally(OpId op) {
    write(Fixtures.create("a"));
    mode.set(mode(Phase.DEGRADED));
    WriteResult w = write(new OrderCommand.Transition(OrderId.of("a"), op, OrderStatus.PAID));
    mode.set(mode(Phase.STRONG));
    return w;
  }

  /** More writes to the order than a record keeps op ids for (written by the router as it is). */
  private void pushOutOfTheRecord(OrderId id) {
    for (int i = 0; i <= org.hybridstore.OrderLimits.OP_ID_RETENTION; i++) {
      write(new OrderCommand.SetAttribute(id, OpId.of("op-later-" + i), "k", Integer.toString(i)));
    }
  }

  private long etcdRevisionOf(String order) {
    return etcd.data.get(OrderId.of(order)).revision();
  }

  @Test
  void strongWrite_isConfirmedAtOnce_withItsOwnRevision() {
    WriteResult r = write(Fixtures.create("a"));
    assertThat(r.acceptance()).isEqualTo(Acceptance.STRONG);
    Confirmation c = done(r.confirmation());
    assertThat(c.revision()).isEqualTo(etcdRevisionOf("a"));
    assertThat(c.firstRevision()).isTrue();
    assertThat(c.outcomeChanged()).isFalse();
    assertThat(c.order()).isEqualTo(r.order());
    assertThat(c.acknowledgedStatus()).contains(OrderStatus.CREATED);
    assertThat(tracker.pendingCount()).isZero();
  }

  @Test
  void provisionalWrite_isConfirmedByTheFoldIn_withTheRevisionThatFirstHeldIt() throws Exception {
    // Given a provisional write while degraded
    mirror(tracker);
    write(Fixtures.create("a"));
    mode.set(mode(Phase.DEGRADED));
    OpId op = OpId.of("op-pay");
    WriteResult w = write(new OrderCommand.Transition(OrderId.of("a"), op, OrderStatus.PAID));
    assertThat(w.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(w.confirmation().toCompletableFuture()).isNotDone();
    assertThat(tracker.pendingCount()).isEqualTo(1);
    // When quorum returns and the node folds it in, and later writes change the order again
    mode.set(mode(Phase.STRONG));
    foldIn();
    long foldedAt = etcdRevisionOf("a");
    mode.set(mode(Phase.STRONG));
    write(new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("op-later"), "k", "v"));
    // Then the confirmation names the fold-in's revision and etcd's order at it
    Confirmation c = done(w.confirmation());
    assertThat(c.revision()).isEqualTo(foldedAt);
    assertThat(c.firstRevision()).isTrue();
    assertThat(c.order().status()).isEqualTo(OrderStatus.PAID);
    assertThat(c.acknowledgedStatus()).contains(OrderStatus.PAID);
    assertThat(c.outcomeChanged()).isFalse();
    assertThat(metrics.confirmations()).isEqualTo(1);
    // And a lookup later, and after a restart, gives the same revision and order (found by walking
    // back)
    assertThat(done(tracker.lookup(op))).isEqualTo(c);
    restart();
    Confirmation again = tracker.lookup(op).toCompletableFuture().join();
    assertThat(again.revision()).isEqualTo(foldedAt);
    assertThat(again.order()).isEqualTo(c.order());
    assertThat(again.acknowledgedStatus())
        .as("a restarted node does not know the acknowledgement")
        .isEmpty();
    assertThat(again.outcomeChanged()).isFalse();
  }

  @Test
  void provisionalWrite_withAConflictingStrongWriteMeanwhile_reportsTheMerge() {
    mirror(tracker);
    OrderId id = OrderId.of("a");
    write(Fixtures.create("a"));
    write(new OrderCommand.Transition(id, OpId.of("op-paid"), OrderStatus.PAID));
    write(new OrderCommand.Transition(id, OpId.of("op-fulfil"), OrderStatus.FULFILLING));
    // Given this node ships the order provisionally while another node cancels it in etcd
    mode.set(mode(Phase.DEGRADED));
    WriteResult shipped =
        write(new OrderCommand.Transition(id, OpId.of("op-ship"), OrderStatus.SHIPPED));
    etcd.apply(new OrderCommand.Cancel(id, OpId.of("op-cancel"), "out of stock"))
        .toCompletableFuture()
        .join();
    // When the provisional write is folded in
    mode.set(mode(Phase.STRONG));
    foldIn();
    // Then the confirmation reports the merge: the conflict and its deterministic winner
    Confirmation c = done(shipped.confirmation());
    assertThat(c.outcomeChanged()).isTrue();
    assertThat(c.acknowledgedStatus()).contains(OrderStatus.SHIPPED);
    assertThat(c.order().status()).isEqualTo(OrderStatus.CANCELLED);
    assertThat(c.order().conflictingStatuses())
        .containsExactlyInAnyOrder(OrderStatus.SHIPPED, OrderStatus.CANCELLED);
    assertThat(metrics.conflictsResolved()).isEqualTo(1);
  }

  @Test
  void feedShowsTheWriteWhileALocateIsInFlight_laterWritesPushItOut_stillConfirmedAtTheFoldIn() {
    // Given a provisional write, and a locate of its order in flight (a sweep reading etcd's
    // current version, which does not hold the write yet)
    mirror(tracker);
    OrderId id = OrderId.of("a");
    OpId op = OpId.of("op-pay");
    WriteResult w = payProvisionally(op);
    etcd.readGate = new CompletableFuture<>();
    nanos.addAndGet(ConfirmationTracker.FIRST_CHECK_NANOS + 1);
    tracker.sweep();
    // When the fold-in commits it (the feed shows it while that locate runs), then more writes
    // than a record keeps op ids for push it out of etcd's current version and of this replica
    foldIn();
    long foldedAt = etcdRevisionOf("a");
    mode.set(mode(Phase.STRONG));
    pushOutOfTheRecord(id);
    assertThat(etcd.data.get(id).record().appliedOps().contains(op)).isFalse();
    CompletableFuture<Void> gate = etcd.readGate;
    etcd.readGate = null;
    gate.complete(null);
    // Then the write is confirmed at the fold-in's revision, not given up as pushed out
    Confirmation c = done(w.confirmation());
    assertThat(c.revision()).isEqualTo(foldedAt);
    assertThat(c.firstRevision()).isTrue();
    assertThat(c.order().status()).isEqualTo(OrderStatus.PAID);
  }

  @Test
  void lookup_compactedHistory_answersTheOldestReadableVersion() throws Exception {
    mirror(tracker);
    mode.set(mode(Phase.DEGRADED));
    OpId op = OpId.of("op-a");
    write(OrderCommand.Create.of(OrderId.of("a"), op, "c", "EUR"));
    mode.set(mode(Phase.STRONG));
    foldIn();
    mode.set(mode(Phase.STRONG));
    write(new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("op-1"), "k", "1"));
    write(new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("op-2"), "k", "2"));
    long newest = etcdRevisionOf("a");
    etcd.compact(newest);
    restart();
    Confirmation c = tracker.lookup(op).toCompletableFuture().join();
    assertThat(c.firstRevision()).isFalse();
    assertThat(c.revision()).isEqualTo(newest);
    assertThat(c.order().attributes()).containsEntry("k", "2");
  }

  @Test
  void lookup_unknownOpId_failsTyped_andChangesNothing() {
    write(Fixtures.create("a"));
    assertThatThrownBy(() -> tracker.lookup(OpId.of("never-applied")).toCompletableFuture().join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(UnknownOperationException.class);
    assertThat(tracker.pendingCount()).isZero();
  }

  @Test
  void lookup_whileDegraded_completesWhenEtcdGetsTheWrite() throws Exception {
    write(Fixtures.create("other"));
    mode.set(mode(Phase.DEGRADED));
    OpId op = OpId.of("op-a");
    write(OrderCommand.Create.of(OrderId.of("a"), op, "c", "EUR"));
    restart();
    CompletableFuture<Confirmation> asked = tracker.lookup(op).toCompletableFuture();
    assertThat(asked).isNotDone();
    int reads = etcd.revisionReads.get();
    mode.set(mode(Phase.STRONG));
    foldIn();
    assertThat(asked).isDone();
    assertThat(asked.join().revision()).isEqualTo(etcdRevisionOf("a"));
    assertThat(etcd.revisionReads.get() - reads)
        .as("one read of the version before the fold-in")
        .isEqualTo(1);
  }

  @Test
  void strongDuplicate_isConfirmedWithTheOriginalRevision() {
    OpId op = OpId.of("op-a");
    write(OrderCommand.Create.of(OrderId.of("a"), op, "c", "EUR"));
    long created = etcdRevisionOf("a");
    write(new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("op-b"), "k", "v"));
    WriteResult retry = write(OrderCommand.Create.of(OrderId.of("a"), op, "c", "EUR"));
    assertThat(retry.duplicate()).isTrue();
    Confirmation c = done(retry.confirmation());
    assertThat(c.revision()).isEqualTo(created);
    assertThat(c.order().attributes()).isEmpty();
  }

  @Test
  void fallbackWhoseEtcdAttemptCommitted_isConfirmedWithoutWaitingForTheFoldIn() {
    etcd.lateCommits = true;
    WriteResult w = write(Fixtures.create("a"));
    assertThat(w.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    Confirmation c = done(w.confirmation());
    assertThat(c.revision()).isEqualTo(etcdRevisionOf("a"));
    assertThat(c.firstRevision()).isTrue();
  }

  @Test
  void fallbackRegisteredWhileDegraded_afterTheFeedShowedItsCommit_isConfirmedAtThatRevision() {
    // Given a write whose etcd attempt commits (the feed shows it) but does not answer; before the
    // answer comes back, other nodes' writes push its op id out of etcd's record and the store
    // degrades, so the fallback registers it while no version the feed delivers from now on holds
    // it
    mirror(tracker);
    OrderId id = OrderId.of("a");
    write(Fixtures.create("a"));
    long[] committedAt = {-1};
    etcd.lateCommits = true;
    etcd.afterLateCommit =
        () -> {
          committedAt[0] = etcdRevisionOf("a");
          etcd.lateCommits = false;
          for (int i = 0; i <= org.hybridstore.OrderLimits.OP_ID_RETENTION; i++) {
            etcd.apply(
                new OrderCommand.SetAttribute(
                    id, OpId.of("op-other-" + i), "k", Integer.toString(i)));
          }
          mode.set(mode(Phase.DEGRADED));
        };
    OpId op = OpId.of("op-note");
    WriteResult w = write(new OrderCommand.SetAttribute(id, op, "note", "gift"));
    etcd.afterLateCommit = null;
    assertThat(w.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(etcd.data.get(id).record().appliedOps().contains(op)).isFalse();
    // When the store recovers and the sweep looks for it
    mode.set(mode(Phase.STRONG));
    nanos.addAndGet(ConfirmationTracker.FIRST_CHECK_NANOS + 1);
    tracker.sweep();
    // Then it is confirmed at the revision of its own commit
    Confirmation c = done(w.confirmation());
    assertThat(c.revision()).isEqualTo(committedAt[0]);
    assertThat(c.firstRevision()).isTrue();
  }

  @Test
  void sweep_findsAWriteWhoseFeedEventWasMissed() {
    // no mirror: the feed's event never reaches the tracker
    mode.set(mode(Phase.DEGRADED));
    WriteResult w = write(Fixtures.create("a"));
    mode.set(mode(Phase.STRONG));
    foldIn();
    tracker.sweep();
    assertThat(w.confirmation().toCompletableFuture()).as("not due yet").isNotDone();
    nanos.addAndGet(ConfirmationTracker.FIRST_CHECK_NANOS);
    tracker.sweep();
    assertThat(done(w.confirmation()).revision()).isEqualTo(etcdRevisionOf("a"));
  }

  @Test
  void feedLagsBehindAReplicaThatMovedOn_theWriteIsNotGivenUp_andIsConfirmedWhenTheFeedShowsIt() {
    // Given a provisional write that a fold-in committed, then more writes than a record keeps op
    // ids for pushed it out of etcd's current version and of this replica, while this node's
    // change feed has not yet delivered any of those versions (no mirror: the feed lags)
    OrderId id = OrderId.of("a");
    OpId op = OpId.of("op-pay");
    WriteResult w = payProvisionally(op);
    foldIn();
    long foldedAt = etcdRevisionOf("a");
    StoredRecord folded =
        etcd.readRevision(id, foldedAt).toCompletableFuture().join().orElseThrow();
    mode.set(mode(Phase.STRONG));
    pushOutOfTheRecord(id);
    assertThat(etcd.data.get(id).record().appliedOps().contains(op)).isFalse();
    assertThat(local.read(id).orElseThrow().appliedOps().contains(op)).isFalse();
    // When the sweep locates it before the feed catches up
    nanos.addAndGet(ConfirmationTracker.FIRST_CHECK_NANOS + 1);
    tracker.sweep();
    // Then it is not given up as "pushed out before etcd held it"
    assertThat(w.confirmation().toCompletableFuture()).as("still pending").isNotDone();
    // And once the feed delivers the fold-in's version, it is confirmed at that revision
    tracker.committed(List.of(folded), foldedAt);
    Confirmation c = done(w.confirmation());
    assertThat(c.revision()).isEqualTo(foldedAt);
    assertThat(c.firstRevision()).isTrue();
  }

  @Test
  void pushedOutOfThisReplicaOnly_aLaggingPeerFoldsItInAfterTheSweep_isConfirmedNotGivenUp() {
    // Given a provisional write during an outage, copied to a peer that then lags behind, and more
    // writes on this node than a record keeps op ids for, which push it out of this replica
    mirror(tracker);
    OrderId id = OrderId.of("a");
    OpId op = OpId.of("op-pay");
    write(Fixtures.create("a"));
    mode.set(mode(Phase.DEGRADED));
    WriteResult w = write(new OrderCommand.Transition(id, op, OrderStatus.PAID));
    OrderRecord peersCopy = local.read(id).orElseThrow();
    pushOutOfTheRecord(id);
    assertThat(local.read(id).orElseThrow().appliedOps().contains(op)).isFalse();

    // When etcd is back and the sweep locates it before anyone folded anything in (etcd holds the
    // version from before the outage, and the feed has shown every version up to it)
    mode.set(mode(Phase.STRONG));
    nanos.addAndGet(ConfirmationTracker.FIRST_CHECK_NANOS + 1);
    tracker.sweep();

    // Then it is not given up: the peer's copy can still bring it to etcd
    assertThat(w.confirmation().toCompletableFuture()).as("still pending").isNotDone();
    // and a lookup meanwhile waits for it too, though this replica no longer holds the op id
    CompletableFuture<Confirmation> lookedUp = tracker.lookup(op).toCompletableFuture();
    assertThat(lookedUp).as("lookup waits").isNotDone();
    // And when the peer folds its copy in, the write is confirmed at that revision
    etcd.mergeAll(List.of(peersCopy)).toCompletableFuture().join();
    long foldedAt = etcdRevisionOf("a");
    Confirmation c = done(w.confirmation());
    assertThat(c.revision()).isEqualTo(foldedAt);
    assertThat(c.firstRevision()).isTrue();
    assertThat(done(lookedUp).revision()).isEqualTo(foldedAt);
    assertThat(done(tracker.lookup(op)).revision()).isEqualTo(foldedAt);
  }

  @Test
  void opIdPushedOutByTheRetentionBound_beforeEtcdHeldIt_failsTyped() {
    mirror(tracker);
    write(Fixtures.create("a"));
    mode.set(mode(Phase.DEGRADED));
    WriteResult first =
        write(new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("op-first"), "k", "0"));
    for (int i = 1; i <= org.hybridstore.OrderLimits.OP_ID_RETENTION; i++) {
      write(
          new OrderCommand.SetAttribute(
              OrderId.of("a"), OpId.of("op-" + i), "k", Integer.toString(i)));
    }
    mode.set(mode(Phase.STRONG));
    foldIn();
    assertThatThrownBy(() -> first.confirmation().toCompletableFuture().join())
        .hasCauseInstanceOf(UnknownOperationException.class)
        .hasMessageContaining("no longer holds it");
    assertThat(tracker.pendingCount()).isZero();
  }

  @Test
  void lookup_ofAConfirmedWrite_readsEtcdOnceAtItsRevision_evenAfterTheRetentionBoundPushedItOut() {
    // Given a provisional write, confirmed by its fold-in
    mirror(tracker);
    write(Fixtures.create("a"));
    mode.set(mode(Phase.DEGRADED));
    OpId op = OpId.of("op-pay");
    WriteResult w = write(new OrderCommand.Transition(OrderId.of("a"), op, OrderStatus.PAID));
    mode.set(mode(Phase.STRONG));
    foldIn();
    mode.set(mode(Phase.STRONG));
    Confirmation c = done(w.confirmation());
    // And more later writes to the order than a record remembers op ids of
    for (int i = 1; i <= org.hybridstore.OrderLimits.OP_ID_RETENTION; i++) {
      write(
          new OrderCommand.SetAttribute(
              OrderId.of("a"), OpId.of("op-" + i), "k", Integer.toString(i)));
    }
    assertThat(local.read(OrderId.of("a")).orElseThrow().appliedOps().contains(op)).isFalse();
    // When the write is looked up
    int readsBefore = etcd.revisionReads.get();
    Confirmation again = done(tracker.lookup(op));
    // Then the answer is its confirmation, from one read of etcd at the revision that first held it
    assertThat(again).isEqualTo(c);
    assertThat(etcd.revisionReads.get() - readsBefore).isEqualTo(1);
    // And a node that never confirmed it (a restart forgets) answers as the retention bound says
    tracker = tracker();
    assertThatThrownBy(() -> tracker.lookup(op).toCompletableFuture().join())
        .hasCauseInstanceOf(UnknownOperationException.class);
  }

  @Test
  void restartedBeforeItsFoldIn_laterWritesPushItOut_aLookupFindsItWhereTheFeedShowedIt()
      throws Exception {
    // Given a provisional write, and a restart that forgets the write was awaited
    mirror(tracker);
    OpId op = OpId.of("op-pay");
    payProvisionally(op);
    restart();
    // When this node folds it in (its feed shows the fold-in), then more later writes to the order
    // than a record keeps op ids for
    foldIn();
    long foldedAt = etcdRevisionOf("a");
    mode.set(mode(Phase.STRONG));
    pushOutOfTheRecord(OrderId.of("a"));
    assertThat(local.read(OrderId.of("a")).orElseThrow().appliedOps().contains(op)).isFalse();
    assertThat(etcd.data.get(OrderId.of("a")).record().appliedOps().contains(op)).isFalse();
    // Then a lookup finds it at the fold-in's revision (a chaos run got 404 unknown here)
    Confirmation c = done(tracker.lookup(op));
    assertThat(c.revision()).isEqualTo(foldedAt);
    assertThat(c.firstRevision()).isTrue();
    assertThat(c.order().status()).isEqualTo(OrderStatus.PAID);
    // And a node whose feed never showed it answers as the retention bound says
    tracker = tracker();
    assertThatThrownBy(() -> tracker.lookup(op).toCompletableFuture().join())
        .hasCauseInstanceOf(UnknownOperationException.class);
  }

  @Test
  void close_failsWhatIsPending_withStoreClosed() {
    mode.set(mode(Phase.DEGRADED));
    WriteResult w = write(Fixtures.create("a"));
    tracker.close();
    assertThatThrownBy(() -> w.confirmation().toCompletableFuture().join())
        .hasCauseInstanceOf(StoreClosedException.class)
        .hasMessageContaining("not lost");
    assertThatThrownBy(() -> tracker.lookup(OpId.of("op-a")).toCompletableFuture().join())
        .hasCauseInstanceOf(StoreClosedException.class);
  }
}
