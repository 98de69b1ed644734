package org.hybridstore.switchover.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.hybridstore.Acceptance;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.ConsistencyUnavailableException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.Versioned;
import org.hybridstore.WriteOptions;
import org.hybridstore.WriteResult;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.StrongBackend;

/**
 * Routes each call by the current mode.
 *
 * <p>Writes while STRONG or RECONCILING go to etcd through the circuit breaker with the
 * strong-write deadline. If that attempt fails without a definite answer (indeterminate outcome,
 * unavailable, deadline, open breaker), the same command with the same op id is written
 * provisionally in the same call: reconciliation joins the two if the etcd attempt committed after
 * all, and the op id keeps it from counting twice. Commands that may not run degraded, and writes
 * that demand STRONG, fail instead. A rejection (bad command for this order) or corrupt stored data
 * never falls back.
 *
 * <p>Before an etcd write to an order that is in this node's backlog, the node folds its record into
 * etcd first, so the command is applied to everything the node knows (a provisional create, say),
 * not only to what etcd has seen.
 *
 * <p>Writes while DEGRADED go to the local journal at once.
 */
final class RequestRouter {
  private final StrongBackend strong;
  private final LocalBackend local;
  private final SwitchoverController controller;
  private final CircuitBreaker breaker;
  private final Duration strongDeadline;
  private final StoreMetrics metrics;
  private final ConflictTracker conflicts;

  RequestRouter(StrongBackend strong, LocalBackend local, SwitchoverController controller, CircuitBreaker breaker,
      Duration strongDeadline, StoreMetrics metrics, ConflictTracker conflicts) {
    this.strong = strong;
    this.local = local;
    this.controller = controller;
    this.breaker = breaker;
    this.strongDeadline = strongDeadline;
    this.metrics = metrics;
    this.conflicts = conflicts;
  }

  /** Whether a failure says nothing about etcd's health (the request itself was at fault). */
  static boolean isRequestFault(Throwable t) {
    Throwable c = unwrap(t);
    return c instanceof CommandRejectedException || c instanceof InvalidInputException
        || c instanceof CorruptDataException;
  }

  CompletionStage<WriteResult> apply(OrderCommand command, WriteOptions options) {
    long start = System.nanoTime();
    StoreMode mode = controller.mode();
    boolean strongOnly = options.requireStrong() || !command.allowedDegraded();
    if (mode.phase() == Phase.DEGRADED || mode.phase() == Phase.CLOSED) {
      if (strongOnly) {
        return CompletableFuture.failedFuture(new ConsistencyUnavailableException(mode.phase().mode(),
            strongReason(command, options)));
      }
      return provisional(command, start);
    }
    CompletableFuture<WriteResult> result = new CompletableFuture<>();
    CompletionStage<BackendWrite> attempt;
    try {
      attempt = breaker.executeCompletionStage(
          () -> strongApply(command).toCompletableFuture().orTimeout(strongDeadline.toMillis(), TimeUnit.MILLISECONDS));
    } catch (CallNotPermittedException open) {
      attempt = CompletableFuture.failedFuture(open);
    }
    attempt.whenComplete((written, error) -> {
      if (error == null) {
        result.complete(acknowledge(command, written, Acceptance.STRONG, controller.mode(), start));
        // Keep the local replica close behind etcd for LOCAL reads; the watch feed does the same.
        local.absorb(List.of(written.record()), local.mirrorRevision());
        return;
      }
      Throwable cause = unwrap(error);
      if (isRequestFault(cause)) {
        result.completeExceptionally(cause);
      } else if (strongOnly) {
        result.completeExceptionally(strongFailure(cause, command, options));
      } else {
        metrics.fallback();
        provisional(command, start).whenComplete((w, e) -> {
          if (e == null) {
            result.complete(w);
          } else {
            result.completeExceptionally(unwrap(e));
          }
        });
      }
    });
    return result;
  }

  private CompletionStage<BackendWrite> strongApply(OrderCommand command) {
    Optional<OrderRecord> dirty = local.inBacklog(command.orderId()) ? local.read(command.orderId()) : Optional.empty();
    if (dirty.isEmpty()) {
      return strong.apply(command);
    }
    return strong.mergeAll(List.of(dirty.get()))
        .thenCompose(merged -> local.absorb(merged.stored(), local.mirrorRevision()))
        .thenCompose(v -> strong.apply(command));
  }

  private CompletionStage<WriteResult> provisional(OrderCommand command, long start) {
    return local.apply(command).thenApply(w -> acknowledge(command, w, Acceptance.PROVISIONAL, controller.mode(), start));
  }

  private WriteResult acknowledge(OrderCommand command, BackendWrite written, Acceptance acceptance, StoreMode mode, long start) {
    conflicts.observe(written.record());
    if (!written.duplicate()) {
      metrics.write(acceptance, System.nanoTime() - start);
    }
    return new WriteResult(written.record().toOrder(), command.opId(), acceptance, mode.phase().mode(), mode.epoch(),
        written.duplicate());
  }

  private static String strongReason(OrderCommand command, WriteOptions options) {
    return options.requireStrong() ? "the write demands STRONG"
        : command.getClass().getSimpleName() + " never runs degraded";
  }

  private static OrderStoreException strongFailure(Throwable cause, OrderCommand command, WriteOptions options) {
    if (cause instanceof CallNotPermittedException) {
      return new ConsistencyUnavailableException(ConsistencyMode.STRONG,
          strongReason(command, options) + " and the circuit breaker on etcd writes is open");
    }
    if (cause instanceof TimeoutException) {
      return new IndeterminateWriteException("etcd did not answer within the strong-write deadline", cause);
    }
    if (cause instanceof OrderStoreException e) {
      return e;
    }
    return new IndeterminateWriteException("etcd write failed: " + cause, cause);
  }

  CompletionStage<Optional<Versioned<Order>>> get(OrderId id, ReadConsistency consistency) {
    StoreMode mode = controller.mode();
    switch (consistency) {
      case LINEARIZABLE -> {
        if (mode.phase() != Phase.STRONG) {
          return CompletableFuture.failedFuture(new ConsistencyUnavailableException(mode.phase().mode(),
              "a linearizable read needs etcd"));
        }
        return strong.read(id, ReadConsistency.LINEARIZABLE).thenApply(versioned(ReadConsistency.LINEARIZABLE));
      }
      case SERIALIZABLE -> {
        if (mode.phase() == Phase.STRONG) {
          return strong.read(id, ReadConsistency.SERIALIZABLE).thenApply(versioned(ReadConsistency.SERIALIZABLE));
        }
        return local(id);
      }
      case LOCAL -> {
        return local(id);
      }
    }
    throw new AssertionError(consistency);
  }

  private CompletionStage<Optional<Versioned<Order>>> local(OrderId id) {
    try {
      return CompletableFuture.completedFuture(local.read(id).map(r -> versioned(ReadConsistency.LOCAL).apply(Optional.of(r)))
          .orElse(Optional.empty()));
    } catch (OrderStoreException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("local read failed: " + e, e));
    }
  }

  private static Function<Optional<OrderRecord>, Optional<Versioned<Order>>> versioned(ReadConsistency servedBy) {
    return r -> r.map(rec -> new Versioned<>(rec.toOrder(), rec.version(), servedBy));
  }

  static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
