package org.hybridstore.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.CorruptDataException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.hybridstore.model.AppliedOps;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.Lww;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.model.StatusHistory;
import org.hybridstore.model.VersionVector;

/**
 * Encodes {@link OrderRecord}s as JSON, schema version {@value #SCHEMA_VERSION}:
 *
 * <pre>{@code
 * {"schema":2,"id":"o-17","status":"PAID",
 *  "customer":{"v":"c-9","t":"1732700000000.0@n1"},"currency":{"v":"EUR","t":"..."},
 *  "statuses":["CREATED","PAID"],
 *  "lines":{"sku-1":{"qty":2,"price":1250,"t":"..."},"sku-2":{"removed":true,"t":"..."}},
 *  "attributes":{"note":{"v":"gift","t":"..."}},
 *  "vv":{"n1":2},
 *  "opn":["n1"],"ops":"<base64>"}
 * }</pre>
 *
 * {@code status} is the derived current status, written for people reading the key with {@code
 * etcdctl get}; decoding ignores it. {@code ops} is the applied op ids, compactly: base64 of
 * {@value #OP_ENTRY_BYTES}-byte entries in key order (op id key, command fingerprint, stamp wall
 * millis, stamp logical counter, index of the stamp's node in {@code opn}), big-endian; with the
 * retention of {@link OrderLimits#OP_ID_RETENTION} entries that is at most about 2.4 KB. Schema 1
 * (op ids as a JSON object of strings, about 12 KB for a full record) is still read. Output is
 * deterministic (maps sorted), so equal records encode to equal bytes and a hash of the bytes can
 * serve as a digest. Decoding streams the layout {@link #encode} writes and reads any other layout
 * (schema 1, other field orders) through a JSON tree, which also names what is wrong with bytes
 * that are not a valid record.
 *
 * <p>This class is thread-safe.
 */
public final class RecordCodec {
  /** The schema version this codec writes and reads. */
  public static final int SCHEMA_VERSION = 2;

  /** Bytes per applied-op entry in schema 2. */
  static final int OP_ENTRY_BYTES = 8 + 8 + 8 + 4 + 2;

  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordCodec() {}

  /**
   * Encodes a record.
   *
   * @param record the record
   * @return UTF-8 JSON
   * @throws CommandRejectedException with reason LIMIT_EXCEEDED if the encoding is larger than
   *     {@link OrderLimits#MAX_RECORD_BYTES}
   */
  public static byte[] encode(OrderRecord record) {
    // Written field by field with a generator, not built as a Jackson tree and then serialized:
    // the same bytes (RecordCodecTest compares them with the tree-building encoder) without a node
    // object per field, and every write, fold and journal absorb encodes a record.
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("schema", SCHEMA_VERSION);
      g.writeStringField("id", record.id().value());
      g.writeStringField("status", record.statuses().current().name());
      g.writeFieldName("customer");
      register(g, record.customer());
      g.writeFieldName("currency");
      register(g, record.currency());
      g.writeArrayFieldStart("statuses");
      for (OrderStatus s : record.statuses().reached()) {
        g.writeString(s.name());
      }
      g.writeEndArray();
      g.writeObjectFieldStart("lines");
      for (Map.Entry<String, Lww<OrderLine>> e : record.lines().entrySet()) {
        g.writeObjectFieldStart(e.getKey());
        OrderLine line = e.getValue().value();
        if (line == null) {
          g.writeBooleanField("removed", true);
        } else {
          g.writeNumberField("qty", line.quantity());
          g.writeNumberField("price", line.unitPriceMinor());
        }
        g.writeStringField("t", e.getValue().stamp().toString());
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeObjectFieldStart("attributes");
      for (Map.Entry<String, Lww<String>> e : record.attributes().entrySet()) {
        g.writeFieldName(e.getKey());
        register(g, e.getValue());
      }
      g.writeEndObject();
      g.writeObjectFieldStart("vv");
      for (Map.Entry<NodeId, Long> e : record.versions().counters().entrySet()) {
        g.writeNumberField(e.getKey().value(), e.getValue());
      }
      g.writeEndObject();
      encodeOps(g, record.appliedOps());
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing JSON to memory does not fail", e);
    }
    byte[] bytes = out.toByteArray();
    if (bytes.length > OrderLimits.MAX_RECORD_BYTES) {
      throw new CommandRejectedException(
          CommandRejectedException.Reason.LIMIT_EXCEEDED,
          record.id(),
          "the record would encode to "
              + bytes.length
              + " bytes, more than "
              + OrderLimits.MAX_RECORD_BYTES);
    }
    return bytes;
  }

