package org.hybridstore.example.spring;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hybridstore.Order;
import org.hybridstore.WriteResult;

/** The JSON shapes the API returns. */
final class OrderResponses {
  private OrderResponses() {}

  /**
   * An order.
   *
   * @param id its id
   * @param customer the customer reference
   * @param currency ISO 4217 code
   * @param status the current status
   * @param lines the lines
   * @param attributes the attributes
   * @param conflictingStatuses statuses that replicas reached on separate branches while etcd had
   *     no quorum; empty normally
   * @param totalMinor the sum of the lines, in minor units
   * @param version grows with every write the order includes
   */
  record OrderBody(
      String id,
      String customer,
      String currency,
      String status,
      List<OrderRequests.Line> lines,
      Map<String, String> attributes,
      Set<String> conflictingStatuses,
      long totalMinor,
      long version) {
    static OrderBody of(Order o) {
      return new OrderBody(
          o.id().value(),
          o.customer(),
          o.currency(),
          o.status().name(),
          o.lines().stream()
              .map(l -> new OrderRequests.Line(l.sku(), l.quantity(), l.unitPriceMinor()))
              .toList(),
          o.attributes(),
          o.conflictingStatuses().stream().map(Enum::name).collect(Collectors.toSet()),
          o.totalMinor(),
          o.version());
    }
  }

  /**
   * An acknowledged write.
   *
   * @param opId the idempotency key it ran under
   * @param acceptance STRONG (committed in etcd) or PROVISIONAL (durable in this node's journal,
   *     folded into etcd when quorum returns)
   * @param mode the node's mode when it accepted the write
   * @param epoch the node's mode epoch
   * @param duplicate whether the key had been applied before (nothing changed)
   * @param order the order after the write
   */
  record WriteBody(
      String opId, String acceptance, String mode, long epoch, boolean duplicate, OrderBody order) {
    static WriteBody of(WriteResult r) {
      return new WriteBody(
          r.opId().value(),
          r.acceptance().name(),
          r.mode().name(),
          r.epoch(),
          r.duplicate(),
          OrderBody.of(r.order()));
    }
  }

  /**
   * A read.
   *
   * @param order the order
   * @param servedBy the consistency the read actually had
   */
  record ReadBody(OrderBody order, String servedBy) {}
}
