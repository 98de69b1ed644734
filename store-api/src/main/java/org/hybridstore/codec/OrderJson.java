package org.hybridstore.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hybridstore.Order;
import org.hybridstore.OrderLine;

/**
 * The JSON view of an {@link Order} for people and HTTP clients: {@code
 * {"id","customer","currency","status","lines":[{"sku","qty","price"}],"attributes":{},
 * "conflictingStatuses":[],"version"}}. One definition, so that the example service's answers and
 * the chaos suite's reads of etcd compare equal for equal orders.
 */
public final class OrderJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private OrderJson() {}

  /**
   * Returns the JSON view of an order.
   *
   * @param o the order
   * @return a new JSON object
   */
  public static ObjectNode toJson(Order o) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", o.id().value());
    n.put("customer", o.customer());
    n.put("currency", o.currency());
    n.put("status", o.status().name());
    var lines = n.putArray("lines");
    for (OrderLine l : o.lines()) {
      lines
          .addObject()
          .put("sku", l.sku())
          .put("qty", l.quantity())
          .put("price", l.unitPriceMinor());
    }
    var attributes = n.putObject("attributes");
    o.attributes().forEach(attributes::put);
    var conflicts = n.putArray("conflictingStatuses");
    o.conflictingStatuses().stream().sorted().forEach(s -> conflicts.add(s.name()));
    n.put("version", o.version());
    return n;
  }
}