  /**
   * Decodes a record.
   *
   * @param bytes UTF-8 JSON as written by {@link #encode}
   * @param source where the bytes came from, for the error message (an etcd key, a file, a peer)
   * @return the record
   * @throws CorruptDataException if the bytes are not a valid record of a known schema version
   */
  public static OrderRecord decode(byte[] bytes, String source) {
    checkSize(bytes, source);
    // the layout encode() writes, streamed; anything else (schema 1, other layouts, errors)
    // through a tree, which reads every layout it always read and names what is wrong
    OrderRecord canonical = CanonicalDecoder.tryDecode(JSON.getFactory(), bytes);
    return canonical != null ? canonical : decodeTree(bytes, source);
  }

  /**
   * Decodes a record as {@link #decode} does and keeps the bytes with it when they are in the
   * layout {@link #encode} writes (the streaming decoder read them), so they are the record's
   * encoding; bytes of any other layout (schema 1, another field order) are decoded through the
   * tree and the record is encoded again. For bytes that {@code encode} wrote, such as the local
   * journal's: the layout check reads tokens and skips the derived status field, so bytes with
   * other spacing or another status text are kept as they are (they decode to the same record).
   *
   * @param bytes UTF-8 JSON as written by {@link #encode}; kept, not copied: do not change them
   * @param source where the bytes came from, for the error message
   * @return the record with its encoding
   * @throws CorruptDataException if the bytes are not a valid record of a known schema version
   */
  public static EncodedRecord decodeEncoded(byte[] bytes, String source) {
    checkSize(bytes, source);
    OrderRecord canonical = CanonicalDecoder.tryDecode(JSON.getFactory(), bytes);
    if (canonical != null) {
      return new EncodedRecord(canonical, bytes);
    }
    OrderRecord record = decodeTree(bytes, source);
    return new EncodedRecord(record, encode(record));
  }

  private static void checkSize(byte[] bytes, String source) {
    if (bytes.length > OrderLimits.MAX_RECORD_BYTES) {
      throw new CorruptDataException(
          source
              + ": record of "
              + bytes.length
              + " bytes exceeds the limit of "
              + OrderLimits.MAX_RECORD_BYTES);
    }
  }

