package org.hybridstore.spi;

import org.hybridstore.model.OrderRecord;

/**
 * A write a backend committed.
 *
 * @param record the record after the command
 * @param duplicate whether the command's op id was already applied (nothing was written)
 * @param revision the backend's revision of the write (etcd's mod revision, or the local journal's
 *     sequence number); for a write that was not a duplicate, the first version that holds it
 * @param revisionIsFirst whether {@code revision} is certainly that first version ({@code false}
 *     only when the backend could not read back far enough to prove it; then it is a later version
 *     that holds the write)
 */
public record BackendWrite(
    OrderRecord record, boolean duplicate, long revision, boolean revisionIsFirst) {
  /**
   * A write whose revision is its own (the first version that holds it).
   *
   * @param record the record after the command
   * @param duplicate whether the command's op id was already applied
   * @param revision the backend's revision of the write
   */
  public BackendWrite(OrderRecord record, boolean duplicate, long revision) {
    this(record, duplicate, revision, true);
  }
}
