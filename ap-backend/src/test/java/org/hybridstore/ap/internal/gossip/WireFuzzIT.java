package org.hybridstore.ap.internal.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomGenerator;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.Awaits;
import org.hybridstore.ap.internal.TestNode;
import org.hybridstore.ap.internal.wire.ApStats;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wire fuzzer: at least 10,000 jqwik-generated hostile frames (truncated, oversized, wrong type,
 * wrong lengths, valid but unauthenticated, tampered, replayed, stale, misdirected, from a
 * non-member, forged sender) written from a raw socket to a real node's gossip port. Every frame is
 * dropped and counted under its reason, the node's journal is unchanged (same replica summary and
 * order ids before and after), and the node keeps serving and replicating.
 *
 * <p>Frames "signed" with the cluster secret play a member gone bad (n3, configured but not
 * running); the others play an outsider without the secret. Run more with {@code
 * -Dhybridstore.fuzz.frames=N}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WireFuzzIT {
  private static final int MAX_MESSAGE_BYTES = 300_000;
  private static final int FRAMES = Integer.getInteger("hybridstore.fuzz.frames", 10_000);
  private static final String OTHER_SECRET = "not-the-cluster-secret-0123456789abcdef";

  /** What each generated frame is, and the counter that must count it. */
  enum Kind {
    RANDOM_BYTES(ApStats::droppedMalformed),
    TRUNCATED(s -> s.droppedMalformed() + s.droppedUnauthenticated()),
    OVERSIZED(ApStats::droppedOversized),
    PLAINTEXT(ApStats::droppedUnauthenticated),
    WRONG_SECRET(ApStats::droppedUnauthenticated),
    TAMPERED(ApStats::droppedUnauthenticated),
    NON_MEMBER(ApStats::droppedUnknownMember),
    MISDIRECTED(ApStats::droppedMisdirected),
    STALE(ApStats::droppedStale),
    REPLAYED(ApStats::droppedReplayed),
    FORGED_SENDER(ApStats::droppedForgedSender),
    WRONG_TYPE(s -> s.droppedUnknownType() + s.droppedMalformed()),
    WRONG_LENGTHS(ApStats::droppedMalformed);

    final ToLongFunction<ApStats> counter;

    Kind(ToLongFunction<ApStats> counter) {
      this.counter = counter;
    }
  }

  @TempDir Path dir;
  private final List<TestNode> nodes = new ArrayList<>();
  private TestNode a;
  private TestNode b;
  private long seq;
  private final long session = new Random().nextLong();

  @BeforeEach
  void start() throws Exception {
    a =
        TestNode.scaleCube(
            "n1",
            TestNode.config(dir.resolve("n1"))
                .maxMessageBytes(MAX_MESSAGE_BYTES)
                .peerQueueBytes(4L * MAX_MESSAGE_BYTES)
                .build());
    nodes.add(a);
    b =
        TestNode.scaleCube(
            "n2",
            TestNode.config(dir.resolve("n2"))
                .maxMessageBytes(MAX_MESSAGE_BYTES)
                .peerQueueBytes(4L * MAX_MESSAGE_BYTES)
                .seeds(List.of(a.address()))
                .build());
    nodes.add(b);
    Awaits.await(30).untilAsserted(() -> assertThat(a.backend.peers()).hasSize(1));
    for (int i = 0; i < 20; i++) {
      b.backend
          .apply(OrderCommand.Create.of(OrderId.of("o-" + i), OpId.of("op-" + i), "c", "EUR"))
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    }
    Awaits.await(30)
        .untilAsserted(
            () -> assertThat(a.backend.replicaSummary()).isEqualTo(b.backend.replicaSummary()));
  }

  @AfterEach
  void stop() {
    TestNode.closeAll(nodes);
  }

  @Test
  void hostileFrames_allDroppedAndCounted_journalUnchanged_nodeKeepsReplicating() throws Exception {
    // Given a converged pair, and a's journal as it is
    String summaryBefore = a.backend.replicaSummary();
    List<String> idsBefore = a.backend.orderIds();
    ApStats before = a.backend.stats();
    Arbitrary<Kind> kinds = Arbitraries.of(Kind.class);
    Arbitrary<Long> seeds = Arbitraries.longs();
    RandomGenerator<Map.Entry<Kind, Long>> generator =
        Combinators.combine(kinds, seeds).as(Map::entry).generator(1000);
    Random random = new Random(Long.getLong("hybridstore.fuzz.seed", 20261201L));
    Map<Kind, Integer> sent = new EnumMap<>(Kind.class);
    int originals = 0;

    // When FRAMES generated frames arrive on one raw connection
    String[] hostPort = a.address().split(":");
    try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
        DataOutputStream out =
            new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16))) {
      for (int i = 0; i < FRAMES; i++) {
        Map.Entry<Kind, Long> g = generator.next(random).value();
        Random r = new Random(g.getValue());
        for (byte[] frame : frames(g.getKey(), r)) {
          out.writeInt(frame.length);
          out.write(frame);
        }
        sent.merge(g.getKey(), 1, Integer::sum);
        if (g.getKey() == Kind.REPLAYED) {
          originals++;
        }
      }
      out.flush();
      // Then every hostile frame is counted under its reason (the replays' originals were accepted)
      Awaits.await(60)
          .untilAsserted(
              () -> {
                ApStats now = a.backend.stats();
                assertThat(now.droppedMessages() - before.droppedMessages()).isEqualTo(FRAMES);
              });
    }
    ApStats after = a.backend.stats();
    for (Kind k : Kind.values()) {
      long delta = k.counter.applyAsLong(after) - k.counter.applyAsLong(before);
      assertThat(delta)
          .as("%s (sent %s)", k, sent.get(k))
          .isGreaterThanOrEqualTo(sent.getOrDefault(k, 0));
    }
    assertThat(sent.keySet()).as("every kind generated").containsExactlyInAnyOrder(Kind.values());
    assertThat(originals).isPositive();
    // ... nothing of it reached the journal
    assertThat(a.backend.replicaSummary()).isEqualTo(summaryBefore);
    assertThat(a.backend.orderIds()).isEqualTo(idsBefore);
    assertThat(a.backend.orderIds()).noneMatch(id -> id.startsWith("evil"));
    assertThat(a.backend.peers()).hasSize(1);
    // ... and a still replicates both ways
    b.backend
        .apply(OrderCommand.Create.of(OrderId.of("after-b"), OpId.of("op-after-b"), "c", "EUR"))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    a.backend
        .apply(OrderCommand.Create.of(OrderId.of("after-a"), OpId.of("op-after-a"), "c", "EUR"))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    Awaits.await(30)
        .untilAsserted(
            () -> {
              assertThat(a.backend.read(OrderId.of("after-b"))).isPresent();
              assertThat(b.backend.read(OrderId.of("after-a"))).isPresent();
            });
  }

  /** The frame(s) for one generated case: a replay is its original, accepted, then the copy. */
  private List<byte[]> frames(Kind kind, Random r) {
    String to = a.address();
    long now = System.currentTimeMillis();
    switch (kind) {
      case RANDOM_BYTES:
        {
          byte[] b = new byte[1 + r.nextInt(2048)];
          r.nextBytes(b);
          b[0] = (byte) ('a' + r.nextInt(20)); // never the magic
          return List.of(b);
        }
      case TRUNCATED:
        {
          byte[] full = member(evilPush(r, "n3"), now);
          // At least one byte: Netty never hands an empty frame to the codec
          return List.of(java.util.Arrays.copyOf(full, 1 + r.nextInt(full.length - 1)));
        }
      case OVERSIZED:
        {
          byte[] b = new byte[MAX_MESSAGE_BYTES + 1 + r.nextInt(1000)];
          b[0] = 'H';
          b[1] = 'S';
          b[2] = (byte) FrameAuthenticator.VERSION;
          return List.of(b);
        }
      case PLAINTEXT:
        return List.of(
            Frames.plaintext(Frames.body(Frames.wire(evilPush(r, "n3"), "127.0.0.1:9"))));
      case WRONG_SECRET:
        return List.of(
            Frames.sealed(OTHER_SECRET, "n3", to, now, session, ++seq, pushBody(r, "n3")));
      case TAMPERED:
        {
          byte[] f = member(evilPush(r, "n3"), now);
          int at = 3 + r.nextInt(f.length - 3);
          f[at] ^= (byte) (1 + r.nextInt(255));
          return List.of(f);
        }
      case NON_MEMBER:
        return List.of(
            Frames.sealed(TestNode.SECRET, "n9", to, now, session, ++seq, pushBody(r, "n9")));
      case MISDIRECTED:
        return List.of(
            Frames.sealed(
                TestNode.SECRET, "n3", "127.0.0.1:1", now, session, ++seq, pushBody(r, "n3")));
      case STALE:
        {
          long skew = 31_000 + r.nextInt(1_000_000);
          return List.of(
              Frames.sealed(
                  TestNode.SECRET,
                  "n3",
                  to,
                  r.nextBoolean() ? now - skew : now + skew,
                  session,
                  ++seq,
                  pushBody(r, "n3")));
        }
      case REPLAYED:
        {
          byte[] original =
              Frames.sealed(
                  TestNode.SECRET,
                  "n3",
                  to,
                  now,
                  session,
                  ++seq,
                  Frames.body(Frames.noop("127.0.0.1:9")));
          return List.of(original, original.clone());
        }
      case FORGED_SENDER:
        return List.of(member(evilPush(r, "n2"), now)); // sealed as n3, the payload says n2
      case WRONG_TYPE:
        {
          String json =
              "{\"type\":\""
                  + List.of("shutdown", "exec", "Push", "", "push ").get(r.nextInt(5))
                  + "\",\"v\":1,\"from\":\"n3\"}";
          return List.of(
              memberBody(wireBody(json.getBytes(StandardCharsets.UTF_8), r.nextBoolean()), now));
        }
      case WRONG_LENGTHS:
        {
          // A count or a length prefix that exceeds the frame: the message's header count, or the
          // length of its wire payload (the last length field of the body)
          WireMessage.Push push = evilPush(r, "n3");
          byte[] body = Frames.body(Frames.wire(push, "127.0.0.1:9"));
          int jsonLength = org.hybridstore.ap.internal.wire.WireCodec.encode(push).length;
          int at = r.nextBoolean() ? 1 : body.length - jsonLength - 4;
          java.nio.ByteBuffer.wrap(body, at, 4)
              .putInt(r.nextBoolean() ? Integer.MAX_VALUE - r.nextInt(1000) : -1 - r.nextInt(1000));
          return List.of(memberBody(body, now));
        }
      default:
        throw new AssertionError(kind);
    }
  }

  private byte[] member(WireMessage m, long now) {
    return memberBody(Frames.body(Frames.wire(m, "127.0.0.1:9")), now);
  }

  private byte[] memberBody(byte[] body, long now) {
    return Frames.sealed(TestNode.SECRET, "n3", a.address(), now, session, ++seq, body);
  }

  private static byte[] pushBody(Random r, String from) {
    return Frames.body(Frames.wire(evilPush(r, from), "127.0.0.1:9"));
  }

  /** A push of a well-formed record that must never land: its id starts with "evil". */
  private static WireMessage.Push evilPush(Random r, String from) {
    String id = "evil-" + Long.toHexString(r.nextLong());
    String record = "{\"schema\":1,\"id\":\"" + id + "\"}";
    return new WireMessage.Push(NodeId.of(from), List.of(record.getBytes(StandardCharsets.UTF_8)));
  }

  /** A message body with a raw wire payload: plain JSON (TAG_WIRE) or inside a string header. */
  private static byte[] wireBody(byte[] json, boolean asWire) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(AllowListMessageCodec.TAG_MESSAGE);
      out.writeInt(1);
      out.writeUTF("q");
      out.writeByte(AllowListMessageCodec.TAG_STRING);
      byte[] q = ScaleCubeNetwork.QUALIFIER.getBytes(StandardCharsets.UTF_8);
      out.writeInt(q.length);
      out.write(q);
      if (asWire) {
        out.writeByte(AllowListMessageCodec.TAG_WIRE);
        out.writeInt(json.length);
        out.write(json);
      } else {
        out.writeByte(9 + (json.length % 200)); // a tag outside the allow-list
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
