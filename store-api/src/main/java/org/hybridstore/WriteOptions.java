package org.hybridstore;

/**
 * Per-write options; immutable.
 *
 * @param requireStrong if {@code true} the write must be committed in etcd: it fails fast with
 *     {@link ConsistencyUnavailableException} instead of being accepted provisionally
 */
public record WriteOptions(boolean requireStrong) {
  /** The defaults: provisional acceptance allowed. */
  public static final WriteOptions DEFAULT = new WriteOptions(false);

  /** A write that must be committed in etcd. */
  public static final WriteOptions STRONG_ONLY = new WriteOptions(true);
}
