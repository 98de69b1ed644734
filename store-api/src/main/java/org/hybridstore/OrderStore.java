package org.hybridstore;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

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
   * command demand a guarantee the current mode cannot give, {@link IndeterminateWriteException} if
   * the outcome is unknown, {@link StoreUnavailableException} if it definitely was not applied.
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

  /**
   * Returns the confirmation of a write by its op id: the same answer as {@link
   * WriteResult#confirmation()} (see {@link Confirmation}), for any op id within the retention
   * bound (the {@value OrderLimits#OP_ID_RETENTION} most recent writes of its order), whichever
   * node accepted the write, also after this node restarted. The node finds the order through its
   * own replica; if etcd holds the op id the stage completes after a linearizable etcd read (and
   * reads of the key's earlier versions, see {@link Confirmation#revision()}); if etcd does not
   * hold it yet, or cannot be reached, the stage completes when the write gets confirmed.
   *
   * <p>The stage fails with {@link UnknownOperationException} if this node knows no write with the
   * op id (never applied, older than the retention bound, or not replicated to this node yet), or
   * with {@link StoreClosedException}.
   *
   * @param opId the write's op id
   * @return completes with the confirmation
   */
  CompletionStage<Confirmation> confirmation(OpId opId);

  /**
   * Returns the order change feed from a revision with {@link ChangeFeedOptions#DEFAULT}.
   *
   * @param fromRevision the last etcd revision the caller has seen (0 for every order first)
   * @return the feed
   * @see #changes(long, ChangeFeedOptions)
   */
  default Flow.Publisher<OrderChange> changes(long fromRevision) {
    return changes(fromRevision, ChangeFeedOptions.DEFAULT);
  }

  /**
   * Returns the order change feed: every change committed in etcd after {@code fromRevision}, in
   * etcd revision order, each with its own mod revision ({@link OrderChange}); with {@code
   * fromRevision = 0}, each order's current record first. Each subscriber gets its own feed with
   * real backpressure: changes are delivered only as requested, at most {@link
   * ChangeFeedOptions#bufferSize()} wait for a slow subscriber, and beyond that the feed stops
   * reading etcd and resumes from the last change it buffered when the subscriber requests more.
   * The feed survives etcd member restarts and elections; if etcd compacted the history it needs,
   * it re-reads at the compaction revision (see {@link OrderChange.Kind#RESYNC}). It never delivers
   * a version twice and never skips a version etcd still has.
   *
   * <p>The feed signals {@code onError} with {@link StoreClosedException} when the store closes,
   * and with {@link IllegalArgumentException} on a request of less than one change (Reactive
   * Streams rule 3.9). It never completes otherwise.
   *
   * @param fromRevision the last etcd revision the caller has seen (0 for every order first)
   * @param options what to deliver, and the buffer
   * @return the feed; each subscription opens its own etcd watch
   * @throws InvalidInputException if {@code fromRevision} is negative
   */
  Flow.Publisher<OrderChange> changes(long fromRevision, ChangeFeedOptions options);

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

  /**
   * Stops the store and releases its resources; calls made afterwards fail with {@link
   * StoreClosedException}.
   */
  @Override
  void close();
}
