package org.hybridstore.ap.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.testing.RandomRecords;
import org.junit.jupiter.api.Test;

class WireCodecTest {
  private static final NodeId N1 = NodeId.of("n1");
  private static final int MAX = 1 << 20;

  private static WireMessage roundTrip(WireMessage m) {
    return WireCodec.decode(WireCodec.encode(m), MAX);
  }

  @Test
  void everyAllowedType_roundTrips() {
    TreeMap<String, Long> entries = new TreeMap<>();
    entries.put("o-1", -1L);
    entries.put("o-2", 42L);
    List<WireMessage> messages =
        List.of(
            new WireMessage.Summary(N1, 10, 0x8000_0000_0000_0001L),
            new WireMessage.Digest(N1, "", "o-2", entries),
            new WireMessage.Digest(N1, "o-2\u0000", null, new TreeMap<>()),
            new WireMessage.More(N1, "o-2"),
            new WireMessage.Pull(N1, List.of(OrderId.of("o-1"))));
    for (WireMessage m : messages) {
      assertThat(roundTrip(m)).isEqualTo(m);
    }
    assertThat(WireCodec.allowedTypes())
        .containsExactlyInAnyOrder("push", "summary", "digest", "more", "pull");
  }

  @Test
  void push_carriesRecordsByteForByte() {
    List<OrderRecord> replicas = new RandomRecords(5, OrderId.of("o-9")).replicas(2, 20);
    List<byte[]> encoded = replicas.stream().map(RecordCodec::encode).toList();
    WireMessage.Push back = (WireMessage.Push) roundTrip(new WireMessage.Push(N1, encoded));
    assertThat(back.from()).isEqualTo(N1);
    for (int i = 0; i < encoded.size(); i++) {
      assertThat(RecordCodec.decode(back.records().get(i), "test")).isEqualTo(replicas.get(i));
    }
  }

  @Test
  void unknownType_refused() {
    assertKind(
        "{\"type\":\"java.lang.Runtime\",\"v\":1,\"from\":\"n1\"}",
        WireFormatException.Kind.UNKNOWN_TYPE);
    assertKind(
        "{\"type\":\"PUSH\",\"v\":1,\"from\":\"n1\",\"records\":[]}",
        WireFormatException.Kind.UNKNOWN_TYPE);
  }

  @Test
  void malformed_refused() {
    assertKind("not json", WireFormatException.Kind.MALFORMED);
    assertKind("[1,2]", WireFormatException.Kind.MALFORMED);
    assertKind("{\"v\":1}", WireFormatException.Kind.MALFORMED);
    assertKind(
        "{\"type\":\"pull\",\"v\":2,\"from\":\"n1\",\"ids\":[]}",
        WireFormatException.Kind.MALFORMED);
    assertKind(
        "{\"type\":\"pull\",\"v\":1,\"from\":\"n1\",\"ids\":[\"bad id!\"]}",
        WireFormatException.Kind.MALFORMED);
    assertKind(
        "{\"type\":\"pull\",\"v\":1,\"from\":\"n1\",\"ids\":\"o-1\"}",
        WireFormatException.Kind.MALFORMED);
    assertKind(
        "{\"type\":\"summary\",\"v\":1,\"from\":\"n1\",\"count\":1,\"xor\":\"zz\"}",
        WireFormatException.Kind.MALFORMED);
    assertKind(
        "{\"type\":\"push\",\"v\":1,\"from\":\"n1\",\"records\":[42]}",
        WireFormatException.Kind.MALFORMED);
    assertKind(
        "{\"type\":\"more\",\"v\":1,\"from\":\"\",\"after\":\"x\"}",
        WireFormatException.Kind.MALFORMED);
    assertKind("[".repeat(10_000), WireFormatException.Kind.MALFORMED);
  }

  @Test
  void oversized_refused() {
    byte[] bytes = WireCodec.encode(new WireMessage.More(N1, "x".repeat(100)));
    assertThatThrownBy(() -> WireCodec.decode(bytes, bytes.length - 1))
        .isInstanceOfSatisfying(
            WireFormatException.class,
            e -> assertThat(e.kind()).isEqualTo(WireFormatException.Kind.OVERSIZED));
  }

  @Property(tries = 500)
  void decode_onlyEverRefusesWithWireFormatException(@ForAll String text) {
    try {
      WireCodec.decode(text.getBytes(StandardCharsets.UTF_8), MAX);
    } catch (WireFormatException expected) {
      assertThat(expected.kind()).isNotNull();
    }
  }

  private static void assertKind(String json, WireFormatException.Kind kind) {
    assertThatThrownBy(() -> WireCodec.decode(json.getBytes(StandardCharsets.UTF_8), MAX))
        .as(json.length() > 60 ? json.substring(0, 60) : json)
        .isInstanceOfSatisfying(
            WireFormatException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }
}
