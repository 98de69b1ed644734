package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hybridstore.Acceptance;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.Confirmation;
import org.hybridstore.ConsistencyUnavailableException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.Versioned;
import org.hybridstore.WriteOptions;
import org.hybridstore.WriteResult;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.StrongBackend;
import org.jspecify.annotations.Nullable;

/**
 * Routes each call by the current phase: an exhaustive {@code switch}, nothing else decides.
 *
 * <p>Writes while STRONG go to etcd with the strong-write deadline. If that attempt fails without a
 * definite answer (indeterminate outcome, unavailable, deadline), the same command with the same op
 * id is written provisionally in the same call: reconciliation joins the two if the etcd attempt
 * committed after all. The provisional copy carries a stamp read from the node's clock before the
 * etcd attempt, so if both copies exist the etcd one is the later, and so is every write etcd
 * ordered after it: the join cannot bring the command's values back over those writes (with a fresh
 * stamp at fallback time it did, and an acknowledged STRONG write was overwritten by an older one).
 * Commands that may not run degraded, and writes that demand STRONG, fail instead. A rejection (bad
 * command for this order) or corrupt stored data never falls back. Every attempt's outcome is
 * reported to the {@link WriteBreaker}, which only reports onwards to the policy; it is never asked
 * for permission.
 *
 * <p>Before an etcd write or etcd read of an order that is in this node's backlog, the node folds
 * its record into etcd first ({@link Reconciler#foldIn}, the same path as a reconcile pass), so the
 * command is applied to, and the read sees, everything the node knows (a provisional create, say),
 * not only what etcd has seen. This is what lets the store be STRONG while its backlog drains
 * (decision 66): no read served through etcd misses a write this node acknowledged.
 *
 * <p>Writes while DEGRADED go to the local journal at once; a closed store refuses. A write that
 * may fall back and still waits for etcd when the store degrades falls back at once, and a
 * linearizable read still waiting for etcd fails at once ({@link #degraded()}).
 */
final class RequestRouter {
  private final StrongBackend strong;
  private final LocalBackend local;
  private final Supplier<StoreMode> mode;
  private final WriteBreaker breaker;
  private final Reconciler reconciler;
  private final Duration strongDeadline;
  private final StoreMetrics metrics;
  private final ConflictTracker conflicts;
  private final ConfirmationTracker confirmations;
  private final HybridLogicalClock clock;
  private final NodeId node;

  /**
   * Writes allowed to fall back that still wait for etcd: when the store degrades they stop waiting
   * (see {@link #degraded()}). Each removes itself once it completes.
   */
  private final Set<CompletableFuture<BackendWrite>> waitingOnEtcd = ConcurrentHashMap.newKeySet();

  /**
   * Linearizable reads that still wait for etcd: when the store degrades they fail at once (see
   * {@link #degraded()}). Each removes itself once it completes.
   */
  private final Set<CompletableFuture<Optional<Versioned<Order>>>> readsWaitingOnEtcd =
      ConcurrentHashMap.newKeySet();

  RequestRouter(
      StrongBackend strong,
      LocalBackend local,
      Supplier<StoreMode> mode,
      WriteBreaker breaker,
      Reconciler reconciler,
      Duration strongDeadline,
      StoreMetrics metrics,
      ConflictTracker conflicts,
      ConfirmationTracker confirmations,
      HybridLogicalClock clock,
      NodeId node) {
    this.strong = strong;
    this.local = local;
    this.mode = mode;
    this.breaker = breaker;
    this.reconciler = reconciler;
    this.strongDeadline = strongDeadline;
    this.metrics = metrics;
    this.conflicts = conflicts;
    this.confirmations = confirmations;
    this.clock = clock;
    this.node = node;
  }

  /** Whether a failure says nothing about etcd's health (the request itself was at fault). */
  static boolean isRequestFault(Throwable t) {
    Throwable c = unwrap(t);
    return c instanceof CommandRejectedException
        || c instanceof InvalidInputException
        || c instanceof CorruptDataException;
  }

  CompletionStage<WriteResult> apply(OrderCommand command, WriteOptions options) {
    long start = System.nanoTime();
    StoreMode current = mode.get();
    boolean strongOnly = options.requireStrong() || !command.allowedDegraded();
    return switch (current.phase()) {
      case STRONG -> strongFirst(command, options, strongOnly, start);
      case DEGRADED ->
          strongOnly
              ? CompletableFuture.failedFuture(
                  new ConsistencyUnavailableException(
                      current.phase().mode(), strongReason(command, options)))
              : provisional(command, null, start, false);
      case CLOSED ->
          CompletableFuture.failedFuture(new StoreClosedException("the store is closed"));
    };
  }

