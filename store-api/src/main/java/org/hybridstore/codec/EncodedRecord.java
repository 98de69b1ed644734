package org.hybridstore.codec;

import java.util.Objects;
import org.hybridstore.model.OrderRecord;
import org.jspecify.annotations.Nullable;

/**
 * A record with its encoding, bytes that decode to it in the layout {@link RecordCodec#encode}
 * writes, so that a component handed both writes or compares the bytes instead of encoding the
 * record again.
 *
 * <p>Why: the reconciler reads a backlog record from the local journal, which holds it encoded, and
 * etcd is sent the same record encoded again when it lacks the order; the journal then encodes it a
 * third time to see that etcd's record is the one it holds. Handing the journal's bytes along
 * removes both encodings (decision 79).
 *
 * <p>Only {@link #of} (which encodes) and {@link RecordCodec#decodeEncoded} (which keeps bytes only
 * of the layout {@code encode} writes, and encodes anything else again) make one. Bytes that {@code
 * encode} wrote, such as the local journal's, are kept exactly; the layout check reads tokens and
 * skips the derived status field, so other bytes it keeps (other spacing, another status text)
 * still decode to the record. The array is shared, not copied: nobody may change it. Equal when the
 * records are.
 */
public final class EncodedRecord {
  private final OrderRecord record;
  private final byte[] encoded;

  EncodedRecord(OrderRecord record, byte[] encoded) {
    this.record = Objects.requireNonNull(record, "record");
    this.encoded = Objects.requireNonNull(encoded, "encoded");
  }

  /**
   * Encodes a record.
   *
   * @param record the record
   * @return the record with its encoding
   * @throws org.hybridstore.CommandRejectedException as {@link RecordCodec#encode} does
   */
  public static EncodedRecord of(OrderRecord record) {
    return new EncodedRecord(record, RecordCodec.encode(record));
  }

  /** Returns the record. */
  public OrderRecord record() {
    return record;
  }

  /** Returns the record's encoding; shared, do not change it. */
  public byte[] encoded() {
    return encoded;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof EncodedRecord e && e.record.equals(record);
  }

  @Override
  public int hashCode() {
    return record.hashCode();
  }

  @Override
  public String toString() {
    return "EncodedRecord[" + record.id() + ", " + encoded.length + " bytes]";
  }
}
