package org.hybridstore;

import org.jspecify.annotations.Nullable;

/**
 * The store could not serve the request and <em>definitely</em> did not apply it: for example a
 * read that timed out, or a write refused before it was sent. Safe to retry.
 */
public final class StoreUnavailableException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was unavailable
   * @param cause the underlying failure, if any
   */
  public StoreUnavailableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates the exception without a cause.
   *
   * @param message what was unavailable
   */
  public StoreUnavailableException(String message) {
    super(message);
  }
}
