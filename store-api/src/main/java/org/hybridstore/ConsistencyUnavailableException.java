package org.hybridstore;

/**
 * The caller asked for a guarantee the store cannot give in its current mode: a linearizable read,
 * a write that demands {@link Acceptance#STRONG}, or a command that may never run degraded (such as
 * a refund) while the store is not {@link ConsistencyMode#STRONG}. Nothing was changed. Thrown
 * without a stack trace: it is an expected rejection on a hot path.
 */
public final class ConsistencyUnavailableException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  private final ConsistencyMode mode;

  /**
   * Creates the exception.
   *
   * @param mode the mode the store was in
   * @param message what was asked for
   */
  public ConsistencyUnavailableException(ConsistencyMode mode, String message) {
    super(message + " (store is " + mode + ")", false);
    this.mode = mode;
  }

  /** Returns the mode the store was in when it refused. */
  public ConsistencyMode mode() {
    return mode;
  }
}
