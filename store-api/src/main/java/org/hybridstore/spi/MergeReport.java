package org.hybridstore.spi;

import java.util.List;
import org.hybridstore.model.OrderRecord;

/**
 * The result of merging records into the strong backend.
 *
 * @param stored each record as the backend holds it afterwards (the join of the given record and
 *     what was stored), in the order given
 * @param written how many records needed a write (the others were already included)
 * @param retries how many compare-and-swap races were lost (a record changed between the read and
 *     the write) and retried; the same events count in {@link StrongBackendCounters#lostCasRaces()}
 * @param transactions how many write transactions the merge sent (batches plus per-record retries
 *     after lost races)
 */
public record MergeReport(List<OrderRecord> stored, int written, int retries, int transactions) {
  /** Copies the list. */
  public MergeReport {
    stored = List.copyOf(stored);
  }

  /**
   * A report without a transaction count (the form of the first version).
   *
   * @param stored the records as stored
   * @param written records written
   * @param retries lost races retried
   */
  public MergeReport(List<OrderRecord> stored, int written, int retries) {
    this(stored, written, retries, 0);
  }
}
