package org.hybridstore;

import java.util.Objects;
import java.util.Optional;

/**
 * The fate of one write: etcd holds it. Every acknowledged write gets one ({@link
 * WriteResult#confirmation()}, {@link OrderStore#confirmation(OpId)}); a {@code STRONG} write at
 * once, a {@code PROVISIONAL} one when this node learns that etcd's record of the order holds the
 * write's op id (its own reconcile folded the write in, or the etcd change feed brought the record
 * a peer folded in).
 *
 * <p><b>The revision.</b> {@link #revision()} is the mod revision of the first version of the
 * order's etcd key whose record holds the op id: the etcd commit that brought the write into etcd
 * (for a {@code STRONG} write, the revision of its own compare-and-swap). It is found by reading
 * the key's earlier versions from etcd ({@code get key --rev=R-1}) until one does not hold the op
 * id, so it is the same on every node and after restarts. Reading an earlier version can fail only
 * if etcd compacted that history; then {@link #firstRevision()} is {@code false} and {@link
 * #revision()} is the oldest version still readable whose record holds the op id (a later revision
 * than the first; the write certainly was in etcd at it). {@link #order()} is the order as that
 * version of the record holds it.
 *
 * <p><b>Whether the merge changed the outcome.</b> {@link #outcomeChanged()} is {@code true} when
 *
 * <ul>
 *   <li>etcd's order at the revision holds a status conflict (see {@link
 *       Order#conflictingStatuses()}) that the acknowledged order did not hold: a concurrent write
 *       on another branch of the status graph met this one, and the order's status is the
 *       deterministic winner; or
 *   <li>etcd's status at the revision is neither the acknowledged status nor after it in the status
 *       graph.
 * </ul>
 *
 * When the acknowledged outcome is unknown ({@link #acknowledgedStatus()} empty: the write was
 * acknowledged by another node, or before this node restarted), it is {@code true} exactly when
 * etcd's order at the revision holds a status conflict. A {@code STRONG} write is never changed by
 * a merge: its acknowledgement is etcd's record at its revision. Other fields (lines, attributes)
 * join last-writer-wins and are not compared: {@link #order()} shows what etcd holds.
 *
 * @param opId the write's op id
 * @param orderId the order it wrote
 * @param revision the etcd mod revision of the first version of the order's key that holds the op
 *     id (see above)
 * @param firstRevision whether {@code revision} is certainly that first version; {@code false} only
 *     when etcd compacted the history before it (then it is the oldest readable version holding it)
 * @param order the order as etcd holds it at {@code revision}
 * @param acknowledgedStatus the status the write's acknowledgement reported, when this node knows
 *     it (it acknowledged the write and has not restarted since)
 * @param outcomeChanged whether the merge into etcd changed the outcome (see above)
 */
public record Confirmation(
    OpId opId,
    OrderId orderId,
    long revision,
    boolean firstRevision,
    Order order,
    Optional<OrderStatus> acknowledgedStatus,
    boolean outcomeChanged) {
  /** Checks the fields. */
  public Confirmation {
    Objects.requireNonNull(opId, "opId");
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(order, "order");
    Objects.requireNonNull(acknowledgedStatus, "acknowledgedStatus");
    if (revision <= 0) {
      throw new InvalidInputException("revision", "must be positive, was " + revision);
    }
    if (!order.id().equals(orderId)) {
      throw new InvalidInputException("order", "is order " + order.id() + ", not " + orderId);
    }
  }

  /**
   * Applies the rule of {@link #outcomeChanged()}.
   *
   * @param inEtcd the order as etcd holds it at the confirming revision
   * @param acknowledged the order the acknowledgement reported, or empty if unknown
   * @return whether the merge changed the outcome
   */
  public static boolean outcomeChanged(Order inEtcd, Optional<Order> acknowledged) {
    return acknowledged.isEmpty()
        ? inEtcd.hasConflict()
        : outcomeChanged(
            inEtcd, acknowledged.get().status(), acknowledged.get().conflictingStatuses());
  }

  /**
   * Applies the rule of {@link #outcomeChanged()} to a known acknowledgement, given by its status
   * and its conflicting statuses.
   *
   * @param inEtcd the order as etcd holds it at the confirming revision
   * @param acknowledgedStatus the status the acknowledgement reported
   * @param acknowledgedConflicts the conflicting statuses the acknowledgement reported (often none)
   * @return whether the merge changed the outcome
   */
  public static boolean outcomeChanged(
      Order inEtcd,
      OrderStatus acknowledgedStatus,
      java.util.Set<OrderStatus> acknowledgedConflicts) {
    boolean newConflict = !acknowledgedConflicts.containsAll(inEtcd.conflictingStatuses());
    boolean elsewhere =
        inEtcd.status() != acknowledgedStatus && !inEtcd.status().isAfter(acknowledgedStatus);
    return newConflict || elsewhere;
  }
}
