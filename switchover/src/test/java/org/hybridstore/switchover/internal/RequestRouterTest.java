package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.hybridstore.Acceptance;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.ConsistencyUnavailableException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.WriteOptions;
import org.hybridstore.WriteResult;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.Test;

/**
 * Routing by phase, the in-call fallback, and the breaker that only reports; in-memory backends.
 */
class RequestRouterTest {
  private final Fixtures.ManualTime time = new Fixtures.ManualTime();
  private final FakeStrongBackend etcd = new FakeStrongBackend(time);
  private final FakeLocalBackend local = new FakeLocalBackend(Fixtures.node("n1"), time);
  private final AtomicReference<StoreMode> mode = new AtomicReference<>(mode(Phase.STRONG));
  private final AtomicInteger breakerOpened = new AtomicInteger();
  private final StoreMetrics metrics = Fixtures.metrics();
  private final WriteBreaker breaker =
      new WriteBreaker("t", Fixtures.config(), breakerOpened::incrementAndGet);
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
  private final ConfirmationTracker confirmations =
      new ConfirmationTracker(
          "t", etcd, local, () -> mode.get().phase(), Runnable::run, metrics, System::nanoTime);
  private final RequestRouter router =
      new RequestRouter(
          etcd,
          local,
          mode::get,
          breaker,
          reconciler,
          Fixtures.config().strongWriteDeadline(),
          metrics,
          new ConflictTracker(),
          confirmations,
          local.clock,
          Fixtures.node("n1"));

  /** A router like {@link #router} over another etcd backend, with the given strong deadline. */
  private RequestRouter routerOver(StrongBackend backend, Duration strongDeadline) {
    return new RequestRouter(
        backend,
        local,
        mode::get,
        breaker,
        reconciler,
        strongDeadline,
        metrics,
        new ConflictTracker(),
        confirmations,
        local.clock,
        Fixtures.node("n1"));
  }

  private static StoreMode mode(Phase phase) {
    return new StoreMode(phase, 5, Instant.EPOCH, "test");
  }

  private WriteResult write(OrderCommand c) {
    return router
        .apply(c, WriteOptions.DEFAULT)
        .toCompletableFuture()
        .orTimeout(5, TimeUnit.SECONDS)
        .join();
  }

  @Test
  void strong_writesThroughEtcd_andMirrorsLocally() {
    WriteResult r = write(Fixtures.create("a"));
    assertThat(r.acceptance()).isEqualTo(Acceptance.STRONG);
    assertThat(etcd.data).containsKey(OrderId.of("a"));
    assertThat(local.read(OrderId.of("a"))).isPresent();
    assertThat(local.backlogSize()).isZero();
  }

