package org.hybridstore;

import org.jspecify.annotations.Nullable;

/**
 * Root of every exception the store throws. Unchecked: a caller that wants to react to one kind
 * catches that subclass; everything else propagates.
 *
 * <p>The subclasses split failures by what the caller may do next:
 *
 * <ul>
 *   <li>{@link InvalidInputException} and {@link CommandRejectedException}: the request itself is
 *       wrong or not allowed now; nothing was changed; retrying the same request is pointless.
 *   <li>{@link StoreUnavailableException}: definitely not applied; safe to retry.
 *   <li>{@link IndeterminateWriteException}: may or may not have been applied (Jepsen's {@code
 *       :info}); retry with the same op id, which makes the retry idempotent.
 *   <li>{@link ConsistencyUnavailableException}: the requested guarantee cannot be given in the
 *       current mode.
 *   <li>{@link StoreClosedException}: the store was closed.
 *   <li>{@link CorruptDataException}: stored or received bytes could not be decoded.
 *   <li>{@link ClockSkewException}: a remote clock stamp was too far ahead and was refused.
 * </ul>
 */
public abstract class OrderStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected OrderStoreException(String message) {
    super(message);
  }

  protected OrderStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * A constructor for exceptions thrown often on a hot path whose cause is already known from the
   * message: it skips the stack trace.
   */
  protected OrderStoreException(String message, boolean writableStackTrace) {
    super(message, null, false, writableStackTrace);
  }
}
