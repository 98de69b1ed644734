package org.hybridstore.spi;

import java.util.List;
import org.hybridstore.model.OrderRecord;

/**
 * The result of merging records into the strong backend.
 *
 * @param stored each record as the backend holds it afterwards (the join of the given record and
 *     what was stored)
 * @param written how many records needed a write (the others were already included)
 * @param retries how many compare-and-swap races were lost and retried
 */
public record MergeReport(List<OrderRecord> stored, int written, int retries) {
  /** Copies the list. */
  public MergeReport {
    stored = List.copyOf(stored);
  }
}