  @Test
  void strong_etcdFailing_fallsBackInTheSameCallWithTheSameOpId() {
    etcd.down = true;
    WriteResult r = write(Fixtures.create("a"));
    assertThat(r.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(local.applied)
        .singleElement()
        .satisfies(c -> assertThat(c.opId()).isEqualTo(OpId.of("op-a")));
    assertThat(local.inBacklog(OrderId.of("a"))).isTrue();
    assertThat(metrics.fallbacks()).isEqualTo(1);
  }

  @Test
  void strong_aWriteWaitingForEtcdWhenTheStoreDegrades_fallsBackAtOnce() {
    // Given an etcd that never answers, and a deadline far away
    FakeStrongBackend silent =
        new FakeStrongBackend(time) {
          @Override
          public synchronized CompletionStage<BackendWrite> apply(OrderCommand command) {
            return new java.util.concurrent.CompletableFuture<>();
          }
        };
    RequestRouter r = routerOver(silent, Duration.ofMinutes(10));
    var plain = r.apply(Fixtures.create("a"), WriteOptions.DEFAULT).toCompletableFuture();
    var strongOnly = r.apply(Fixtures.create("b"), WriteOptions.STRONG_ONLY).toCompletableFuture();
    assertThat(plain).isNotDone();

    // When the store degrades
    mode.set(mode(Phase.DEGRADED));
    r.degraded();

    // Then the write that may fall back is acknowledged PROVISIONAL under its op id, at once
    WriteResult w = plain.orTimeout(5, TimeUnit.SECONDS).join();
    assertThat(w.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(local.applied)
        .singleElement()
        .satisfies(c -> assertThat(c.opId()).isEqualTo(OpId.of("op-a")));
    // and the one that demands STRONG keeps waiting for etcd's own answer
    assertThat(strongOnly).isNotDone();
  }

  @Test
  void linearizableRead_waitingForEtcdWhenTheStoreDegrades_failsAtOnce() {
    // Given an etcd whose reads never answer, and a read waiting for it
    FakeStrongBackend silent =
        new FakeStrongBackend(time) {
          @Override
          public CompletionStage<Optional<OrderRecord>> read(
              OrderId id, ReadConsistency consistency) {
            return new java.util.concurrent.CompletableFuture<>();
          }
        };
    RequestRouter r = routerOver(silent, Duration.ofMinutes(10));
    var read = r.get(OrderId.of("a"), ReadConsistency.LINEARIZABLE).toCompletableFuture();
    assertThat(read).isNotDone();

    // When the store degrades
    mode.set(mode(Phase.DEGRADED));
    r.degraded();

    // Then the read fails at once with the typed error, not at its deadline
    assertThat(read).isCompletedExceptionally();
    assertThatThrownBy(read::join).hasCauseInstanceOf(ConsistencyUnavailableException.class);
  }

  @Test
  void strong_lateCommit_fallsBack_andTheOpIdKeepsItFromCountingTwice() {
    etcd.lateCommits = true;
    WriteResult r = write(Fixtures.create("a"));
    assertThat(r.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    // etcd has the order too; folding the provisional copy in joins the two into one
    etcd.lateCommits = false;
    reconciler.foldIn(Fixtures.encoded(local.backlog(10))).toCompletableFuture().join();
    assertThat(etcd.data.get(OrderId.of("a")).record().appliedOps().get(OpId.of("op-a")))
        .isPresent();
    assertThat(local.backlogSize()).isZero();
  }

  @Test
  void strong_lateCommitTheFeedDeliversBeforeTheFallback_isNoDuplicate() {
    // Given a create that etcd commits without answering, and a change feed that brings etcd's
    // record into the journal before the in-call fallback writes there (a spring-order-service
    // client that sent each order once got "200, applied before" for the write in flight when two
    // etcd members were killed)
    etcd.lateCommits = true;
    etcd.afterLateCommit =
        () -> join(local.absorb(List.of(etcd.data.get(OrderId.of("a")).record())));

    // When the write falls back
    WriteResult r = write(Fixtures.create("a"));

    // Then the caller, who sent it once, is told it was applied by this call
    assertThat(r.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(r.duplicate()).isFalse();
    assertThat(r.order().id()).isEqualTo(OrderId.of("a"));
  }

  @Test
  void strong_etcdDefinitelyDown_opIdTheJournalHolds_isADuplicate() {
    // Given an order the journal holds under op-a
    mode.set(mode(Phase.DEGRADED));
    write(Fixtures.create("a"));
    mode.set(mode(Phase.STRONG));

    // When the same command is sent again while etcd definitely refuses it
    etcd.down = true;
    WriteResult again = write(Fixtures.create("a"));

    // Then the fallback reports it applied before
    assertThat(again.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(again.duplicate()).isTrue();
  }

  @Test
  void strong_lateCommit_thenStrongWrites_theFallbackCopyDoesNotBringItsValueBack() {
    // Given etcd and the journal stamping with one clock, as in the store, and an order in etcd
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ofSeconds(1));
    FakeStrongBackend etcd = new FakeStrongBackend(clock);
    FakeLocalBackend local = new FakeLocalBackend(Fixtures.node("n1"), clock);
    Reconciler reconciler =
        new Reconciler(
            etcd,
            local,
            16,
            new ConflictTracker(),
            metrics,
            Fixtures.node("n1"),
            Fixtures.config().ownerGrace(),
            time);
    RequestRouter router =
        new RequestRouter(
            etcd,
            local,
            mode::get,
            breaker,
            reconciler,
            Fixtures.config().strongWriteDeadline(),
            metrics,
            new ConflictTracker(),
            new ConfirmationTracker(
                "t",
                etcd,
                local,
                () -> mode.get().phase(),
                Runnable::run,
                metrics,
                System::nanoTime),
            clock,
            Fixtures.node("n1"));
    OrderId a = OrderId.of("a");
    join(router.apply(Fixtures.create("a"), WriteOptions.DEFAULT));

    // When a put commits in etcd but its answer is lost, and two STRONG puts follow before the
    // in-call fallback writes the put to the journal
    etcd.lateCommits = true;
    etcd.afterLateCommit =
        () -> {
          etcd.lateCommits = false;
          for (String value : List.of("second", "third")) {
            time.advance(Duration.ofMillis(300));
            join(etcd.apply(new OrderCommand.SetAttribute(a, OpId.of("op-" + value), "k", value)));
          }
          time.advance(Duration.ofMillis(300));
        };
    WriteResult put =
        join(
            router.apply(
                new OrderCommand.SetAttribute(a, OpId.of("op-first"), "k", "first"),
                WriteOptions.DEFAULT));
    assertThat(put.acceptance()).isEqualTo(Acceptance.PROVISIONAL);

    // Then folding the journal's copy in keeps the last STRONG value, in etcd and in the journal
    reconciler.foldIn(Fixtures.encoded(local.backlog(10))).toCompletableFuture().join();
    assertThat(etcd.data.get(a).record().toOrder().attributes()).containsEntry("k", "third");
    assertThat(local.read(a).orElseThrow().toOrder().attributes()).containsEntry("k", "third");
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
  }

  @Test
  void strong_answerTheStoreCannotAcknowledge_failsTheCall_insteadOfHanging() {
    // Given an etcd backend whose answer carries no revision (a broken or lying backend)
    FakeStrongBackend noRevision =
        new FakeStrongBackend(time) {
          @Override
          public synchronized CompletionStage<BackendWrite> apply(OrderCommand command) {
            return super.apply(command)
                .thenApply(w -> new BackendWrite(w.record(), w.duplicate(), 0));
          }
        };
    RequestRouter r = routerOver(noRevision, Fixtures.config().strongWriteDeadline());
    // Then the call fails with the typed error (it used to never complete)
    assertThatThrownBy(
            () ->
                r.apply(Fixtures.create("a"), WriteOptions.DEFAULT)
                    .toCompletableFuture()
                    .orTimeout(5, TimeUnit.SECONDS)
                    .join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(InvalidInputException.class);
  }

  @Test
  void degraded_writesLocallyAtOnce_andRefusesStrongOnlyWrites() {
    mode.set(mode(Phase.DEGRADED));
    assertThat(write(Fixtures.create("a")).acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(etcd.applied).isEmpty();
    assertThatThrownBy(
            () ->
                router
                    .apply(
                        new OrderCommand.Refund(OrderId.of("a"), OpId.of("r")),
                        WriteOptions.DEFAULT)
                    .toCompletableFuture()
                    .join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(ConsistencyUnavailableException.class);
    assertThatThrownBy(
            () ->
                router
                    .apply(Fixtures.create("b"), WriteOptions.STRONG_ONLY)
                    .toCompletableFuture()
                    .join())
        .hasCauseInstanceOf(ConsistencyUnavailableException.class);
  }

  @Test
  void strongOnly_etcdUncertain_failsIndeterminateInsteadOfFallingBack() {
    etcd.lateCommits = true;
    assertThatThrownBy(
            () ->
                router
                    .apply(Fixtures.create("a"), WriteOptions.STRONG_ONLY)
                    .toCompletableFuture()
                    .join())
        .hasCauseInstanceOf(IndeterminateWriteException.class);
    assertThat(local.applied).isEmpty();
  }

  @Test
  void strong_etcdUncertain_localRefusal_isIndeterminate_notADefiniteRejection() {
    // Given an order etcd holds and this node's replica does not have yet (a node just restarted;
    // an 80-minute soak reported such a write as a definite 409 "no such order", and etcd had it)
    etcd.apply(Fixtures.create("a")).toCompletableFuture().join();
    etcd.lateCommits = true;
    OrderCommand set = new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("op-s"), "k", "v");
    // When etcd commits the write but does not answer in time, and the fallback's local copy is
    // refused
    assertThatThrownBy(() -> router.apply(set, WriteOptions.DEFAULT).toCompletableFuture().join())
        // Then the caller learns the write's fate is unknown, never a definite rejection
        .hasCauseInstanceOf(IndeterminateWriteException.class)
        .hasRootCauseInstanceOf(CommandRejectedException.class);
    assertThat(etcd.data.get(OrderId.of("a")).record().appliedOps().get(OpId.of("op-s")))
        .isPresent();
  }

  @Test
  void strong_etcdDefinitelyDown_localRefusalStands() {
    etcd.down = true;
    OrderCommand set = new OrderCommand.SetAttribute(OrderId.of("z"), OpId.of("op-z"), "k", "v");
    assertThatThrownBy(() -> router.apply(set, WriteOptions.DEFAULT).toCompletableFuture().join())
        .hasCauseInstanceOf(CommandRejectedException.class);
  }

  @Test
  void dirtyOrder_isFoldedIntoEtcdBeforeAnEtcdReadOfIt() {
    // Given orders created provisionally, unknown to etcd, and the store STRONG again
    mode.set(mode(Phase.DEGRADED));
    write(Fixtures.create("a"));
    write(Fixtures.create("b"));
    mode.set(mode(Phase.STRONG));
    // When each is read through etcd, Then the read sees it: its record was folded in first
    assertThat(
            router.get(OrderId.of("a"), ReadConsistency.LINEARIZABLE).toCompletableFuture().join())
        .hasValueSatisfying(v -> assertThat(v.servedBy()).isEqualTo(ReadConsistency.LINEARIZABLE));
    assertThat(
            router.get(OrderId.of("b"), ReadConsistency.SERIALIZABLE).toCompletableFuture().join())
        .hasValueSatisfying(v -> assertThat(v.servedBy()).isEqualTo(ReadConsistency.SERIALIZABLE));
    assertThat(etcd.merges).hasSize(2);
    assertThat(local.backlogSize()).isZero();
  }

  @Test
  void dirtyOrder_foldFailing_failsTheEtcdRead_insteadOfMissingTheWrite() {
    mode.set(mode(Phase.DEGRADED));
    write(Fixtures.create("a"));
    mode.set(mode(Phase.STRONG));
    etcd.mergesFail = true; // etcd still serves reads: one without the fold would miss "a"
    for (ReadConsistency c :
        new ReadConsistency[] {ReadConsistency.LINEARIZABLE, ReadConsistency.SERIALIZABLE}) {
      assertThatThrownBy(() -> router.get(OrderId.of("a"), c).toCompletableFuture().join())
          .as(c.name())
          .hasCauseInstanceOf(StoreUnavailableException.class);
    }
    assertThat(local.inBacklog(OrderId.of("a"))).isTrue();
  }

  @Test
  void closed_refusesEverything() {
    mode.set(mode(Phase.CLOSED));
    assertThatThrownBy(
            () ->
                router
                    .apply(Fixtures.create("a"), WriteOptions.DEFAULT)
                    .toCompletableFuture()
                    .join())
        .hasCauseInstanceOf(StoreClosedException.class);
    assertThatThrownBy(
            () -> router.get(OrderId.of("a"), ReadConsistency.LOCAL).toCompletableFuture().join())
        .hasCauseInstanceOf(StoreClosedException.class);
  }

  @Test
  void breaker_onlyReports_writesKeepTryingEtcdWhileItIsOpen() {
    // Given enough failed strong writes to open the breaker
    etcd.down = true;
    for (int i = 0; i < 5; i++) {
      write(Fixtures.create("f" + i));
    }
    assertThat(breakerOpened.get()).isEqualTo(1);
    assertThat(breaker.state()).isEqualTo("OPEN");
    // When etcd answers again, Then the next write goes to etcd: the breaker did not route
    etcd.down = false;
    assertThat(write(Fixtures.create("x")).acceptance()).isEqualTo(Acceptance.STRONG);
  }

  @Test
  void dirtyOrder_isFoldedIntoEtcdBeforeAStrongWriteToIt() {
    // Given an order created provisionally, unknown to etcd
    mode.set(mode(Phase.DEGRADED));
    write(Fixtures.create("a"));
    mode.set(mode(Phase.STRONG));
    // When a strong write changes it
    WriteResult r = write(new OrderCommand.SetAttribute(OrderId.of("a"), OpId.of("set"), "k", "v"));
    // Then etcd got the provisional create first, and the write applied on top of it
    assertThat(r.acceptance()).isEqualTo(Acceptance.STRONG);
    assertThat(etcd.merges).hasSize(1);
    assertThat(r.order().attributes()).containsEntry("k", "v");
    assertThat(local.backlogSize()).isZero();
  }

  @Test
  void reads_byConsistencyAndPhase() {
    write(Fixtures.create("a"));
    assertThat(
            router.get(OrderId.of("a"), ReadConsistency.LINEARIZABLE).toCompletableFuture().join())
        .isPresent();
    mode.set(mode(Phase.DEGRADED));
    assertThatThrownBy(
            () ->
                router
                    .get(OrderId.of("a"), ReadConsistency.LINEARIZABLE)
                    .toCompletableFuture()
                    .join())
        .hasCauseInstanceOf(ConsistencyUnavailableException.class);
    assertThat(
            router.get(OrderId.of("a"), ReadConsistency.SERIALIZABLE).toCompletableFuture().join())
        .hasValueSatisfying(v -> assertThat(v.servedBy()).isEqualTo(ReadConsistency.LOCAL));
  }
}
