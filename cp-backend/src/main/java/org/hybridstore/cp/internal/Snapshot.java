package org.hybridstore.cp.internal;

import org.hybridstore.model.OrderRecord;
import org.jspecify.annotations.Nullable;

/**
 * A record as read, with the revision a write must compare against.
 *
 * @param record the record, or null if the key is absent
 * @param modRevision its mod revision (0 if absent)
 * @param authoritative whether it came from a linearizable read or a transaction (not from the
 *     revision cache or a serializable read, which may be stale)
 */
record Snapshot(@Nullable OrderRecord record, long modRevision, boolean authoritative) {}
