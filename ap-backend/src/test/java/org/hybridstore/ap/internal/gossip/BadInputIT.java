package org.hybridstore.ap.internal.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.Awaits;
import org.hybridstore.ap.internal.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile bytes on a node's gossip port (raw TCP, ScaleCube's 4-byte length framing): each is
 * dropped and counted, nothing is executed, and the node keeps replicating. Bodies that must reach
 * the body decoder are sealed as member n3 (which holds the secret but is not running): a plaintext
 * frame never gets that far.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BadInputIT {
  private static final int MAX_MESSAGE_BYTES = 300_000;

  @TempDir Path dir;
  private final List<TestNode> nodes = new ArrayList<>();
  private TestNode a;
  private TestNode b;
  private int writes;

  @BeforeEach
  void start() {
    a =
        TestNode.scaleCube(
            "n1", TestNode.config(dir.resolve("n1")).maxMessageBytes(MAX_MESSAGE_BYTES).build());
    nodes.add(a);
    b =
        TestNode.scaleCube(
            "n2",
            TestNode.config(dir.resolve("n2"))
                .maxMessageBytes(MAX_MESSAGE_BYTES)
                .seeds(List.of(a.address()))
                .build());
    nodes.add(b);
    Awaits.await(30).untilAsserted(() -> assertThat(a.backend.peers()).hasSize(1));
  }

  @AfterEach
  void stop() {
    TestNode.closeAll(nodes);
  }

  private long seq;

  /** Seals a message body as member n3, addressed to a. */
  private byte[] asMember(byte[] wireJson) throws IOException {
    byte[] plain = AllowListMessageCodecTest.messageFrame(wireJson);
    byte[] body = java.util.Arrays.copyOfRange(plain, 3, plain.length);
    return Frames.sealed(
        TestNode.SECRET, "n3", a.address(), System.currentTimeMillis(), 42, ++seq, body);
  }

  private void sendRaw(byte[] payload) throws IOException {
    String[] hostPort = a.address().split(":");
    try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
        DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
      out.writeInt(payload.length);
      out.write(payload);
      out.flush();
    }
  }

  /** A write on b reaches a: a still works after the bad input. */
  private void assertStillReplicates() throws Exception {
    String id = "ok-" + writes++;
    b.backend
        .apply(OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c", "EUR"))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    Awaits.await(30).untilAsserted(() -> assertThat(a.backend.read(OrderId.of(id))).isPresent());
  }

  @Test
  void malformedFrame_droppedCountedAndTheNodeKeepsWorking() throws Exception {
    byte[] garbage = new byte[512];
    new Random(3).nextBytes(garbage);
    sendRaw(garbage);
    Awaits.await(20)
        .untilAsserted(() -> assertThat(a.backend.stats().droppedMalformed()).isEqualTo(1));
    // A well-framed, authenticated message of ours whose JSON is broken
    sendRaw(asMember("{\"type\":\"push\",\"v\":1,".getBytes(StandardCharsets.UTF_8)));
    Awaits.await(20)
        .untilAsserted(() -> assertThat(a.backend.stats().droppedMalformed()).isEqualTo(2));
    // The same without a MAC never reaches the JSON decoder
    sendRaw(
        AllowListMessageCodecTest.messageFrame(
            "{\"type\":\"push\",\"v\":1,".getBytes(StandardCharsets.UTF_8)));
    Awaits.await(20)
        .untilAsserted(() -> assertThat(a.backend.stats().droppedUnauthenticated()).isEqualTo(1));
    assertThat(a.backend.stats().droppedMalformed()).isEqualTo(2);
    assertStillReplicates();
  }

  @Test
  void javaSerializedObject_droppedNotDeserialized() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
      oos.writeObject(new java.util.PriorityQueue<>(List.of("a", "b")));
    }
    sendRaw(bytes.toByteArray());
    Awaits.await(20)
        .untilAsserted(() -> assertThat(a.backend.stats().droppedMalformed()).isEqualTo(1));
    assertStillReplicates();
  }

  @Test
  void unknownType_droppedCountedNeverExecuted() throws Exception {
    sendRaw(
        asMember(
            "{\"type\":\"shutdown\",\"v\":1,\"from\":\"n3\"}".getBytes(StandardCharsets.UTF_8)));
    Awaits.await(20)
        .untilAsserted(() -> assertThat(a.backend.stats().droppedUnknownType()).isEqualTo(1));
    assertStillReplicates();
    assertThat(a.backend.stats().messagesReceived()).isPositive();
  }

  @Test
  void oversizedMessage_droppedCountedAndTheNodeKeepsWorking() throws Exception {
    byte[] big = new byte[MAX_MESSAGE_BYTES + 10];
    big[0] = 'H';
    big[1] = 'S';
    big[2] = 1;
    sendRaw(big);
    Awaits.await(20)
        .untilAsserted(() -> assertThat(a.backend.stats().droppedOversized()).isEqualTo(1));
    assertStillReplicates();
  }
}
