package org.hybridstore;

/**
 * Size limits of orders and their parts. They keep every encoded record well below etcd's request
 * limit (1.5 MiB by default) so that a reconcile transaction can carry several records, and they
 * bound what a node holds in memory per order.
 *
 * <p>With these limits the largest possible record encodes to roughly 180 KiB; {@link
 * #MAX_RECORD_BYTES} is the final guard on the encoded size.
 */
public final class OrderLimits {
  /** Longest order id, op id or node id, in characters. */
  public static final int MAX_ID_LENGTH = 64;

  /** Longest customer reference, in characters. */
  public static final int MAX_CUSTOMER_LENGTH = 128;

  /** Longest SKU, in characters. */
  public static final int MAX_SKU_LENGTH = 64;

  /** Largest quantity of one line. */
  public static final int MAX_QUANTITY = 1_000_000;

  /** Distinct SKUs an order may ever have held (removed lines keep a tombstone). */
  public static final int MAX_LINES = 200;

  /** Longest attribute key, in characters. */
  public static final int MAX_ATTRIBUTE_KEY_LENGTH = 64;

  /** Longest attribute value, in characters. */
  public static final int MAX_ATTRIBUTE_VALUE_LENGTH = 1024;

  /** Distinct attribute keys an order may ever have held (removed ones keep a tombstone). */
  public static final int MAX_ATTRIBUTES = 64;

  /**
   * How many of the most recent op ids a record remembers for idempotency: a client may retry a
   * command safely (it counts once) while fewer than this many other commands were applied to the
   * same order after it.
   */
  public static final int OP_ID_RETENTION = 64;

  /** Largest encoded record, in bytes. */
  public static final int MAX_RECORD_BYTES = 256 * 1024;

  private OrderLimits() {}
}
