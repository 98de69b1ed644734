package org.hybridstore.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.CorruptDataException;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.testing.RandomRecords;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

  @Property(tries = 1000)
  void encodeDecode_roundTrips(@ForAll long seed) {
    RandomRecords random = new RandomRecords(seed, OrderId.of("o-" + Math.abs(seed % 1000)));
    List<OrderRecord> replicas = random.replicas(2, 10);
    OrderRecord record = replicas.get(0).merge(replicas.get(1));
    byte[] bytes = RecordCodec.encode(record);
    assertThat(RecordCodec.decode(bytes, "test")).isEqualTo(record);
    // Deterministic: equal records, equal bytes.
    assertThat(RecordCodec.encode(RecordCodec.decode(bytes, "test"))).isEqualTo(bytes);
  }

  @Property(tries = 1000)
  void encodeDecode_roundTripsFreshOrders(@ForAll long seed) {
    RandomRecords random = new RandomRecords(seed, OrderId.of("o-1"));
    OrderRecord record = OrderCommands.apply(null, random.randomCreate(OrderId.of("o-2")),
        new Stamp(new HybridTimestamp(Math.abs(seed % 1_000_000_000L), 0), NodeId.of("n1"))).record();
    assertThat(RecordCodec.decode(RecordCodec.encode(record), "test")).isEqualTo(record);
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
    assertThat(json).startsWith("{\"schema\":1,\"id\":\"o-1\",\"status\":\"");
  }

  @Test
  void decode_unknownSchemaVersion() {
    assertThat(decodeFails(sampleJson().replace("\"schema\":1", "\"schema\":2")))
        .hasMessageContaining("/hybridstore/orders/o-1").hasMessageContaining("unknown schema version 2");
  }

  @Test
  void decode_unknownStatus() {
    String json = sampleJson().replace("\"statuses\":[\"CREATED\"", "\"statuses\":[\"LOST_IN_SPACE\"");
    assertThat(decodeFails(json)).hasMessageContaining("unknown status 'LOST_IN_SPACE'");
  }

  @Test
  void decode_malformedInputs() {
    assertThat(decodeFails("not json at all")).hasMessageContaining("not JSON");
    assertThat(decodeFails("[1,2]")).hasMessageContaining("expected a JSON object");
    assertThat(decodeFails("{\"schema\":1}")).hasMessageContaining("missing field 'id'");
    assertThat(decodeFails(sampleJson().replace("\"id\":\"o-1\"", "\"id\":\"bad id\""))).hasMessageContaining("orderId");
    assertThat(decodeFails("{\"schema\":\"1\"}")).hasMessageContaining("unknown schema version");
    assertThat(decodeFails(sampleJson().replaceFirst("@n0\"", "@\""))).hasMessageContaining("stamp");
  }

  @Test
  void decode_oversizedInput() {
    byte[] big = new byte[org.hybridstore.OrderLimits.MAX_RECORD_BYTES + 1];
    assertThatThrownBy(() -> RecordCodec.decode(big, "peer n2")).isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("peer n2").hasMessageContaining("exceeds the limit");
  }
}
