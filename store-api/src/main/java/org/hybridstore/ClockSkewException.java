package org.hybridstore;

/**
 * A clock stamp received from another node is further ahead of this node's clock than the
 * configured maximum offset. The stamp (and the data that carried it) is refused, so that one node
 * with a runaway clock cannot win every last-writer-wins decision from then on.
 */
public final class ClockSkewException extends OrderStoreException {
  private static final long serialVersionUID = 1L;

  private final long aheadMillis;

  /**
   * Creates the exception.
   *
   * @param aheadMillis how far the remote stamp was ahead of the local physical clock
   * @param maxOffsetMillis the configured maximum
   */
  public ClockSkewException(long aheadMillis, long maxOffsetMillis) {
    super(
        "remote clock stamp is "
            + aheadMillis
            + " ms ahead of the local clock (max "
            + maxOffsetMillis
            + " ms)",
        false);
    this.aheadMillis = aheadMillis;
  }

  /** Returns how far the refused stamp was ahead of the local clock, in milliseconds. */
  public long aheadMillis() {
    return aheadMillis;
  }
}
