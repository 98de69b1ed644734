/**
 * The local journal: the only package that imports MapDB. The source of truth is an append-only,
 * checksummed, fsync'd log ({@code WriteAheadLog}); a MapDB file without MapDB's own write-ahead
 * log is an index of it (the replica, the reconcile backlog, a few counters) that is rebuilt from
 * the log after any unclean stop; the log is compacted into a new generation when dead entries pile
 * up. Deals in strings, bytes and longs only; the record codec and merge rules live above it. See
 * docs/local-journal.md.
 */
@NullMarked
package org.hybridstore.ap.internal.storage;

import org.jspecify.annotations.NullMarked;
