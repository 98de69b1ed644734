package org.hybridstore;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An order as the application sees it: a read-only view of the stored record.
 *
 * @param id the order's id
 * @param customer the customer reference
 * @param currency ISO 4217 code
 * @param status the current status
 * @param lines the lines, sorted by SKU
 * @param attributes the attributes, sorted by key
 * @param conflictingStatuses empty, or the statuses on separate branches of the status graph that
 *     replicas reached independently (SHIPPED on one node, CANCELLED on another); {@link #status()}
 *     is then the deterministic winner. The conflict stays recorded so the application can list and
 *     handle it.
 * @param version grows with every write the order includes (the sum of its version vector)
 */
public record Order(
    OrderId id,
    String customer,
    String currency,
    OrderStatus status,
    List<OrderLine> lines,
    SortedMap<String, String> attributes,
    Set<OrderStatus> conflictingStatuses,
    long version) {
  /** Copies the collections. */
  public Order {
    lines = List.copyOf(lines);
    attributes = Collections.unmodifiableSortedMap(new TreeMap<>(attributes));
    conflictingStatuses =
        conflictingStatuses.isEmpty()
            ? Set.of()
            : Collections.unmodifiableSet(EnumSet.copyOf(conflictingStatuses));
  }

  /** Returns whether replicas reached conflicting statuses (see {@link #conflictingStatuses()}). */
  public boolean hasConflict() {
    return !conflictingStatuses.isEmpty();
  }

  /** Returns the sum of all lines, in minor units of {@link #currency()}. */
  public long totalMinor() {
    long total = 0;
    for (OrderLine line : lines) {
      total = Math.addExact(total, line.totalMinor());
    }
    return total;
  }
}
