package org.hybridstore;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The blocking view: a thin layer whose only logic is {@link #complete}. */
final class BlockingOrderStore implements SyncOrderStore {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final OrderStore store;
  private final Duration timeout;

  BlockingOrderStore(OrderStore store, Duration timeout) {
    InvalidInputException.check(
        !timeout.isNegative() && !timeout.isZero(), "timeout", "must be positive");
    this.store = store;
    this.timeout = timeout;
  }

  @Override
  public WriteResult apply(OrderCommand command) {
    return complete(store.apply(command), true);
  }

  @Override
  public WriteResult apply(OrderCommand command, WriteOptions options) {
    return complete(store.apply(command, options), true);
  }

  @Override
  public Optional<Versioned<Order>> get(OrderId id, ReadConsistency consistency) {
    return complete(store.get(id, consistency), false);
  }

  @Override
  public Confirmation confirmation(OpId opId) {
    return complete(store.confirmation(opId), false);
  }

  @Override
  public OrderStore async() {
    return store;
  }

  /** Waits, and turns timeouts, interrupts and wrapped failures into the store's exceptions. */
  private <T> T complete(CompletionStage<T> stage, boolean write) {
    try {
      return stage.toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw notFinished("interrupted while waiting", e, write);
    } catch (TimeoutException e) {
      throw notFinished("no result within " + timeout, e, write);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new StoreUnavailableException("store call failed: " + cause, cause);
    }
  }

  private static OrderStoreException notFinished(String what, Exception e, boolean write) {
    return write
        ? new IndeterminateWriteException(what + "; the write may still be applied", e)
        : new StoreUnavailableException(what, e);
  }
}
