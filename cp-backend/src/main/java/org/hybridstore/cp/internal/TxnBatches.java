package org.hybridstore.cp.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Splits writes into etcd transactions that stay under etcd's limits: {@code --max-txn-ops}
 * (default 128 operations per transaction) and {@code --max-request-bytes} (default 1.5 MiB per
 * request). Pure; thread-safe.
 */
final class TxnBatches {
  /**
   * Writes per merge transaction. Each write is a nested transaction (compare, put, else-get), and
   * etcd 3.4 checks nested transactions against what is left of the 128-operation budget after the
   * outer level, so 64 keeps both levels well inside it.
   */
  static final int MAX_WRITES_PER_TXN = 64;
  /** Reads per transaction: plain range operations, etcd's default limit. */
  static final int MAX_READS_PER_TXN = 128;
  /** Value bytes per transaction: leaves room under etcd's 1.5 MiB request limit. */
  static final long MAX_BYTES_PER_TXN = 1024 * 1024;

  private TxnBatches() {}

  /**
   * Splits items, in order, into consecutive batches of at most {@code maxItems} items and at most
   * {@code maxBytes} bytes each. An item larger than {@code maxBytes} gets a batch of its own.
   *
   * @param items the items
   * @param size the size of an item in bytes
   * @param maxItems the most items per batch, at least 1
   * @param maxBytes the most bytes per batch
   * @param <T> the item type
   * @return the batches, none empty
   */
  static <T> List<List<T>> split(List<T> items, ToLongFunction<T> size, int maxItems, long maxBytes) {
    if (maxItems < 1) {
      throw new IllegalArgumentException("maxItems must be at least 1, was " + maxItems);
    }
    List<List<T>> batches = new ArrayList<>();
    List<T> current = new ArrayList<>();
    long bytes = 0;
    for (T item : items) {
      long s = size.applyAsLong(item);
      if (!current.isEmpty() && (current.size() >= maxItems || bytes + s > maxBytes)) {
        batches.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(item);
      bytes += s;
    }
    if (!current.isEmpty()) {
      batches.add(current);
    }
    return batches;
  }
}
