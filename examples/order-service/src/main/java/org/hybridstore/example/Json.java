package org.hybridstore.example;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hybridstore.Order;
import org.hybridstore.WriteResult;
import org.hybridstore.codec.OrderJson;

/** The JSON shapes of the HTTP API. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode order(Order o) {
    return OrderJson.toJson(o);
  }

  static ObjectNode write(WriteResult r) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("opId", r.opId().value());
    n.put("acceptance", r.acceptance().name());
    n.put("mode", r.mode().name());
    n.put("epoch", r.epoch());
    n.put("duplicate", r.duplicate());
    n.set("order", order(r.order()));
    return n;
  }

  static ObjectNode error(String kind, boolean definite, String message) {
    return MAPPER.createObjectNode().put("error", kind).put("definite", definite).put("message", message);
  }
}