  /**
   * The store degraded: every write that may fall back and still waits for etcd stops waiting and
   * falls back now, as if its deadline had passed (its etcd attempt may still commit; the two
   * copies join into one, see the class comment). Without this a write sent just before a quorum
   * loss waited out the whole strong-write deadline, though the store already knew etcd would not
   * answer. Writes that demand STRONG keep waiting for etcd's own answer.
   */
  void degraded() {
    for (CompletableFuture<BackendWrite> w : waitingOnEtcd) {
      w.completeExceptionally(
          new IndeterminateWriteException(
              "the store degraded while this write waited for etcd", null));
    }
    for (CompletableFuture<Optional<Versioned<Order>>> r : readsWaitingOnEtcd) {
      r.completeExceptionally(
          new ConsistencyUnavailableException(
              Phase.DEGRADED.mode(),
              "the store degraded while this linearizable read waited for etcd"));
    }
  }

  private CompletionStage<WriteResult> strongFirst(
      OrderCommand command, WriteOptions options, boolean strongOnly, long start) {
    CompletableFuture<WriteResult> result = new CompletableFuture<>();
    // Read before the etcd attempt, whose own stamp comes later from the same clock. The clock has
    // observed every stamp in the local replica (the journal observes what it absorbs and what
    // peers send), so this is later than everything the node knew at the call.
    @Nullable Stamp fallbackStamp = strongOnly ? null : new Stamp(clock.now(), node);
    CompletableFuture<BackendWrite> attempt =
        strongApply(command)
            .toCompletableFuture()
            .orTimeout(strongDeadline.toMillis(), TimeUnit.MILLISECONDS);
    if (!strongOnly) {
      CompletableFuture<BackendWrite> waiting = new CompletableFuture<>();
      waitingOnEtcd.add(waiting);
      waiting.whenComplete((w, e) -> waitingOnEtcd.remove(waiting));
      attempt.whenComplete(
          (w, e) -> {
            if (e == null) {
              waiting.complete(w);
            } else {
              waiting.completeExceptionally(e);
            }
          });
      if (mode.get().phase() == Phase.DEGRADED) {
        degraded(); // it degraded between the routing and the registration above
      }
      attempt = waiting;
    }
    attempt.whenComplete(
        (written, error) -> {
          long took = System.nanoTime() - start;
          if (error == null) {
            breaker.success(took);
            try {
              result.complete(acknowledge(command, written, Acceptance.STRONG, mode.get(), start));
            } catch (RuntimeException e) {
              // a backend answer the store cannot acknowledge (say, no revision): the caller
              // gets the
              // error instead of a call that never completes
              result.completeExceptionally(e);
              return;
            }
            // Keep the local replica close behind etcd for LOCAL reads; the watch feed does the
            // same.
            local.absorb(List.of(written.record()));
            return;
          }
          Throwable cause = unwrap(error);
          breaker.failure(took, cause);
          if (isRequestFault(cause)) {
            result.completeExceptionally(cause);
          } else if (strongOnly) {
            result.completeExceptionally(strongFailure(cause));
          } else {
            metrics.fallback();
            // etcd may have applied the command (StoreUnavailableException says it did not): if
            // the journal then finds the op id applied, it most likely learned it from this very
            // attempt (the change feed absorbed etcd's commit first), so it is no duplicate.
            boolean ownAttemptMayHaveApplied = !(cause instanceof StoreUnavailableException);
            provisional(command, fallbackStamp, start, ownAttemptMayHaveApplied)
                .whenComplete(
                    (w, e) -> {
                      if (e == null) {
                        result.complete(w);
                      } else {
                        result.completeExceptionally(fallbackFailure(cause, unwrap(e)));
                      }
                    });
          }
        });
    return result;
  }

  private CompletionStage<BackendWrite> strongApply(OrderCommand command) {
    return foldedFirst(command.orderId(), () -> strong.apply(command));
  }

  /**
   * Runs {@code call} against etcd after folding the order's record in, if it is in the backlog.
   */
  private <T> CompletionStage<T> foldedFirst(OrderId id, Supplier<CompletionStage<T>> call) {
    Optional<EncodedRecord> dirty = local.inBacklog(id) ? local.readEncoded(id) : Optional.empty();
    if (dirty.isEmpty()) {
      return call.get();
    }
    return reconciler.foldIn(List.of(dirty.get())).thenCompose(merged -> call.get());
  }

  /**
   * A provisional write; {@code stamp} is the fallback's stamp, or null for a fresh one. When this
   * call's own etcd attempt may have applied the command ({@code ownAttemptMayHaveApplied}), a
   * journal that already holds the op id is not reported as a duplicate: the caller sent the
   * command once and must not be told an earlier call applied it (an earlier call with the same op
   * id cannot be told apart here, and the order holds the op once either way).
   */
  private CompletionStage<WriteResult> provisional(
      OrderCommand command, @Nullable Stamp stamp, long start, boolean ownAttemptMayHaveApplied) {
    return (stamp == null ? local.apply(command) : local.apply(command, stamp))
        .thenApply(
            w ->
                acknowledge(
                    command,
                    ownAttemptMayHaveApplied && w.duplicate()
                        ? new BackendWrite(w.record(), false, w.revision(), false)
                        : w,
                    Acceptance.PROVISIONAL,
                    mode.get(),
                    start));
  }

