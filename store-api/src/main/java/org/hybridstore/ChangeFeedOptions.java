package org.hybridstore;

/**
 * Options of {@link OrderStore#changes(long, ChangeFeedOptions)}; immutable.
 *
 * @param provisional whether to deliver provisional changes too: this node's provisional writes and
 *     records received from its peers, marked {@link OrderChange.Kind#PROVISIONAL} (a preview: each
 *     such write reaches the feed again as a committed change once it is in etcd)
 * @param bufferSize how many changes the feed holds for a subscriber that has not requested them,
 *     {@value #MIN_BUFFER_SIZE} to {@value #MAX_BUFFER_SIZE}; beyond that it stops reading etcd
 *     until the subscriber catches up (plus at most one etcd transaction's changes, which are
 *     delivered whole)
 * @throws InvalidInputException if the buffer size is out of range
 */
public record ChangeFeedOptions(boolean provisional, int bufferSize) {
  /** The smallest buffer. */
  public static final int MIN_BUFFER_SIZE = 2;

  /** The largest buffer. */
  public static final int MAX_BUFFER_SIZE = 65_536;

  /** The default buffer: 1024 changes. */
  public static final int DEFAULT_BUFFER_SIZE = 1024;

  /** Committed changes only, with the default buffer. */
  public static final ChangeFeedOptions DEFAULT = new ChangeFeedOptions(false, DEFAULT_BUFFER_SIZE);

  /** Validates the buffer size. */
  public ChangeFeedOptions {
    InvalidInputException.check(
        bufferSize >= MIN_BUFFER_SIZE && bufferSize <= MAX_BUFFER_SIZE,
        "bufferSize",
        "must be " + MIN_BUFFER_SIZE + " to " + MAX_BUFFER_SIZE + ", was " + bufferSize);
  }

  /**
   * Returns these options with provisional changes on or off.
   *
   * @param on whether to deliver provisional changes
   * @return the options
   */
  public ChangeFeedOptions withProvisional(boolean on) {
    return new ChangeFeedOptions(on, bufferSize);
  }

  /**
   * Returns these options with another buffer size.
   *
   * @param size the buffer size
   * @return the options
   * @throws InvalidInputException if the size is out of range
   */
  public ChangeFeedOptions withBufferSize(int size) {
    return new ChangeFeedOptions(provisional, size);
  }
}