  /**
   * Decodes a record through a JSON tree: every layout and schema this codec reads, with a message
   * naming what is wrong; {@link #decode} without its fast path (tests compare the two).
   */
  static OrderRecord decodeTree(byte[] bytes, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new CorruptDataException(source + ": not JSON: " + e.getMessage(), e);
    }
    try {
      return decode(root);
    } catch (CorruptDataException
        | InvalidInputException
        | IllegalArgumentException
        | NullPointerException e) {
      throw new CorruptDataException(source + ": not a valid order record: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the op id keys ({@link OpId#key()}) an encoded record holds, without decoding the rest:
   * a streaming scan for the top-level {@code ops} field (schema 2: the keys of its entries; schema
   * 1: the keys of its op ids). For indexes kept next to stored bytes.
   *
   * @param bytes UTF-8 JSON as written by {@link #encode}
   * @param source where the bytes came from, for the error message
   * @return the keys, ascending
   * @throws CorruptDataException if the bytes are not JSON or {@code ops} is malformed
   */
  public static long[] opKeys(byte[] bytes, String source) {
    try (JsonParser p = JSON.getFactory().createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new CorruptDataException(source + ": expected a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (!"ops".equals(field)) {
          p.skipChildren();
          continue;
        }
        if (value == JsonToken.VALUE_STRING) {
          byte[] raw = Base64.getDecoder().decode(p.getText());
          if (raw.length % OP_ENTRY_BYTES != 0) {
            throw new CorruptDataException(source + ": field 'ops' holds " + raw.length + " bytes");
          }
          long[] keys = new long[raw.length / OP_ENTRY_BYTES];
          ByteBuffer b = ByteBuffer.wrap(raw);
          for (int i = 0; i < keys.length; i++) {
            keys[i] = b.getLong(i * OP_ENTRY_BYTES);
          }
          java.util.Arrays.sort(keys);
          return keys;
        }
        if (value == JsonToken.START_OBJECT) {
          List<Long> keys = new ArrayList<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            keys.add(OpId.of(p.currentName()).key());
            p.nextToken();
            p.skipChildren();
          }
          return keys.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        throw new CorruptDataException(source + ": field 'ops' must be a string or an object");
      }
      throw new CorruptDataException(source + ": missing field 'ops'");
    } catch (IOException | IllegalArgumentException | InvalidInputException e) {
      throw new CorruptDataException(source + ": not a valid order record: " + e.getMessage(), e);
    }
  }

  private static OrderRecord decode(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new CorruptDataException("expected a JSON object");
    }
    int schema = required(root, "schema").asInt(-1);
    if (!required(root, "schema").isInt() || (schema != SCHEMA_VERSION && schema != 1)) {
      throw new CorruptDataException(
          "unknown schema version "
              + root.get("schema")
              + " (this build reads versions 1 and "
              + SCHEMA_VERSION
              + ")");
    }
    OrderId id = OrderId.of(text(root, "id"));
    EnumSet<OrderStatus> reached = EnumSet.noneOf(OrderStatus.class);
    for (JsonNode s : array(root, "statuses")) {
      reached.add(enumValue(OrderStatus.class, s.asText(), "status"));
    }
    TreeMap<String, Lww<OrderLine>> lines = new TreeMap<>();
    fields(
        object(root, "lines"),
        (sku, l) -> {
          Stamp t = Stamp.parse(text(l, "t"));
          lines.put(
              sku,
              l.path("removed").asBoolean(false)
                  ? new Lww<>(null, t)
                  : new Lww<>(new OrderLine(sku, integer(l, "qty"), longValue(l, "price")), t));
        });
    TreeMap<String, Lww<String>> attributes = new TreeMap<>();
    fields(
        object(root, "attributes"), (k, a) -> attributes.put(k, register(a, Function.identity())));
    TreeMap<NodeId, Long> vv = new TreeMap<>();
    fields(object(root, "vv"), (n, c) -> vv.put(NodeId.of(n), c.asLong()));
    AppliedOps ops = schema == 1 ? decodeOpsV1(root) : decodeOps(root);
    return new OrderRecord(
        id,
        register(required(root, "customer"), Function.identity()),
        register(required(root, "currency"), Function.identity()),
        lines,
        attributes,
        new StatusHistory(reached),
        new VersionVector(vv),
        ops);
  }

  private static void encodeOps(JsonGenerator g, AppliedOps ops) throws IOException {
    TreeSet<String> nodes = new TreeSet<>();
    ops.entries().values().forEach(e -> nodes.add(e.stamp().node().value()));
    List<String> table = new ArrayList<>(nodes);
    g.writeArrayFieldStart("opn");
    for (String n : table) {
      g.writeString(n);
    }
    g.writeEndArray();
    ByteBuffer b = ByteBuffer.allocate(ops.entries().size() * OP_ENTRY_BYTES);
    ops.entries()
        .forEach(
            (key, e) -> {
              b.putLong(key)
                  .putLong(e.fingerprint())
                  .putLong(e.stamp().time().wallMillis())
                  .putInt(e.stamp().time().logical())
                  .putShort((short) table.indexOf(e.stamp().node().value()));
            });
    // binary: the generator writes its base64 (the standard alphabet, padded, as
    // java.util.Base64 writes it) straight into its buffer, with no 2.5 KB string to check for
    // characters to escape; the bytes are the same
    g.writeFieldName("ops");
    g.writeBinary(b.array());
  }

  private static AppliedOps decodeOps(JsonNode root) {
    List<NodeId> table = new ArrayList<>();
    for (JsonNode n : array(root, "opn")) {
      table.add(NodeId.of(n.asText()));
    }
    return decodeOps(table, text(root, "ops"));
  }

  /**
   * Schema 2's applied ops from the node table {@code opn} and the base64 of the entries.
   *
   * @throws CorruptDataException if the entries are not base64 or malformed
   */
  static AppliedOps decodeOps(List<NodeId> table, String base64) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new CorruptDataException("field 'ops' is not base64");
    }
    if (raw.length % OP_ENTRY_BYTES != 0
        || raw.length / OP_ENTRY_BYTES > OrderLimits.OP_ID_RETENTION) {
      throw new CorruptDataException(
          "field 'ops' holds "
              + raw.length
              + " bytes, not up to "
              + OrderLimits.OP_ID_RETENTION
              + " entries of "
              + OP_ENTRY_BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    TreeMap<Long, AppliedOps.Entry> ops = new TreeMap<>();
    while (b.hasRemaining()) {
      long key = b.getLong();
      long fp = b.getLong();
      long wall = b.getLong();
      int logical = b.getInt();
      int node = Short.toUnsignedInt(b.getShort());
      if (node >= table.size()) {
        throw new CorruptDataException("field 'ops' names node " + node + " of " + table.size());
      }
      ops.put(
          key,
          new AppliedOps.Entry(fp, new Stamp(new HybridTimestamp(wall, logical), table.get(node))));
    }
    return new AppliedOps(ops);
  }

  /** Schema 1: {@code "ops":{"op-1":{"fp":"<16 hex>","t":"<stamp>"}}}. */
  private static AppliedOps decodeOpsV1(JsonNode root) {
    TreeMap<Long, AppliedOps.Entry> ops = new TreeMap<>();
    fields(
        object(root, "ops"),
        (op, e) ->
            ops.put(
                OpId.of(op).key(),
                new AppliedOps.Entry(
                    Long.parseUnsignedLong(text(e, "fp"), 16), Stamp.parse(text(e, "t")))));
    return new AppliedOps(ops);
  }

  private static void register(JsonGenerator g, Lww<String> reg) throws IOException {
    g.writeStartObject();
    String value = reg.value();
    if (value == null) {
      g.writeBooleanField("removed", true);
    } else {
      g.writeStringField("v", value);
    }
    g.writeStringField("t", reg.stamp().toString());
    g.writeEndObject();
  }

  private static <T> Lww<T> register(JsonNode n, Function<String, T> parse) {
    Stamp t = Stamp.parse(text(n, "t"));
    return n.path("removed").asBoolean(false)
        ? new Lww<>(null, t)
        : new Lww<>(parse.apply(text(n, "v")), t);
  }

  static <E extends Enum<E>> E enumValue(Class<E> type, String name, String field) {
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new CorruptDataException(
          "unknown " + field + " '" + name + "' (known: " + EnumSet.allOf(type) + ")", e);
    }
  }

  static JsonNode required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new CorruptDataException("missing field '" + field + "'");
    }
    return v;
  }

  static String text(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isTextual()) {
      throw new CorruptDataException("field '" + field + "' must be a string");
    }
    return v.asText();
  }

  static int integer(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isInt()) {
      throw new CorruptDataException("field '" + field + "' must be an integer");
    }
    return v.asInt();
  }

  static long longValue(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isIntegralNumber()) {
      throw new CorruptDataException("field '" + field + "' must be an integer");
    }
    return v.asLong();
  }

  private static JsonNode array(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isArray()) {
      throw new CorruptDataException("field '" + field + "' must be an array");
    }
    return v;
  }

  private static JsonNode object(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isObject()) {
      throw new CorruptDataException("field '" + field + "' must be an object");
    }
    return v;
  }

  private static void fields(
      JsonNode object, java.util.function.BiConsumer<String, JsonNode> each) {
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      each.accept(e.getKey(), e.getValue());
    }
  }
}
