package org.hybridstore;

import org.jspecify.annotations.Nullable;

/**
 * A write whose outcome is unknown: it may have been applied or not (a timeout, a lost connection,
 * a leader change while the request was in flight). This is Jepsen's {@code :info}. Retrying with
 * the same op id is safe: a command whose op id the order already holds is not applied again.
 */
public final class IndeterminateWriteException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param cause the underlying failure
   */
  public IndeterminateWriteException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
