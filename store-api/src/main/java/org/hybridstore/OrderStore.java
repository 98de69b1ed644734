package org.hybridstore;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * An order store. Asynchronous: every call returns at once and completes its stage later, on a
 * thread of the store's executor; {@link #sync()} is the blocking view.
 *
 * <p>Failed stages carry an {@link OrderStoreException} subclass that says what the caller may do
 * next (see there). Implementations are thread-safe.
 */
public interface OrderStore extends AutoCloseable {
  /**
   * Applies a command with {@link WriteOptions#DEFAULT}.
   *
   * @param command the command
   * @return the acknowledged write
   */
  default CompletionStage<WriteResult> apply(OrderCommand command) {
    return apply(command, WriteOptions.DEFAULT);
  }

  /**
   * Applies a command. The stage fails with {@link CommandRejectedException} if the command cannot
   * be applied to the order as it is, {@link ConsistencyUnavailableException} if the options or the
   * command demand a guarantee the current mode cannot give, {@link IndeterminateWriteException}
   * if the outcome is unknown, {@link StoreUnavailableException} if it definitely was not applied.
   *
   * @param command the command
   * @param options per-write options
   * @return the acknowledged write
   */
  CompletionStage<WriteResult> apply(OrderCommand command, WriteOptions options);

  /**
   * Reads an order.
   *
   * @param id the order
   * @param consistency what the read must promise
   * @return the order, or empty if there is none
   */
  CompletionStage<Optional<Versioned<Order>>> get(OrderId id, ReadConsistency consistency);

  /** Returns the store's current consistency mode. */
  ConsistencyMode mode();

  /**
   * Returns a blocking view of this store whose calls wait at most {@code timeout}.
   *
   * @param timeout how long each blocking call waits
   * @return the view
   */
  default SyncOrderStore sync(Duration timeout) {
    return new BlockingOrderStore(this, timeout);
  }

  /** Returns a blocking view of this store whose calls wait at most 30 seconds. */
  default SyncOrderStore sync() {
    return sync(BlockingOrderStore.DEFAULT_TIMEOUT);
  }

  /** Stops the store and releases its resources; calls made afterwards fail with {@link StoreClosedException}. */
  @Override
  void close();
}
