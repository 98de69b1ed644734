package org.hybridstore;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The life cycle of an order, a directed acyclic graph:
 *
 * <pre>
 *   CREATED ──► PAID ──► FULFILLING ──► SHIPPED ──► DELIVERED ──► REFUNDED
 *      │          │  │         │                                    ▲
 *      │          │  └─────────┼────────────────────────────────────┤
 *      ▼          ▼            ▼                                    │
 *   CANCELLED ◄───┴────────────┘ ───────────────────────────────────┘
 * </pre>
 *
 * <p>Edges: CREATED→PAID, CREATED→CANCELLED, PAID→FULFILLING, PAID→CANCELLED, PAID→REFUNDED,
 * FULFILLING→SHIPPED, FULFILLING→CANCELLED, SHIPPED→DELIVERED, DELIVERED→REFUNDED,
 * CANCELLED→REFUNDED. A status is <em>after</em> another when a path leads from the other to it.
 *
 * <p>The constants are declared in a fixed total order that extends the graph (every edge goes from
 * a lower to a higher ordinal). When replicas merge, the order's status is the highest status any
 * replica reached in that order; two statuses on separate branches (SHIPPED and CANCELLED, say) are
 * a conflict that the record keeps, and CANCELLED wins deterministically.
 */
public enum OrderStatus {
  /** Placed, not paid. Lines can change only in this status. */
  CREATED,
  /** Payment received. */
  PAID,
  /** Being picked and packed. */
  FULFILLING,
  /** Handed to the carrier. */
  SHIPPED,
  /** Received by the customer. */
  DELIVERED,
  /** Cancelled before shipping. */
  CANCELLED,
  /** Money returned; terminal. Never applied while degraded. */
  REFUNDED;

  private static final Map<OrderStatus, Set<OrderStatus>> SUCCESSORS =
      new EnumMap<>(OrderStatus.class);
  private static final Map<OrderStatus, Set<OrderStatus>> REACHABLE =
      new EnumMap<>(OrderStatus.class);

  static {
    SUCCESSORS.put(CREATED, EnumSet.of(PAID, CANCELLED));
    SUCCESSORS.put(PAID, EnumSet.of(FULFILLING, CANCELLED, REFUNDED));
    SUCCESSORS.put(FULFILLING, EnumSet.of(SHIPPED, CANCELLED));
    SUCCESSORS.put(SHIPPED, EnumSet.of(DELIVERED));
    SUCCESSORS.put(DELIVERED, EnumSet.of(REFUNDED));
    SUCCESSORS.put(CANCELLED, EnumSet.of(REFUNDED));
    SUCCESSORS.put(REFUNDED, EnumSet.noneOf(OrderStatus.class));
    // Walk backwards so every successor's closure is known before its predecessors need it.
    OrderStatus[] all = values();
    for (int i = all.length - 1; i >= 0; i--) {
      EnumSet<OrderStatus> reach = EnumSet.noneOf(OrderStatus.class);
      for (OrderStatus next : get(SUCCESSORS, all[i])) {
        if (next.ordinal() <= all[i].ordinal()) {
          throw new AssertionError(
              "declaration order must extend the graph: " + all[i] + "->" + next);
        }
        reach.add(next);
        reach.addAll(get(REACHABLE, next));
      }
      REACHABLE.put(all[i], Collections.unmodifiableSet(reach));
    }
    SUCCESSORS.replaceAll((k, v) -> Collections.unmodifiableSet(v));
  }

  /** Returns the statuses one transition away from this one. */
  public Set<OrderStatus> successors() {
    return get(SUCCESSORS, this);
  }

  /**
   * Returns whether {@code next} is one transition away from this status.
   *
   * @param next the proposed status
   * @return whether the graph has the edge
   */
  public boolean canTransitionTo(OrderStatus next) {
    return get(SUCCESSORS, this).contains(next);
  }

  /**
   * Returns whether a path leads from {@code earlier} to this status.
   *
   * @param earlier the other status
   * @return whether this status comes strictly after it
   */
  public boolean isAfter(OrderStatus earlier) {
    return get(REACHABLE, earlier).contains(this);
  }

  /**
   * Returns whether the two statuses lie on separate branches: neither is after the other.
   *
   * @param other the other status
   * @return whether they are concurrent
   */
  public boolean isConcurrentWith(OrderStatus other) {
    return this != other && !isAfter(other) && !other.isAfter(this);
  }

  /** Both maps hold every status (filled in the static initializer). */
  private static Set<OrderStatus> get(Map<OrderStatus, Set<OrderStatus>> map, OrderStatus s) {
    return Objects.requireNonNull(map.get(s));
  }
}
