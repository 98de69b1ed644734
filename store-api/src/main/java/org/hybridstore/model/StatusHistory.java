package org.hybridstore.model;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OrderStatus;

/**
 * Every status an order reached on any replica: a grow-only set, merged by union. The current
 * status and the conflict are functions of the set, which is what makes the status merge a join
 * even when replicas took incompatible transitions:
 *
 * <ul>
 *   <li>{@link #current()} is the highest reached status in {@link OrderStatus}'s declaration
 *       order, which extends the status graph, so it is the least upper bound when the reached
 *       statuses lie on one path, and a deterministic winner when they do not;
 *   <li>{@link #conflicting()} is every reached status that lies on a separate branch from another
 *       reached status (SHIPPED and CANCELLED, say). Once recorded it stays recorded.
 * </ul>
 *
 * @param reached the statuses reached, never empty
 */
public record StatusHistory(Set<OrderStatus> reached) {
  /** Copies and validates the set. */
  public StatusHistory {
    if (reached.isEmpty()) {
      throw new InvalidInputException("statuses", "an order has at least one status");
    }
    reached = Collections.unmodifiableSet(EnumSet.copyOf(reached));
  }

  /** The history of a new order. */
  public static StatusHistory created() {
    return new StatusHistory(EnumSet.of(OrderStatus.CREATED));
  }

  /** Returns the current status. */
  public OrderStatus current() {
    OrderStatus max = OrderStatus.CREATED;
    for (OrderStatus s : reached) {
      max = s.ordinal() > max.ordinal() ? s : max;
    }
    return max;
  }

  /** Returns the reached statuses that are concurrent with another reached status. */
  public Set<OrderStatus> conflicting() {
    EnumSet<OrderStatus> out = EnumSet.noneOf(OrderStatus.class);
    for (OrderStatus a : reached) {
      for (OrderStatus b : reached) {
        if (a.isConcurrentWith(b)) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /**
   * Returns the history with one more status.
   *
   * @param status the status reached
   * @return the new history
   */
  public StatusHistory with(OrderStatus status) {
    EnumSet<OrderStatus> next = EnumSet.copyOf(reached);
    next.add(status);
    return new StatusHistory(next);
  }

  /**
   * Returns the union of both histories.
   *
   * @param other the other replica's history
   * @return the join
   */
  public StatusHistory merge(StatusHistory other) {
    EnumSet<OrderStatus> next = EnumSet.copyOf(reached);
    next.addAll(other.reached);
    return new StatusHistory(next);
  }
}
