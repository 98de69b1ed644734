package org.hybridstore.ap.internal.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scalecube.cluster.Member;
import io.scalecube.cluster.transport.api.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.junit.jupiter.api.Test;

class AllowListMessageCodecTest {
  private static final int MAX = 300_000;

  private final Counters counters = new Counters();
  private final AllowListMessageCodec codec = AllowListMessageCodec.insecure(MAX, counters);

  private byte[] serialize(Message m) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    codec.serialize(m, out);
    return out.toByteArray();
  }

  private Message deserialize(byte[] frame) {
    return codec.deserialize(new ByteArrayInputStream(frame));
  }

  @Test
  void wireMessage_roundTripsWithHeaders() throws Exception {
    WireMessage.Pull pull =
        new WireMessage.Pull(NodeId.of("n1"), List.of(OrderId.of("o-1"), OrderId.of("o-2")));
    Message m =
        Message.builder()
            .qualifier(ScaleCubeNetwork.QUALIFIER)
            .sender("127.0.0.1:1")
            .data(pull)
            .build();
    Message back = deserialize(serialize(m));
    assertThat(back.qualifier()).isEqualTo(ScaleCubeNetwork.QUALIFIER);
    assertThat(back.sender()).isEqualTo("127.0.0.1:1");
    Object data = back.data();
    assertThat(data).isEqualTo(pull);
  }

  @Test
  void scaleCubeProtocolType_roundTripsThroughItsOwnExternalForm() throws Exception {
    Member member = new Member("id-1", "n1", "127.0.0.1:4801", "default");
    Message m = Message.builder().qualifier("sc/test").correlationId(null).data(member).build();
    Message back = deserialize(serialize(m));
    Object data = back.data();
    assertThat(data).isEqualTo(member);
    assertThat(back.headers()).containsEntry("q", "sc/test");
  }

  @Test
  void serialize_typeOffTheAllowList_refused() {
    Message m = Message.builder().qualifier("x").data(new HashMap<String, String>()).build();
    assertThatThrownBy(() -> serialize(m))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("java.util.HashMap");
  }

  @Test
  void javaSerializationStream_droppedAndCounted() throws Exception {
    // A gadget-chain carrier would arrive as an ObjectOutputStream stream: never read as one.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
      oos.writeObject(new TreeMap<>(java.util.Map.of("k", "v")));
    }
    Message m = deserialize(bytes.toByteArray());
    assertThat(m.qualifier()).isEqualTo(AllowListMessageCodec.DROPPED);
    assertThat(counters.snapshot().droppedMalformed()).isEqualTo(1);
  }

  @Test
  void unknownClassId_droppedAsUnknownType() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    header(out);
    out.writeByte(AllowListMessageCodec.TAG_EXTERNALIZABLE);
    out.writeByte(99);
    assertThat(deserialize(bytes.toByteArray()).qualifier())
        .isEqualTo(AllowListMessageCodec.DROPPED);
    assertThat(counters.snapshot().droppedUnknownType()).isEqualTo(1);
  }

  @Test
  void unknownWireType_droppedAsUnknownType() throws IOException {
    byte[] json =
        "{\"type\":\"exec\",\"v\":1,\"from\":\"n1\",\"cmd\":\"rm -rf /\"}"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(deserialize(messageFrame(json)).qualifier())
        .isEqualTo(AllowListMessageCodec.DROPPED);
    assertThat(counters.snapshot().droppedUnknownType()).isEqualTo(1);
  }

  @Test
  void hugeCount_droppedWithoutAllocating() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    header(out);
    out.writeByte(AllowListMessageCodec.TAG_MESSAGE);
    out.writeInt(0);
    out.writeByte(AllowListMessageCodec.TAG_EXTERNALIZABLE);
    out.writeByte(2); // SyncData: its first int is the record count
    out.writeInt(Integer.MAX_VALUE);
    assertThat(deserialize(bytes.toByteArray()).qualifier())
        .isEqualTo(AllowListMessageCodec.DROPPED);
    assertThat(counters.snapshot().droppedMalformed()).isEqualTo(1);
  }

  @Test
  void oversizedFrame_droppedAndCounted() {
    assertThat(deserialize(new byte[MAX + 1]).qualifier()).isEqualTo(AllowListMessageCodec.DROPPED);
    assertThat(counters.snapshot().droppedOversized()).isEqualTo(1);
  }

  @Test
  void oversizedOutgoing_refusedAndCounted() {
    byte[] big = new byte[MAX];
    java.util.Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    Message m =
        Message.builder()
            .qualifier("q")
            .data(new WireMessage.Push(NodeId.of("n1"), List.of(big)))
            .build();
    assertThatThrownBy(() -> serialize(m)).hasMessageContaining("exceeds");
    assertThat(counters.snapshot().droppedOversized()).isEqualTo(1);
  }

  @Property(tries = 300)
  void deserialize_neverThrows(@ForAll byte[] garbage) {
    byte[] frame = new byte[garbage.length + 3];
    frame[0] = 'H';
    frame[1] = 'S';
    frame[2] = 1;
    System.arraycopy(garbage, 0, frame, 3, garbage.length);
    Counters c = new Counters();
    Message m = AllowListMessageCodec.insecure(MAX, c).deserialize(new ByteArrayInputStream(frame));
    if (AllowListMessageCodec.DROPPED.equals(m.qualifier())) {
      assertThat(c.snapshot().droppedMessages()).isEqualTo(1);
    }
  }

  static void header(DataOutputStream out) throws IOException {
    out.writeByte(AllowListMessageCodec.MAGIC_0);
    out.writeByte(AllowListMessageCodec.MAGIC_1);
    out.writeByte(AllowListMessageCodec.VERSION);
  }

  /** A frame holding a message with our qualifier and the given bytes as its wire payload. */
  static byte[] messageFrame(byte[] wireJson) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    header(out);
    out.writeByte(AllowListMessageCodec.TAG_MESSAGE);
    out.writeInt(2);
    out.writeUTF("q");
    writeString(out, ScaleCubeNetwork.QUALIFIER);
    out.writeUTF("sender");
    writeString(out, "127.0.0.1:9");
    out.writeByte(AllowListMessageCodec.TAG_WIRE);
    out.writeInt(wireJson.length);
    out.write(wireJson);
    return bytes.toByteArray();
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeByte(AllowListMessageCodec.TAG_STRING);
    out.writeInt(b.length);
    out.write(b);
  }
}