  private WriteResult acknowledge(
      OrderCommand command,
      BackendWrite written,
      Acceptance acceptance,
      StoreMode mode,
      long start) {
    conflicts.observe(written.record());
    if (!written.duplicate()) {
      metrics.write(acceptance, System.nanoTime() - start);
    }
    Order order = written.record().toOrder();
    // A STRONG write is confirmed by its own compare-and-swap; everything else (a provisional
    // write,
    // a duplicate found anywhere) waits until this node sees etcd hold the op id.
    CompletionStage<Confirmation> confirmation =
        acceptance == Acceptance.STRONG && !written.duplicate()
            ? confirmations.strong(command.opId(), written)
            : confirmations.acknowledged(
                command.opId(),
                written.record(),
                acceptance == Acceptance.PROVISIONAL && !written.duplicate());
    return new WriteResult(
        order,
        command.opId(),
        acceptance,
        mode.phase().mode(),
        mode.epoch(),
        written.duplicate(),
        confirmation);
  }

  private static String strongReason(OrderCommand command, WriteOptions options) {
    return options.requireStrong()
        ? "the write demands STRONG"
        : command.getClass().getSimpleName() + " never runs degraded";
  }

  /**
   * What the caller learns when the journal refuses the fallback of a write etcd did not answer
   * definitely. etcd may still have committed it (a timeout, a late commit), so a refusal of the
   * local copy, a "no such order" from a replica that is behind for one, is no answer: the write's
   * fate is unknown. Only when etcd definitely did not apply it does the journal's answer stand.
   */
  private static Throwable fallbackFailure(Throwable strongCause, Throwable localFailure) {
    if (strongCause instanceof StoreUnavailableException) {
      return localFailure;
    }
    return new IndeterminateWriteException(
        "etcd did not answer the write definitely ("
            + strongCause
            + ") and the local journal then refused it: "
            + localFailure.getMessage()
            + "; etcd may have applied it, retry with the same op id",
        localFailure);
  }

  private static OrderStoreException strongFailure(Throwable cause) {
    if (cause instanceof TimeoutException) {
      return new IndeterminateWriteException(
          "etcd did not answer within the strong-write deadline", cause);
    }
    if (cause instanceof OrderStoreException e) {
      return e;
    }
    return new IndeterminateWriteException("etcd write failed: " + cause, cause);
  }

  CompletionStage<Optional<Versioned<Order>>> get(OrderId id, ReadConsistency consistency) {
    StoreMode current = mode.get();
    if (current.phase() == Phase.CLOSED) {
      return CompletableFuture.failedFuture(new StoreClosedException("the store is closed"));
    }
    boolean strongPhase = current.phase() == Phase.STRONG;
    return switch (consistency) {
      case LINEARIZABLE ->
          strongPhase
              ? linearizable(id)
              : CompletableFuture.failedFuture(
                  new ConsistencyUnavailableException(
                      current.phase().mode(), "a linearizable read needs etcd"));
      case SERIALIZABLE -> strongPhase ? serializable(id) : local(id);
      case LOCAL -> local(id);
    };
  }

  /**
   * A linearizable read from etcd that fails at once when the store degrades meanwhile: a node that
   * knows etcd has no quorum answers the caller then, not when the read's own deadline passes (a
   * read has no effect, so giving up on it is always safe).
   */
  private CompletionStage<Optional<Versioned<Order>>> linearizable(OrderId id) {
    CompletableFuture<Optional<Versioned<Order>>> waiting = new CompletableFuture<>();
    readsWaitingOnEtcd.add(waiting);
    waiting.whenComplete((v, e) -> readsWaitingOnEtcd.remove(waiting));
    try {
      foldedFirst(id, () -> strong.read(id, ReadConsistency.LINEARIZABLE))
          .thenApply(versioned(ReadConsistency.LINEARIZABLE))
          .whenComplete(
              (v, e) -> {
                if (e == null) {
                  waiting.complete(v);
                } else {
                  waiting.completeExceptionally(unwrap(e));
                }
              });
    } catch (RuntimeException e) {
      waiting.completeExceptionally(e); // a backend that threw instead of failing the stage
    }
    if (mode.get().phase() == Phase.DEGRADED) {
      degraded(); // it degraded between the routing and the registration above
    }
    return waiting;
  }

  private CompletionStage<Optional<Versioned<Order>>> serializable(OrderId id) {
    try {
      return foldedFirst(id, () -> strong.read(id, ReadConsistency.SERIALIZABLE))
          .thenApply(versioned(ReadConsistency.SERIALIZABLE));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e); // a corrupt backlog record, say
    }
  }

  private CompletionStage<Optional<Versioned<Order>>> local(OrderId id) {
    try {
      return CompletableFuture.completedFuture(
          local
              .read(id)
              .map(r -> versioned(ReadConsistency.LOCAL).apply(Optional.of(r)))
              .orElse(Optional.empty()));
    } catch (OrderStoreException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new StoreUnavailableException("local read failed: " + e, e));
    }
  }

  private static Function<Optional<OrderRecord>, Optional<Versioned<Order>>> versioned(
      ReadConsistency servedBy) {
    return r -> r.map(rec -> new Versioned<>(rec.toOrder(), rec.version(), servedBy));
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
