package org.hybridstore.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeMap;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.hybridstore.model.Lww;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.model.StatusHistory;
import org.hybridstore.model.VersionVector;
import org.jspecify.annotations.Nullable;

/**
 * The fast path of {@link RecordCodec#decode}: reads a schema-2 record laid out as {@link
 * RecordCodec#encode} writes it (every field once, in its order, each value of its type) with a
 * streaming parser, without building a JSON tree.
 *
 * <p>Design: this reader only accepts; it never explains. Anything else (schema 1, another field
 * order, a missing or unknown field, a value of another type, a value the model refuses, bytes that
 * are not JSON) makes it return null, and {@link RecordCodec} decodes the bytes again through the
 * tree, which reads every layout it always read and names what is wrong. The values it builds go
 * through the same constructors and parsers as the tree path's, so it returns what that path would
 * return, and accepts nothing that path refuses. Every record this library writes takes this path:
 * the absorb of etcd's records, the change feed and the reconcile's reads decode thousands per
 * second after an outage.
 */
final class CanonicalDecoder {
  /** Thrown inside to give up; allocated once, without a stack trace. */
  private static final class NotCanonical extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotCanonical() {
      super("not the canonical layout", null, false, false);
    }
  }

  private static final NotCanonical NOT_CANONICAL = new NotCanonical();

  private CanonicalDecoder() {}

  /**
   * Reads a record in the canonical layout.
   *
   * @param json the factory to parse with
   * @param bytes the encoded record
   * @return the record, or null if the bytes are not exactly in that layout or not a valid record
   */
  static @Nullable OrderRecord tryDecode(JsonFactory json, byte[] bytes) {
    try (JsonParser p = json.createParser(bytes)) {
      return read(p);
    } catch (IOException | RuntimeException e) {
      return null; // the tree path decodes it, or says why it cannot
    }
  }

  private static OrderRecord read(JsonParser p) throws IOException {
    expect(p.nextToken(), JsonToken.START_OBJECT);
    field(p, "schema");
    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT
        || p.getNumberType() != JsonParser.NumberType.INT
        || p.getIntValue() != RecordCodec.SCHEMA_VERSION) {
      throw NOT_CANONICAL;
    }
    field(p, "id");
    OrderId id = OrderId.of(text(p));
    field(p, "status");
    text(p); // derived, for people reading the key; decoding ignores it
    field(p, "customer");
    Lww<String> customer = register(p);
    field(p, "currency");
    Lww<String> currency = register(p);
    field(p, "statuses");
    expect(p.nextToken(), JsonToken.START_ARRAY);
    EnumSet<OrderStatus> reached = EnumSet.noneOf(OrderStatus.class);
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      expect(t, JsonToken.VALUE_STRING);
      reached.add(RecordCodec.enumValue(OrderStatus.class, p.getText(), "status"));
    }
    field(p, "lines");
    expect(p.nextToken(), JsonToken.START_OBJECT);
    TreeMap<String, Lww<OrderLine>> lines = new TreeMap<>();
    for (String sku = p.nextFieldName(); sku != null; sku = p.nextFieldName()) {
      lines.put(sku, line(p, sku));
    }
    expect(p.currentToken(), JsonToken.END_OBJECT);
    field(p, "attributes");
    expect(p.nextToken(), JsonToken.START_OBJECT);
    TreeMap<String, Lww<String>> attributes = new TreeMap<>();
    for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
      attributes.put(key, register(p));
    }
    expect(p.currentToken(), JsonToken.END_OBJECT);
    field(p, "vv");
    expect(p.nextToken(), JsonToken.START_OBJECT);
    TreeMap<NodeId, Long> vv = new TreeMap<>();
    for (String node = p.nextFieldName(); node != null; node = p.nextFieldName()) {
      expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw NOT_CANONICAL;
      }
      vv.put(NodeId.of(node), p.getLongValue());
    }
    expect(p.currentToken(), JsonToken.END_OBJECT);
    field(p, "opn");
    expect(p.nextToken(), JsonToken.START_ARRAY);
    List<NodeId> table = new ArrayList<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      expect(t, JsonToken.VALUE_STRING);
      table.add(NodeId.of(p.getText()));
    }
    field(p, "ops");
    String ops = text(p);
    expect(p.nextToken(), JsonToken.END_OBJECT);
    if (p.nextToken() != null) {
      throw NOT_CANONICAL; // trailing content: the tree path decides
    }
    return new OrderRecord(
        id,
        customer,
        currency,
        lines,
        attributes,
        new StatusHistory(reached),
        new VersionVector(vv),
        RecordCodec.decodeOps(table, ops));
  }

  /** {@code {"removed":true,"t":S}} or {@code {"v":S,"t":S}}. */
  private static Lww<String> register(JsonParser p) throws IOException {
    expect(p.nextToken(), JsonToken.START_OBJECT);
    String first = p.nextFieldName();
    @Nullable String value;
    if ("removed".equals(first)) {
      expect(p.nextToken(), JsonToken.VALUE_TRUE);
      value = null;
    } else if ("v".equals(first)) {
      value = text(p);
    } else {
      throw NOT_CANONICAL;
    }
    Stamp t = stamp(p);
    expect(p.nextToken(), JsonToken.END_OBJECT);
    return new Lww<>(value, t);
  }

  /** {@code {"removed":true,"t":S}} or {@code {"qty":I,"price":L,"t":S}}. */
  private static Lww<OrderLine> line(JsonParser p, String sku) throws IOException {
    expect(p.nextToken(), JsonToken.START_OBJECT);
    String first = p.nextFieldName();
    @Nullable OrderLine line;
    if ("removed".equals(first)) {
      expect(p.nextToken(), JsonToken.VALUE_TRUE);
      line = null;
    } else if ("qty".equals(first)) {
      expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
      if (p.getNumberType() != JsonParser.NumberType.INT) {
        throw NOT_CANONICAL;
      }
      int qty = p.getIntValue();
      field(p, "price");
      expect(p.nextToken(), JsonToken.VALUE_NUMBER_INT);
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw NOT_CANONICAL;
      }
      line = new OrderLine(sku, qty, p.getLongValue());
    } else {
      throw NOT_CANONICAL;
    }
    Stamp t = stamp(p);
    expect(p.nextToken(), JsonToken.END_OBJECT);
    return new Lww<>(line, t);
  }

  private static Stamp stamp(JsonParser p) throws IOException {
    field(p, "t");
    return Stamp.parse(text(p));
  }

  private static void field(JsonParser p, String name) throws IOException {
    if (!name.equals(p.nextFieldName())) {
      throw NOT_CANONICAL;
    }
  }

  private static String text(JsonParser p) throws IOException {
    String s = p.nextTextValue();
    if (s == null) {
      throw NOT_CANONICAL;
    }
    return s;
  }

  private static void expect(@Nullable JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw NOT_CANONICAL;
    }
  }
}
