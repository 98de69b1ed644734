package org.hybridstore;

import java.util.Optional;

/**
 * The blocking view of an {@link OrderStore}: the same calls, waiting for the result. A call that
 * waits longer than the view's timeout throws {@link StoreUnavailableException} for a read and
 * {@link IndeterminateWriteException} for a write (it may still complete). An interrupt restores
 * the thread's interrupt flag and throws the same way.
 */
public interface SyncOrderStore {
  /**
   * Applies a command and waits.
   *
   * @param command the command
   * @return the acknowledged write
   * @see OrderStore#apply(OrderCommand)
   */
  WriteResult apply(OrderCommand command);

  /**
   * Applies a command with options and waits.
   *
   * @param command the command
   * @param options per-write options
   * @return the acknowledged write
   * @see OrderStore#apply(OrderCommand, WriteOptions)
   */
  WriteResult apply(OrderCommand command, WriteOptions options);

  /**
   * Reads an order and waits.
   *
   * @param id the order
   * @param consistency what the read must promise
   * @return the order, or empty
   * @see OrderStore#get(OrderId, ReadConsistency)
   */
  Optional<Versioned<Order>> get(OrderId id, ReadConsistency consistency);

  /**
   * Waits for the confirmation of a write. Throws {@link StoreUnavailableException} if it does not
   * complete within the view's timeout (etcd does not hold the write yet, or cannot be asked; ask
   * again later).
   *
   * @param opId the write's op id
   * @return the confirmation
   * @throws UnknownOperationException if the node knows no write with this op id
   * @see OrderStore#confirmation(OpId)
   */
  Confirmation confirmation(OpId opId);

  /** Returns the asynchronous store this view blocks on. */
  OrderStore async();
}
