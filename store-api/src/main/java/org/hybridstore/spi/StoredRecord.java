package org.hybridstore.spi;

import java.util.Objects;
import org.hybridstore.model.OrderRecord;
import org.jspecify.annotations.Nullable;

/**
 * A record as the strong backend stores it, with the backend's revision of that version: for etcd,
 * the key's mod revision (the revision of the transaction that wrote this version).
 *
 * <p>{@code encoded}, when the backend has it at hand, is the value as the backend stores it, the
 * bytes {@code record} was decoded from. A replica holding exactly these bytes for the order holds
 * exactly {@code record} (decoding is a function), so {@link LocalBackend#absorbStored} can tell
 * without encoding the record. It is a cache of the record's stored form, not part of the value:
 * {@link #equals} and {@link #hashCode} ignore it. The array is shared, not copied: nobody may
 * change it.
 *
 * @param record the record
 * @param modRevision the revision that wrote this version
 * @param encoded the stored bytes {@code record} was decoded from, or null if not at hand
 */
@SuppressWarnings("ArrayRecordComponent") // a cache of the stored form, left out of equals
public record StoredRecord(OrderRecord record, long modRevision, byte @Nullable [] encoded) {
  /** Checks the fields. */
  public StoredRecord {
    Objects.requireNonNull(record, "record");
  }

  /**
   * A stored record whose stored bytes are not at hand.
   *
   * @param record the record
   * @param modRevision the revision that wrote this version
   */
  public StoredRecord(OrderRecord record, long modRevision) {
    this(record, modRevision, null);
  }

  /** Equal when the records and revisions are; the stored bytes are not compared. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof StoredRecord s && s.modRevision == modRevision && s.record.equals(record);
  }

  @Override
  public int hashCode() {
    return 31 * record.hashCode() + Long.hashCode(modRevision);
  }

  @Override
  public String toString() {
    return "StoredRecord[record=" + record + ", modRevision=" + modRevision + "]";
  }
}
