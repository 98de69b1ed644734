package org.hybridstore.spi;

/**
 * Running totals of a strong backend since it was created; they only grow. A store can turn them
 * into rates (difference between two readings) for metrics and for its mode decisions.
 *
 * @param lostCasRaces compare-and-swap writes (commands and merges) that lost a race: the record
 *     changed between the snapshot and the write, the write was not applied and was retried on the
 *     current record (a high rate means hot keys or several writers on the same orders)
 * @param writeTransactions write transactions sent to etcd (a group commit of several writes counts
 *     once)
 * @param writtenRecords records committed by those transactions
 * @param rerouted calls the backend sent again to another member because the first one did not
 *     serve (no leader, unreachable, or stalled)
 */
public record StrongBackendCounters(
    long lostCasRaces, long writeTransactions, long writtenRecords, long rerouted) {
  /** All zero: for backends that count nothing. */
  public static final StrongBackendCounters NONE = new StrongBackendCounters(0, 0, 0, 0);
}
