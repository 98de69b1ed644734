package org.hybridstore.ap.internal.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.wire.WireFormatException.Kind;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of {@link WireMessage}s, version {@value #VERSION}:
 *
 * <pre>{@code
 * {"type":"push","v":1,"from":"n1","records":[<RecordCodec JSON>, ...]}
 * {"type":"summary","v":1,"from":"n1","count":10000,"xor":"9f2c..."}
 * {"type":"digest","v":1,"from":"n1","start":"","end":"o-99","entries":{"o-1":"5e1a...", ...}}
 * {"type":"more","v":1,"from":"n1","after":"o-99"}
 * {"type":"pull","v":1,"from":"n1","ids":["o-3","o-7"]}
 * }</pre>
 *
 * <p>The {@code type} field is looked up in a fixed table of decoders: there is no reflection and
 * no polymorphic typing, so nothing outside that table can ever be instantiated. Records inside a
 * push stay raw JSON here; the receiver decodes each with {@code RecordCodec}, which validates it.
 *
 * <p>This class is thread-safe.
 */
public final class WireCodec {
  /** The message format version this build writes and reads. */
  public static final int VERSION = 1;

  /** Most entries a digest page may hold; a page with more is refused. */
  public static final int MAX_DIGEST_ENTRIES = 4096;

  /** Most ids a pull may name; a pull with more is refused. */
  public static final int MAX_PULL_IDS = 4096;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
          .build();
  private static final ObjectMapper JSON = new ObjectMapper(FACTORY);
  private static final Map<String, Function<JsonNode, WireMessage>> DECODERS =
      Map.of(
          "push", WireCodec::decodePush,
          "summary", WireCodec::decodeSummary,
          "digest", WireCodec::decodeDigest,
          "more", WireCodec::decodeMore,
          "pull", WireCodec::decodePull);

  private WireCodec() {}

  /** Returns the allow-listed type names. */
  public static java.util.Set<String> allowedTypes() {
    return DECODERS.keySet();
  }

  /**
   * Encodes a message.
   *
   * @param message the message
   * @return UTF-8 JSON
   */
  public static byte[] encode(WireMessage message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("type", typeOf(message));
      g.writeNumberField("v", VERSION);
      g.writeStringField("from", message.from().value());
      if (message instanceof WireMessage.Push p) {
        g.writeArrayFieldStart("records");
        for (byte[] r : p.records()) {
          g.writeRawValue(new String(r, StandardCharsets.UTF_8));
        }
        g.writeEndArray();
      } else if (message instanceof WireMessage.Summary s) {
        g.writeNumberField("count", s.count());
        g.writeStringField("xor", Long.toUnsignedString(s.xor(), 16));
      } else if (message instanceof WireMessage.Digest d) {
        g.writeStringField("start", d.start());
        if (d.end() != null) {
          g.writeStringField("end", d.end());
        }
        g.writeObjectFieldStart("entries");
        for (Map.Entry<String, Long> e : d.entries().entrySet()) {
          g.writeStringField(e.getKey(), Long.toUnsignedString(e.getValue(), 16));
        }
        g.writeEndObject();
      } else if (message instanceof WireMessage.More m) {
        g.writeStringField("after", m.after());
      } else if (message instanceof WireMessage.Pull p) {
        g.writeArrayFieldStart("ids");
        for (OrderId id : p.ids()) {
          g.writeString(id.value());
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return out.toByteArray();
  }

  /**
   * Returns the {@code "type"} name of a message.
   *
   * @param message the message
   * @return its type name
   */
  public static String typeOf(WireMessage message) {
    if (message instanceof WireMessage.Push) {
      return "push";
    } else if (message instanceof WireMessage.Summary) {
      return "summary";
    } else if (message instanceof WireMessage.Digest) {
      return "digest";
    } else if (message instanceof WireMessage.More) {
      return "more";
    } else if (message instanceof WireMessage.Pull) {
      return "pull";
    }
    throw new AssertionError("not a wire message: " + message.getClass());
  }

  /**
   * Decodes a message.
   *
   * @param bytes what arrived
   * @param maxBytes the largest message accepted
   * @return the message
   * @throws WireFormatException if it is too large, malformed or of a type outside the allow-list
   */
  public static WireMessage decode(byte[] bytes, int maxBytes) {
    if (bytes.length > maxBytes) {
      throw new WireFormatException(
          Kind.OVERSIZED, "message of " + bytes.length + " bytes exceeds " + maxBytes);
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      throw new WireFormatException(Kind.MALFORMED, "not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new WireFormatException(Kind.MALFORMED, "not a JSON object");
    }
    JsonNode type = root.get("type");
    if (type == null || !type.isTextual()) {
      throw new WireFormatException(Kind.MALFORMED, "no \"type\" field");
    }
    Function<JsonNode, WireMessage> decoder = DECODERS.get(type.asText());
    if (decoder == null) {
      throw new WireFormatException(
          Kind.UNKNOWN_TYPE, "type '" + abbreviate(type.asText()) + "' is not allowed");
    }
    JsonNode v = root.get("v");
    if (v == null || !v.isInt() || v.asInt() != VERSION) {
      throw new WireFormatException(Kind.MALFORMED, "unknown message version " + v);
    }
    try {
      return decoder.apply(root);
    } catch (WireFormatException e) {
      throw e;
    } catch (InvalidInputException | IllegalArgumentException | NullPointerException e) {
      throw new WireFormatException(Kind.MALFORMED, type.asText() + ": " + e.getMessage());
    }
  }

  private static WireMessage decodePush(JsonNode root) {
    List<byte[]> records = new ArrayList<>();
    for (JsonNode r : array(root, "records")) {
      if (!r.isObject()) {
        throw new WireFormatException(Kind.MALFORMED, "push: a record must be a JSON object");
      }
      try {
        records.add(JSON.writeValueAsBytes(r));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new WireMessage.Push(from(root), records);
  }

  private static WireMessage decodeSummary(JsonNode root) {
    JsonNode count = required(root, "count");
    if (!count.canConvertToLong() || !count.isIntegralNumber()) {
      throw new WireFormatException(Kind.MALFORMED, "summary: count must be an integer");
    }
    return new WireMessage.Summary(from(root), count.asLong(), hash(text(root, "xor")));
  }

  private static WireMessage decodeDigest(JsonNode root) {
    JsonNode entries = required(root, "entries");
    if (!entries.isObject()) {
      throw new WireFormatException(Kind.MALFORMED, "digest: entries must be an object");
    }
    if (entries.size() > MAX_DIGEST_ENTRIES) {
      throw new WireFormatException(
          Kind.MALFORMED,
          "digest: " + entries.size() + " entries (max " + MAX_DIGEST_ENTRIES + ")");
    }
    TreeMap<String, Long> map = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : entries.properties()) {
      if (!e.getValue().isTextual()) {
        throw new WireFormatException(Kind.MALFORMED, "digest: hashes must be strings");
      }
      map.put(OrderId.of(e.getKey()).value(), hash(e.getValue().asText()));
    }
    JsonNode end = root.get("end");
    @Nullable String endText = end == null || end.isNull() ? null : text(root, "end");
    return new WireMessage.Digest(from(root), text(root, "start"), endText, map);
  }

  private static WireMessage decodeMore(JsonNode root) {
    return new WireMessage.More(from(root), text(root, "after"));
  }

  private static WireMessage decodePull(JsonNode root) {
    List<OrderId> ids = new ArrayList<>();
    JsonNode array = array(root, "ids");
    if (array.size() > MAX_PULL_IDS) {
      throw new WireFormatException(
          Kind.MALFORMED, "pull: " + array.size() + " ids (max " + MAX_PULL_IDS + ")");
    }
    for (JsonNode id : array) {
      if (!id.isTextual()) {
        throw new WireFormatException(Kind.MALFORMED, "pull: ids must be strings");
      }
      ids.add(OrderId.of(id.asText()));
    }
    return new WireMessage.Pull(from(root), ids);
  }

  private static NodeId from(JsonNode root) {
    return NodeId.of(text(root, "from"));
  }

  private static long hash(String hex) {
    try {
      return Long.parseUnsignedLong(hex, 16);
    } catch (NumberFormatException e) {
      throw new WireFormatException(Kind.MALFORMED, "not a hex hash: '" + abbreviate(hex) + "'");
    }
  }

  private static JsonNode required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new WireFormatException(Kind.MALFORMED, "missing field '" + field + "'");
    }
    return v;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isTextual()) {
      throw new WireFormatException(Kind.MALFORMED, "field '" + field + "' must be a string");
    }
    return v.asText();
  }

  private static JsonNode array(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isArray()) {
      throw new WireFormatException(Kind.MALFORMED, "field '" + field + "' must be an array");
    }
    return v;
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
