package org.hybridstore.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hybridstore.CorruptDataException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;

/**
 * Encodes {@link OrderCommand}s as JSON objects with a {@code type} field, for logs, histories and
 * the example service's HTTP API:
 *
 * <pre>{@code
 * {"type":"create","orderId":"o-1","opId":"op-1","customer":"c","currency":"EUR",
 *  "lines":[{"sku":"s","qty":1,"price":100}],"attributes":{"k":"v"}}
 * {"type":"transition","orderId":"o-1","opId":"op-2","to":"PAID"}
 * {"type":"cancel",...,"reason":"..."}   {"type":"refund",...}
 * {"type":"set-attribute",...,"key":"k","value":"v"}   {"type":"remove-attribute",...,"key":"k"}
 * {"type":"add-line",...,"line":{"sku":"s","qty":1,"price":100}}   {"type":"remove-line",...,"sku":"s"}
 * }</pre>
 *
 * Decoding validates like the command constructors; malformed input gives {@link
 * CorruptDataException}, a well-formed command with invalid values gives {@link
 * InvalidInputException}. Thread-safe.
 */
public final class CommandCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CommandCodec() {}

  /**
   * Encodes a command.
   *
   * @param command the command
   * @return the JSON object
   */
  public static ObjectNode toJson(OrderCommand command) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", type(command));
    n.put("orderId", command.orderId().value());
    n.put("opId", command.opId().value());
    if (command instanceof OrderCommand.Create c) {
      n.put("customer", c.customer());
      n.put("currency", c.currency());
      var lines = n.putArray("lines");
      c.lines().forEach(l -> lines.add(line(l)));
      var attributes = n.putObject("attributes");
      c.attributes().forEach(attributes::put);
    } else if (command instanceof OrderCommand.Transition t) {
      n.put("to", t.to().name());
    } else if (command instanceof OrderCommand.Cancel c) {
      n.put("reason", c.reason());
    } else if (command instanceof OrderCommand.SetAttribute s) {
      n.put("key", s.key());
      n.put("value", s.value());
    } else if (command instanceof OrderCommand.RemoveAttribute r) {
      n.put("key", r.key());
    } else if (command instanceof OrderCommand.AddLine a) {
      n.set("line", line(a.line()));
    } else if (command instanceof OrderCommand.AdjustQuantity a) {
      n.put("sku", a.sku());
      n.put("delta", a.delta());
    } else if (command instanceof OrderCommand.RemoveLine r) {
      n.put("sku", r.sku());
    }
    return n;
  }

  /**
   * Encodes a command as UTF-8 bytes.
   *
   * @param command the command
   * @return the JSON
   */
  public static byte[] encode(OrderCommand command) {
    try {
      return JSON.writeValueAsBytes(toJson(command));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  /**
   * Decodes a command from bytes.
   *
   * @param bytes UTF-8 JSON
   * @return the command
   * @throws CorruptDataException if the bytes are not a command object
   * @throws InvalidInputException if a field breaks its rule
   */
  public static OrderCommand decode(byte[] bytes) {
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new CorruptDataException("command is not JSON: " + e.getMessage(), e);
    }
    return fromJson(n);
  }

  /**
   * Decodes a command from a JSON tree.
   *
   * @param n the JSON object
   * @return the command
   * @throws CorruptDataException if it is not a command object
   * @throws InvalidInputException if a field breaks its rule
   */
  public static OrderCommand fromJson(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new CorruptDataException("a command must be a JSON object");
    }
    String type = RecordCodec.text(n, "type");
    OrderId id = OrderId.of(RecordCodec.text(n, "orderId"));
    OpId op = OpId.of(RecordCodec.text(n, "opId"));
    return switch (type) {
      case "create" ->
          new OrderCommand.Create(
              id,
              op,
              RecordCodec.text(n, "customer"),
              RecordCodec.text(n, "currency"),
              lines(n.path("lines")),
              attributes(n.path("attributes")));
      case "transition" ->
          new OrderCommand.Transition(
              id,
              op,
              RecordCodec.enumValue(OrderStatus.class, RecordCodec.text(n, "to"), "status"));
      case "cancel" -> new OrderCommand.Cancel(id, op, RecordCodec.text(n, "reason"));
      case "refund" -> new OrderCommand.Refund(id, op);
      case "set-attribute" ->
          new OrderCommand.SetAttribute(
              id, op, RecordCodec.text(n, "key"), RecordCodec.text(n, "value"));
      case "remove-attribute" ->
          new OrderCommand.RemoveAttribute(id, op, RecordCodec.text(n, "key"));
      case "add-line" -> new OrderCommand.AddLine(id, op, line(RecordCodec.required(n, "line")));
      case "remove-line" -> new OrderCommand.RemoveLine(id, op, RecordCodec.text(n, "sku"));
      case "adjust-quantity" ->
          new OrderCommand.AdjustQuantity(id, op, RecordCodec.text(n, "sku"), delta(n));
      default -> throw new CorruptDataException("unknown command type '" + type + "'");
    };
  }

  /**
   * Returns the {@code type} name of a command.
   *
   * @param command the command
   * @return e.g. {@code "set-attribute"}
   */
  public static String type(OrderCommand command) {
    if (command instanceof OrderCommand.Create) {
      return "create";
    } else if (command instanceof OrderCommand.Transition) {
      return "transition";
    } else if (command instanceof OrderCommand.Cancel) {
      return "cancel";
    } else if (command instanceof OrderCommand.Refund) {
      return "refund";
    } else if (command instanceof OrderCommand.SetAttribute) {
      return "set-attribute";
    } else if (command instanceof OrderCommand.RemoveAttribute) {
      return "remove-attribute";
    } else if (command instanceof OrderCommand.AddLine) {
      return "add-line";
    } else if (command instanceof OrderCommand.AdjustQuantity) {
      return "adjust-quantity";
    } else if (command instanceof OrderCommand.RemoveLine) {
      return "remove-line";
    }
    throw new AssertionError(command.getClass());
  }

  private static int delta(JsonNode n) {
    JsonNode d = RecordCodec.required(n, "delta");
    if (!d.canConvertToInt()) {
      throw new InvalidInputException("delta", "must be an integer, was " + d);
    }
    return d.intValue();
  }

  private static ObjectNode line(OrderLine l) {
    return JSON.createObjectNode()
        .put("sku", l.sku())
        .put("qty", l.quantity())
        .put("price", l.unitPriceMinor());
  }

  private static OrderLine line(JsonNode n) {
    return new OrderLine(
        RecordCodec.text(n, "sku"),
        RecordCodec.integer(n, "qty"),
        RecordCodec.longValue(n, "price"));
  }

  private static List<OrderLine> lines(JsonNode n) {
    List<OrderLine> out = new ArrayList<>();
    if (n.isMissingNode() || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw new CorruptDataException("field 'lines' must be an array");
    }
    n.forEach(l -> out.add(line(l)));
    return out;
  }

  private static TreeMap<String, String> attributes(JsonNode n) {
    TreeMap<String, String> out = new TreeMap<>();
    if (n.isMissingNode() || n.isNull()) {
      return out;
    }
    if (!n.isObject()) {
      throw new CorruptDataException("field 'attributes' must be an object");
    }
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      if (!e.getValue().isTextual()) {
        throw new CorruptDataException("attribute '" + e.getKey() + "' must be a string");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }
}
