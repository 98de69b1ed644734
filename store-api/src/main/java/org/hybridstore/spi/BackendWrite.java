package org.hybridstore.spi;

import org.hybridstore.model.OrderRecord;

/**
 * A write a backend committed.
 *
 * @param record the record after the command
 * @param duplicate whether the command's op id was already applied (nothing was written)
 * @param revision the backend's revision of the write (etcd's mod revision, or the local journal's
 *     sequence number)
 */
public record BackendWrite(OrderRecord record, boolean duplicate, long revision) {}
