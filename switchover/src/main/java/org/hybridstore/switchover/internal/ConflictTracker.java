package org.hybridstore.switchover.internal;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderRecord;

/** Remembers which orders this node has seen with a recorded status conflict. Thread-safe. */
final class ConflictTracker {
  private final Set<OrderId> orders = ConcurrentHashMap.newKeySet();

  void observe(Collection<OrderRecord> records) {
    for (OrderRecord r : records) {
      observe(r);
    }
  }

  void observe(OrderRecord record) {
    if (!record.statuses().conflicting().isEmpty()) {
      orders.add(record.id());
    }
  }

  List<OrderId> orders() {
    return orders.stream().sorted().toList();
  }

  long count() {
    return orders.size();
  }
}
