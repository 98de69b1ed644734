package org.hybridstore.ap.internal.gossip;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.hybridstore.ApConfig;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.ap.internal.Awaits;
import org.hybridstore.ap.internal.TestNode;
import org.hybridstore.ap.internal.wire.ApStats;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.ap.internal.wire.NodeMeta;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Intruders on real sockets: real ScaleCube members of their own (the same transport, codec and
 * authenticator as a node) that send a forged push and a forged pull to a real member. A node
 * without the secret, a holder of the secret that is not a configured member, and a member that
 * names another sender in the payload are each refused and counted; nothing lands in the journal,
 * nothing is answered, and none of them joins the membership.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ForgedPeerIT {
  @TempDir Path dir;
  private final List<TestNode> nodes = new ArrayList<>();
  private final List<PeerNetwork> intruders = new ArrayList<>();
  private TestNode a;
  private TestNode b;

  @BeforeEach
  void start() throws Exception {
    a = TestNode.scaleCube("n1", TestNode.config(dir.resolve("n1")).build());
    nodes.add(a);
    b =
        TestNode.scaleCube(
            "n2", TestNode.config(dir.resolve("n2")).seeds(List.of(a.address())).build());
    nodes.add(b);
    Awaits.await(30).untilAsserted(() -> assertThat(a.backend.peers()).hasSize(1));
    a.backend
        .apply(OrderCommand.Create.of(OrderId.of("secret-order"), OpId.of("op-1"), "c", "EUR"))
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    Awaits.await(30)
        .untilAsserted(() -> assertThat(b.backend.read(OrderId.of("secret-order"))).isPresent());
  }

  @AfterEach
  void stop() {
    try {
      intruders.forEach(PeerNetwork::close);
    } finally {
      TestNode.closeAll(nodes);
    }
  }

  /**
   * Starts a ScaleCube node that seeds on a, with its own idea of the cluster's members and secret.
   */
  private PeerNetwork intruder(String node, PeerAuthConfig auth, Queue<WireMessage> received) {
    ApConfig config =
        ApConfig.builder(dir.resolve("intruder-" + node))
            .seeds(List.of(a.address()))
            .peerAuth(auth)
            .build();
    PeerNetwork n =
        ScaleCubeNetwork.factory(config, new NetworkFaults())
            .start(
                new NodeMeta(NodeId.of(node), ConsistencyMode.STRONG, 0),
                new PeerNetwork.Listener() {
                  @Override
                  public void onMessage(PeerNetwork.Sender from, WireMessage message) {
                    received.add(message);
                  }

                  @Override
                  public void onPeerUp(PeerNetwork.Peer peer) {}
                },
                new Counters());
    intruders.add(n);
    return n;
  }

  private static PeerAuthConfig auth(List<String> members, String secret) {
    return PeerAuthConfig.builder()
        .members(members.stream().map(NodeId::of).toList())
        .secrets(List.of(secret))
        .build();
  }

  private static WireMessage.Push forgedPush(String from, String id) {
    String record = "{\"schema\":1,\"id\":\"" + id + "\"}";
    return new WireMessage.Push(NodeId.of(from), List.of(record.getBytes(StandardCharsets.UTF_8)));
  }

  private void assertUntouched(String summary, Queue<WireMessage> received) {
    assertThat(a.backend.replicaSummary()).isEqualTo(summary);
    assertThat(a.backend.orderIds()).containsExactly("secret-order");
    assertThat(a.backend.peers()).hasSize(1);
    // Nothing is answered: a pull from an intruder never brings it a record
    Awaits.await(5).during(Duration.ofSeconds(1)).until(received::isEmpty);
  }

  @Test
  void pushAndPull_fromANodeWithoutTheSecret_refusedAsUnauthenticated() throws Exception {
    // Given an intruder that claims to be member n2 but signs with a secret of its own
    String summary = a.backend.replicaSummary();
    ApStats before = a.backend.stats();
    Queue<WireMessage> received = new ConcurrentLinkedQueue<>();
    PeerNetwork evil =
        intruder(
            "n2", auth(List.of("n1", "n2"), "an-intruders-own-secret-0123456789abcdef"), received);
    // When it pushes a record and pulls the order it wants to read
    evil.send(a.address(), forgedPush("n2", "evil-1")).get(10, TimeUnit.SECONDS);
    evil.send(
            a.address(), new WireMessage.Pull(NodeId.of("n2"), List.of(OrderId.of("secret-order"))))
        .get(10, TimeUnit.SECONDS);
    // Then a refuses both (and the intruder's SWIM traffic) as unauthenticated
    Awaits.await(20)
        .untilAsserted(
            () ->
                assertThat(
                        a.backend.stats().droppedUnauthenticated()
                            - before.droppedUnauthenticated())
                    .isGreaterThanOrEqualTo(2));
    assertThat(a.backend.peerDrops().get("unauthenticated")).isGreaterThanOrEqualTo(2);
    assertThat(a.backend.peerDrops())
        .containsKeys(
            "unknown-member",
            "forged-sender",
            "replayed",
            "malformed",
            "oversized",
            "queue-full",
            "clock-skew");
    assertUntouched(summary, received);
  }

  @Test
  void pushAndPull_fromASecretHolderThatIsNoMember_refusedAsUnknownMember() throws Exception {
    // Given an intruder that holds the cluster secret, but whose node id n9 is not a member
    String summary = a.backend.replicaSummary();
    ApStats before = a.backend.stats();
    Queue<WireMessage> received = new ConcurrentLinkedQueue<>();
    PeerNetwork evil = intruder("n9", auth(List.of("n1", "n2", "n9"), TestNode.SECRET), received);
    evil.send(a.address(), forgedPush("n9", "evil-2")).get(10, TimeUnit.SECONDS);
    evil.send(
            a.address(), new WireMessage.Pull(NodeId.of("n9"), List.of(OrderId.of("secret-order"))))
        .get(10, TimeUnit.SECONDS);
    Awaits.await(20)
        .untilAsserted(
            () ->
                assertThat(a.backend.stats().droppedUnknownMember() - before.droppedUnknownMember())
                    .isGreaterThanOrEqualTo(2));
    assertUntouched(summary, received);
  }

  @Test
  void push_fromAMemberNamingAnotherSender_refusedAsForged() throws Exception {
    // Given member n3 (holds the secret, is configured) that puts n2's name in its payload
    String summary = a.backend.replicaSummary();
    ApStats before = a.backend.stats();
    Queue<WireMessage> received = new ConcurrentLinkedQueue<>();
    PeerNetwork member = intruder("n3", TestNode.PEER_AUTH, received);
    member.send(a.address(), forgedPush("n2", "evil-3")).get(10, TimeUnit.SECONDS);
    member
        .send(
            a.address(), new WireMessage.Pull(NodeId.of("n2"), List.of(OrderId.of("secret-order"))))
        .get(10, TimeUnit.SECONDS);
    Awaits.await(20)
        .untilAsserted(
            () ->
                assertThat(a.backend.stats().droppedForgedSender() - before.droppedForgedSender())
                    .isEqualTo(2));
    // and the backend reports them by reason to the store (its MXBean and meters read this)
    assertThat(a.backend.peerDrops().get("forged-sender"))
        .isEqualTo(a.backend.stats().droppedForgedSender())
        .isGreaterThanOrEqualTo(2);
    assertThat(a.backend.replicaSummary()).isEqualTo(summary);
    assertThat(a.backend.orderIds()).containsExactly("secret-order");
    Awaits.await(5)
        .during(Duration.ofSeconds(1))
        .until(() -> received.stream().noneMatch(WireMessage.Push.class::isInstance));
  }
}
