package org.hybridstore.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.CorruptDataException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.testing.RandomRecords;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

  /**
   * The encoding is canonical, and stays so across versions of this code: the journal and the
   * reconciler compare records by their bytes (an equal encoding is an equal record), including
   * bytes an earlier build wrote. {@code codec/full-record.json} is what the build before the
   * binary-node change wrote for this record (a full op-id history, three writers).
   */
  @Test
  void encode_writesTheSameBytesAsEarlierBuilds() throws java.io.IOException {
    OrderId id = OrderId.of("order-golden");
    TreeMap<String, String> attrs = new TreeMap<>();
    attrs.put("channel", "web-shop");
    attrs.put("note", "x");
    OrderRecord r =
        OrderCommands.apply(
                null,
                new OrderCommand.Create(
                    id,
                    OpId.of("op-0"),
                    "customer-1",
                    "EUR",
                    List.of(new OrderLine("sku-1", 2, 1999), new OrderLine("sku-2", 1, 500)),
                    attrs),
                new Stamp(new HybridTimestamp(1_700_000_000_000L, 0), NodeId.of("n1")))
            .record();
    for (int i = 1; i < 70; i++) {
      r =
          OrderCommands.apply(
                  r,
                  new OrderCommand.SetAttribute(id, OpId.of("op-" + i), "note", "v" + i),
                  new Stamp(
                      new HybridTimestamp(1_700_000_000_000L + i, i % 3),
                      NodeId.of("n" + (1 + i % 3))))
              .record();
    }
    byte[] expected;
    try (var in = RecordCodecTest.class.getResourceAsStream("/codec/full-record.json")) {
      expected = Objects.requireNonNull(in).readAllBytes();
    }
    assertThat(new String(RecordCodec.encode(r), StandardCharsets.UTF_8))
        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(RecordCodec.decode(expected, "golden")).isEqualTo(r);
  }

  /**
   * The encoder as it was before it wrote with a generator: a Jackson tree, serialized. Kept as the
   * definition the streaming encoder must match byte for byte.
   */
  private static byte[] treeEncoded(OrderRecord record) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    var root = json.createObjectNode();
    root.put("schema", RecordCodec.SCHEMA_VERSION);
    root.put("id", record.id().value());
    root.put("status", record.statuses().current().name());
    root.set("customer", treeRegister(json, record.customer()));
    root.set("currency", treeRegister(json, record.currency()));
    var statuses = root.putArray("statuses");
    record.statuses().reached().forEach(st -> statuses.add(st.name()));
    var lines = root.putObject("lines");
    record
        .lines()
        .forEach(
            (sku, reg) -> {
              var l = lines.putObject(sku);
              OrderLine line = reg.value();
              if (line == null) {
                l.put("removed", true);
              } else {
                l.put("qty", line.quantity());
                l.put("price", line.unitPriceMinor());
              }
              l.put("t", reg.stamp().toString());
            });
    var attributes = root.putObject("attributes");
    record.attributes().forEach((k, reg) -> attributes.set(k, treeRegister(json, reg)));
    var vv = root.putObject("vv");
    record.versions().counters().forEach((n, c) -> vv.put(n.value(), c));
    java.util.TreeSet<String> nodes = new java.util.TreeSet<>();
    record.appliedOps().entries().values().forEach(e -> nodes.add(e.stamp().node().value()));
    List<String> table = new java.util.ArrayList<>(nodes);
    var opn = root.putArray("opn");
    table.forEach(opn::add);
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(
            record.appliedOps().entries().size() * RecordCodec.OP_ENTRY_BYTES);
    record
        .appliedOps()
        .entries()
        .forEach(
            (key, e) ->
                b.putLong(key)
                    .putLong(e.fingerprint())
                    .putLong(e.stamp().time().wallMillis())
                    .putInt(e.stamp().time().logical())
                    .putShort((short) table.indexOf(e.stamp().node().value())));
    root.put("ops", b.array());
    return json.writeValueAsBytes(root);
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode treeRegister(
      com.fasterxml.jackson.databind.ObjectMapper json, org.hybridstore.model.Lww<String> reg) {
    var n = json.createObjectNode();
    if (reg.value() == null) {
      n.put("removed", true);
    } else {
      n.put("v", reg.value());
    }
    n.put("t", reg.stamp().toString());
    return n;
  }

  @Property(tries = 1000)
  void encode_writesTheBytesTheTreeEncoderWrote(@ForAll long seed) throws Exception {
    OrderRecord record = mergedReplicas(seed);
    assertThat(RecordCodec.encode(record)).isEqualTo(treeEncoded(record));
    // and text that must be escaped (quotes, backslashes), or is not ASCII
    OrderRecord escaped =
        OrderCommands.apply(
                record,
                new OrderCommand.SetAttribute(
                    record.id(),
                    OpId.of("op-esc"),
                    "note",
                    "\"q\" \\ / \u00e9 \u20ac \ud83d\ude00 </script>"),
                new Stamp(new HybridTimestamp(5_000_000_000L, 0), NodeId.of("n9")))
            .record();
    assertThat(RecordCodec.encode(escaped)).isEqualTo(treeEncoded(escaped));
  }

  @Property(tries = 1000)
  void encodeDecode_roundTrips(@ForAll long seed) {
    OrderRecord record = mergedReplicas(seed);
    byte[] bytes = RecordCodec.encode(record);
    assertThat(RecordCodec.decode(bytes, "test")).isEqualTo(record);
    // Deterministic: equal records, equal bytes.
    assertThat(RecordCodec.encode(RecordCodec.decode(bytes, "test"))).isEqualTo(bytes);
  }

  @Property(tries = 1000)
  void decode_theStreamingPathReadsEveryEncodedRecord_asTheTreeDoes(@ForAll long seed) {
    OrderRecord record = mergedReplicas(seed);
    byte[] bytes = RecordCodec.encode(record);
    OrderRecord streamed = CanonicalDecoder.tryDecode(new ObjectMapper().getFactory(), bytes);
    assertThat(streamed).isNotNull().isEqualTo(RecordCodec.decodeTree(bytes, "test"));
    assertThat(streamed).isEqualTo(record);
  }

  @Test
  void decode_otherLayoutsLeaveTheStreamingPath_andTheTreeReadsThem() {
    String canonical = sampleJson();
    OrderRecord expected = RecordCodec.decode(canonical.getBytes(StandardCharsets.UTF_8), "x");
    // whitespace is not layout: the streaming path reads it
    String spaced =
        "{ \n"
            + canonical.substring(1, canonical.length() - 1).replaceFirst(",\"id\"", ", \"id\"")
            + "\n}";
    assertThat(streamed(spaced)).isEqualTo(expected);
    // another field order, a field more, a field less: read by the tree, to the same record
    String reordered =
        canonical
            .replaceFirst("\"status\":\"[A-Z_]+\",", "")
            .replace("{\"schema\":2,", "{\"status\":\"X\",\"schema\":2,");
    String extra = canonical.replace("{\"schema\":2,", "{\"schema\":2,\"note\":[1,{}],");
    String noStatus = canonical.replaceFirst(",\"status\":\"[A-Z_]+\"", "");
    String trailing = canonical + " {}";
    for (String json : List.of(reordered, extra, noStatus, trailing)) {
      assertThat(streamed(json)).as(json).isNull();
      assertThat(RecordCodec.decode(json.getBytes(StandardCharsets.UTF_8), "x"))
          .as(json)
          .isEqualTo(expected);
    }
    // values of another type or refused by the model: the tree names the error
    assertThat(streamed(canonical.replace("\"schema\":2", "\"schema\":1"))).isNull();
    assertThat(streamed(canonical.replaceFirst("@n0\"", "@\""))).isNull();
    assertThat(streamed(canonical.replace("\"id\":\"o-1\"", "\"id\":1"))).isNull();
    assertThat(decodeFails(canonical.replace("\"id\":\"o-1\"", "\"id\":1")))
        .hasMessageContaining("field 'id' must be a string");
  }

  private static OrderRecord streamed(String json) {
    return CanonicalDecoder.tryDecode(
        new ObjectMapper().getFactory(), json.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 1000)
  void encodeDecode_roundTripsFreshOrders(@ForAll long seed) {
    RandomRecords random = new RandomRecords(seed, OrderId.of("o-1"));
    OrderRecord record =
        OrderCommands.apply(
                null,
                random.randomCreate(OrderId.of("o-2")),
                new Stamp(new HybridTimestamp(Math.abs(seed % 1_000_000_000L), 0), NodeId.of("n1")))
            .record();
    assertThat(RecordCodec.decode(RecordCodec.encode(record), "test")).isEqualTo(record);
  }

  @Property(tries = 300)
  void opKeys_areTheKeysOfTheDecodedRecord_andTheOnesTheRecordHandsOver(@ForAll long seed) {
    OrderRecord record = mergedReplicas(seed);
    long[] keys = RecordCodec.opKeys(RecordCodec.encode(record), "test");
    assertThat(keys)
        .isNotEmpty()
        .containsExactly(
            record.appliedOps().entries().keySet().stream()
                .mapToLong(Long::longValue)
                .sorted()
                .toArray());
    // the journal's writer hands these to its index instead of parsing the bytes again
    assertThat(record.appliedOps().keys()).containsExactly(keys);
  }

  @Test
  void opKeys_ofNoRecord_failAsCorrupt() {
    assertThatThrownBy(() -> RecordCodec.opKeys("[1]".getBytes(StandardCharsets.UTF_8), "x"))
        .isInstanceOf(CorruptDataException.class);
    assertThatThrownBy(
            () -> RecordCodec.opKeys("{\"schema\":2}".getBytes(StandardCharsets.UTF_8), "x"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("ops");
    assertThatThrownBy(
            () -> RecordCodec.opKeys("{\"ops\":\"!!\"}".getBytes(StandardCharsets.UTF_8), "x"))
        .isInstanceOf(CorruptDataException.class);
  }

  /** The join of two random replicas of one order, with up to 10 writes each. */
  private static OrderRecord mergedReplicas(long seed) {
    RandomRecords random = new RandomRecords(seed, OrderId.of("o-" + Math.abs(seed % 1000)));
    List<OrderRecord> replicas = random.replicas(2, 10);
    return replicas.get(0).merge(replicas.get(1));
  }

  private static OrderRecord sample() {
    return new RandomRecords(42, OrderId.of("o-1")).replicas(1, 5).get(0);
  }

  private static String sampleJson() {
    return new String(RecordCodec.encode(sample()), StandardCharsets.UTF_8);
  }

  private static CorruptDataException decodeFails(String json) {
    try {
      RecordCodec.decode(json.getBytes(StandardCharsets.UTF_8), "/hybridstore/orders/o-1");
    } catch (CorruptDataException e) {
      return e;
    }
    throw new AssertionError("decoding should have failed: " + json);
  }

  @Test
  void encode_isReadableJsonWithSchemaAndStatus() {
    String json = sampleJson();
    assertThat(json).startsWith("{\"schema\":2,\"id\":\"o-1\",\"status\":\"");
  }

  @Test
  void decode_unknownSchemaVersion() {
    assertThat(decodeFails(sampleJson().replace("\"schema\":2", "\"schema\":3")))
        .hasMessageContaining("/hybridstore/orders/o-1")
        .hasMessageContaining("unknown schema version 3");
  }

  @Test
  void decode_schemaOne_isStillRead() {
    // Given a record as the first version wrote it, op ids as a JSON object
    String v1 =
        "{\"schema\":1,\"id\":\"o-1\",\"status\":\"CREATED\",\"customer\":{\"v\":\"c-1\",\"t\":\"1000.0@n0\"},"
            + "\"currency\":{\"v\":\"EUR\",\"t\":\"1000.0@n0\"},\"statuses\":[\"CREATED\"],\"lines\":{},\"attributes\":{},"
            + "\"vv\":{\"n0\":1},\"ops\":{\"op-1\":{\"fp\":\"9f2c00112233aabb\",\"t\":\"1000.0@n0\"}}}";
    // When it is decoded, Then the op id is remembered, and it re-encodes as schema 2
    OrderRecord r = RecordCodec.decode(v1.getBytes(StandardCharsets.UTF_8), "v1");
    assertThat(r.appliedOps().get(org.hybridstore.OpId.of("op-1")))
        .hasValueSatisfying(e -> assertThat(e.fingerprint()).isEqualTo(0x9f2c00112233aabbL));
    assertThat(new String(RecordCodec.encode(r), StandardCharsets.UTF_8))
        .startsWith("{\"schema\":2,");
    assertThat(RecordCodec.decode(RecordCodec.encode(r), "v2")).isEqualTo(r);
    assertThat(RecordCodec.opKeys(v1.getBytes(StandardCharsets.UTF_8), "v1"))
        .containsExactly(org.hybridstore.OpId.of("op-1").key());
  }

  @Test
  void decodeEncoded_keepsTheBytesOfTheCanonicalLayout_andEncodesAnyOtherAgain() {
    // Given a record as encode writes it
    byte[] canonical = sampleJson().getBytes(StandardCharsets.UTF_8);
    OrderRecord expected = RecordCodec.decode(canonical, "x");
    // When it is decoded with its bytes, Then they are kept as they are (not copied, not encoded)
    EncodedRecord kept = RecordCodec.decodeEncoded(canonical, "x");
    assertThat(kept.record()).isEqualTo(expected);
    assertThat(kept.encoded()).isSameAs(canonical);
    assertThat(RecordCodec.encode(kept.record())).isEqualTo(canonical);
    // Given the same order in schema 1, When it is decoded with its bytes, Then the record is the
    // same and the bytes are its encoding in schema 2, not the bytes given
    String v1 =
        "{\"schema\":1,\"id\":\"o-1\",\"status\":\"CREATED\",\"customer\":{\"v\":\"c-1\",\"t\":\"1000.0@n0\"},"
            + "\"currency\":{\"v\":\"EUR\",\"t\":\"1000.0@n0\"},\"statuses\":[\"CREATED\"],\"lines\":{},\"attributes\":{},"
            + "\"vv\":{\"n0\":1},\"ops\":{}}";
    byte[] old = v1.getBytes(StandardCharsets.UTF_8);
    EncodedRecord reencoded = RecordCodec.decodeEncoded(old, "v1");
    assertThat(reencoded.record()).isEqualTo(RecordCodec.decode(old, "v1"));
    assertThat(reencoded.encoded()).isEqualTo(RecordCodec.encode(reencoded.record()));
    assertThat(new String(reencoded.encoded(), StandardCharsets.UTF_8))
        .startsWith("{\"schema\":2,");
    // and EncodedRecord.of encodes
    assertThat(EncodedRecord.of(expected).encoded()).isEqualTo(canonical);
    assertThat(EncodedRecord.of(expected)).isEqualTo(kept).hasSameHashCodeAs(kept);
  }

  @Test
  void decodeEncoded_ofNoRecord_failsAsDecodeDoes() {
    byte[] garbage = "{\"schema\":2,\"id\":1}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> RecordCodec.decodeEncoded(garbage, "journal record 'x'"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("journal record 'x'");
    byte[] huge = new byte[org.hybridstore.OrderLimits.MAX_RECORD_BYTES + 1];
    assertThatThrownBy(() -> RecordCodec.decodeEncoded(huge, "journal record 'y'"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("exceeds the limit");
  }

  @Test
  void encode_aFullRecordStaysUnderFourKilobytes() {
    // Given an order with lines, attributes and a full op-id retention window
    org.hybridstore.model.HybridLogicalClock clock =
        new org.hybridstore.model.HybridLogicalClock(
            java.time.InstantSource.system(), java.time.Duration.ofSeconds(1));
    OrderRecord r =
        org.hybridstore.model.OrderCommands.apply(
                null,
                new org.hybridstore.OrderCommand.Create(
                    OrderId.of("order-2026-000017"),
                    org.hybridstore.OpId.random(),
                    "customer-000042",
                    "EUR",
                    java.util.List.of(
                        new org.hybridstore.OrderLine("sku-1", 2, 1250),
                        new org.hybridstore.OrderLine("sku-2", 1, 990)),
                    new java.util.TreeMap<>(
                        java.util.Map.of("channel", "web", "note", "gift wrap"))),
                clock,
                org.hybridstore.NodeId.of("node-1"))
            .record();
    for (int i = 0; i < org.hybridstore.OrderLimits.OP_ID_RETENTION + 10; i++) {
      r =
          org.hybridstore.model.OrderCommands.apply(
                  r,
                  new org.hybridstore.OrderCommand.SetAttribute(
                      r.id(), org.hybridstore.OpId.random(), "k" + (i % 8), "v" + i),
                  clock,
                  org.hybridstore.NodeId.of("node-" + (1 + i % 3)))
              .record();
    }
    // Then it encodes to less than 4 KB (schema 1 took about 12 KB)
    assertThat(RecordCodec.encode(r).length).isLessThan(4096);
  }

  @Test
  void decode_unknownStatus() {
    String json =
        sampleJson().replace("\"statuses\":[\"CREATED\"", "\"statuses\":[\"LOST_IN_SPACE\"");
    assertThat(decodeFails(json)).hasMessageContaining("unknown status 'LOST_IN_SPACE'");
  }

  @Test
  void decode_malformedInputs() {
    assertThat(decodeFails("not json at all")).hasMessageContaining("not JSON");
    assertThat(decodeFails("[1,2]")).hasMessageContaining("expected a JSON object");
    assertThat(decodeFails("{\"schema\":1}")).hasMessageContaining("missing field 'id'");
    assertThat(decodeFails(sampleJson().replace("\"id\":\"o-1\"", "\"id\":\"bad id\"")))
        .hasMessageContaining("orderId");
    assertThat(decodeFails("{\"schema\":\"1\"}")).hasMessageContaining("unknown schema version");
    assertThat(decodeFails(sampleJson().replaceFirst("@n0\"", "@\"")))
        .hasMessageContaining("stamp");
  }

  @Test
  void decode_oversizedInput() {
    byte[] big = new byte[org.hybridstore.OrderLimits.MAX_RECORD_BYTES + 1];
    assertThatThrownBy(() -> RecordCodec.decode(big, "peer n2"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("peer n2")
        .hasMessageContaining("exceeds the limit");
  }
}
