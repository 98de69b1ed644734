/**
 * The local journal file: the only package that imports MapDB. One MapDB file per node with the
 * write-ahead log on, holding the replica, the reconcile backlog and a few counters; rotated to a
 * fresh file when free space piles up. Deals in strings, bytes and longs only; the record codec and
 * merge rules live above it.
 */
@NullMarked
package org.hybridstore.ap.internal.storage;

import org.jspecify.annotations.NullMarked;
