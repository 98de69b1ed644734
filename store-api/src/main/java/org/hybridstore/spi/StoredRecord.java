package org.hybridstore.spi;

import java.util.Objects;
import org.hybridstore.model.OrderRecord;

/**
 * A record as the strong backend stores it, with the backend's revision of that version: for etcd,
 * the key's mod revision (the revision of the transaction that wrote this version).
 *
 * @param record the record
 * @param modRevision the revision that wrote this version
 */
public record StoredRecord(OrderRecord record, long modRevision) {
  /** Checks the fields. */
  public StoredRecord {
    Objects.requireNonNull(record, "record");
  }
}
