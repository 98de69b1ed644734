package org.hybridstore;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One change of the order change feed ({@link OrderStore#changes(long, ChangeFeedOptions)}).
 *
 * <p>Kinds:
 *
 * <ul>
 *   <li>{@link Kind#COMMITTED}: a version of the order's etcd record, delivered in etcd revision
 *       order; {@link #revision()} is its mod revision. Changes that one etcd transaction wrote (a
 *       reconcile batch) share a revision and are delivered together.
 *   <li>{@link Kind#RESYNC}: the feed had to re-read etcd because the history it needed was
 *       compacted (or it started at revision 0): each order's record as of the compaction revision
 *       (the oldest revision etcd still has; for a start from 0, the current revision), once, in
 *       order id order, with its own mod revision, and only if the subscriber has not received that
 *       version yet. The versions between the last change delivered and the compaction revision
 *       that etcd no longer has are not delivered: each changed order's version at the compaction
 *       revision stands for them. Live {@code COMMITTED} changes follow, from the revision after
 *       the re-read's, so no version etcd still has is skipped.
 *   <li>{@link Kind#PROVISIONAL} (only when subscribed with {@link
 *       ChangeFeedOptions#provisional()}): the order as this node's replica holds it after one of
 *       its own provisional writes or after records received from a peer; not (yet) in etcd, so
 *       {@link #revision()} is 0. A preview: under backpressure only the latest provisional change
 *       per order is kept, and none when the buffer is full; each such write reaches the feed again
 *       as a committed change.
 * </ul>
 *
 * <p>No subscription delivers the same version (order id and revision) twice.
 *
 * @param kind what kind of change
 * @param orderId the order
 * @param revision the etcd mod revision of this version of the record; 0 for a provisional change
 * @param resumeRevision pass this as {@code fromRevision} to a new subscription to continue after
 *     this change without missing any: every later change is delivered to it (changes at or before
 *     this one may be delivered again)
 * @param order the order as of this change
 * @param opKeys the {@link OpId#key() keys} of the op ids this version of the record holds (the
 *     {@value OrderLimits#OP_ID_RETENTION} most recent writes of the order); see {@link
 *     #holds(OpId)}
 */
public record OrderChange(
    Kind kind,
    OrderId orderId,
    long revision,
    long resumeRevision,
    Order order,
    SortedSet<Long> opKeys) {
  /** What kind of change. */
  public enum Kind {
    /** A version committed in etcd, delivered in revision order. */
    COMMITTED,
    /**
     * An order's record as the feed re-read it after a compaction (or at a start from revision 0).
     */
    RESYNC,
    /** A provisional change in this node's replica, not (yet) in etcd. */
    PROVISIONAL
  }

  /** Checks the fields and copies the key set. */
  public OrderChange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(order, "order");
    opKeys = Collections.unmodifiableSortedSet(new TreeSet<>(opKeys));
  }

  /**
   * Returns whether this version of the record holds the op id (the write is part of it).
   *
   * @param opId the op id
   * @return whether its key is among {@link #opKeys()}
   */
  public boolean holds(OpId opId) {
    return opKeys.contains(opId.key());
  }
}
