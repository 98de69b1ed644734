package org.hybridstore.example;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hybridstore.Confirmation;
import org.hybridstore.Order;
import org.hybridstore.OrderChange;
import org.hybridstore.WriteResult;
import org.hybridstore.codec.OrderJson;
import org.jspecify.annotations.Nullable;

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
    n.put("orderId", r.order().id().value());
    // where to learn the write's fate; a STRONG write's revision is known at once
    n.put("confirmation", "/commands/" + r.opId().value());
    Confirmation c = r.confirmation().toCompletableFuture().getNow(null);
    if (c != null) {
      n.put("revision", c.revision());
      n.put("firstRevision", c.firstRevision());
    }
    return n;
  }

  /** {@code GET /commands/{opId}} when etcd holds the write. */
  static ObjectNode confirmed(Confirmation c) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("opId", c.opId().value());
    n.put("orderId", c.orderId().value());
    n.put("state", "confirmed");
    n.put("revision", c.revision());
    n.put("firstRevision", c.firstRevision());
    n.put("outcomeChanged", c.outcomeChanged());
    if (c.acknowledgedStatus().isPresent()) {
      n.put("acknowledgedStatus", c.acknowledgedStatus().get().name());
    } else {
      n.putNull("acknowledgedStatus");
    }
    n.set("order", order(c.order()));
    return n;
  }

  /** One change of the feed, as the {@code data} of a server-sent event. */
  static ObjectNode change(OrderChange c) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("kind", c.kind().name());
    n.put("orderId", c.orderId().value());
    n.put("revision", c.revision());
    n.put("resumeRevision", c.resumeRevision());
    var keys = n.putArray("opKeys");
    c.opKeys().forEach(k -> keys.add(String.format("%016x", k)));
    n.set("order", order(c.order()));
    return n;
  }

  static ObjectNode error(String kind, boolean definite, @Nullable String message) {
    return MAPPER
        .createObjectNode()
        .put("error", kind)
        .put("definite", definite)
        .put("message", message);
  }
}
