package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replication over the in-memory network: no sockets, real codec, lossy delivery. */
class ReplicationTest {
  @TempDir Path dir;
  private final LocalHub hub = new LocalHub(17);
  private final List<TestNode> nodes = new ArrayList<>();

  @AfterEach
  void close() {
    try {
      TestNode.closeAll(nodes);
    } finally {
      hub.close();
    }
  }

  private List<TestNode> three() {
    for (String n : List.of("n1", "n2", "n3")) {
      nodes.add(TestNode.inMemory(n, TestNode.config(dir.resolve(n)).build(), hub));
    }
    return List.copyOf(nodes);
  }

  private static OrderCommand.Create create(String id) {
    return OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c-1", "EUR");
  }

  @Test
  @SuppressWarnings("try") // the listener is opened in try-with-resources only to be removed
  void provisionalListener_seesOwnWritesAndPeerRecords_andOrderOfOpFollows() throws Exception {
    // Given two nodes, the second listening for provisional changes
    List<TestNode> three = three();
    List<OrderRecord> seenOnN2 = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (AutoCloseable l = three.get(1).backend.listenProvisional(seenOnN2::addAll)) {
      // When n1 writes and n2 receives the record, then n2 writes to the same order
      three.get(0).backend.apply(create("p-1")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      Awaits.await(30).until(() -> seenOnN2.stream().anyMatch(r -> r.id().value().equals("p-1")));
      three
          .get(1)
          .backend
          .apply(new OrderCommand.SetAttribute(OrderId.of("p-1"), OpId.of("op-p-2"), "k", "v"))
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      // Then n2 saw the peer's record and its own write, and its index finds both op ids
      Awaits.await(30)
          .until(() -> seenOnN2.stream().anyMatch(r -> r.appliedOps().contains(OpId.of("op-p-2"))));
      assertThat(three.get(1).backend.orderOfOp(OpId.of("op-p-1"))).contains(OrderId.of("p-1"));
      assertThat(three.get(1).backend.orderOfOp(OpId.of("op-p-2"))).contains(OrderId.of("p-1"));
      assertThat(three.get(1).backend.orderOfOp(OpId.of("op-none"))).isEmpty();
    }
    // And a removed listener hears nothing more
    int heard = seenOnN2.size();
    three.get(1).backend.apply(create("p-3")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    three.get(1).backend.flush().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(seenOnN2).hasSize(heard);
  }

  @Test
  void lossyNetwork_antiEntropyConvergesAnyway() throws Exception {
    // Given a network that loses 60% of all messages, pushes and digests alike
    List<TestNode> three = three();
    hub.dropProbability(0.6);
    for (int i = 0; i < 150; i++) {
      three
          .get(i % 3)
          .backend
          .apply(create("o-" + i))
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 30; i++) {
      // An update on another node than the create's: that node must have received the order
      // first, which on this network may take a few anti-entropy rounds.
      TestNode other = three.get((i + 1) % 3);
      OrderId id = OrderId.of("o-" + i);
      Awaits.await(30).until(() -> other.backend.read(id).isPresent());
      other
          .backend
          .apply(new OrderCommand.SetAttribute(id, OpId.of("a-" + i), "k", "v" + i))
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    // Then repeated anti-entropy rounds bring every node to the same 150 records
    Awaits.await(60).untilAsserted(() -> ReplicationIT.assertConverged(three, 150));
    ReplicationIT.assertSameRecords(three);
  }

  @Test
  void pushFromAPeerWithARunawayClock_refusedAndCounted() throws Exception {
    // Given a record stamped an hour ahead of this node's clock (max offset 5 s)
    List<TestNode> three = three();
    TestNode n = three.get(0);
    HybridLogicalClock future =
        new HybridLogicalClock(() -> Instant.now().plus(Duration.ofHours(1)), Duration.ZERO);
    OrderRecord skewed =
        OrderCommands.apply(null, create("skewed"), future, NodeId.of("n9")).record();
    // When a peer pushes it
    hub.inject(
        n.address(), new WireMessage.Push(NodeId.of("n9"), List.of(RecordCodec.encode(skewed))));
    // Then it is refused and counted, and not stored
    Awaits.await(10)
        .untilAsserted(() -> assertThat(n.backend.stats().refusedClockSkew()).isEqualTo(1));
    n.backend.flush().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(n.backend.read(OrderId.of("skewed"))).isEmpty();
    assertThat(n.clock.last().wallMillis()).isLessThan(skewed.latestTime().wallMillis());
  }

  @Test
  void peerRecordThatIsAlreadyIncluded_changesNothing() throws Exception {
    List<TestNode> three = three();
    OrderRecord r =
        three
            .get(0)
            .backend
            .apply(create("a"))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .record();
    Awaits.await(20).untilAsserted(() -> ReplicationIT.assertConverged(three, 1));
    long before = three.get(1).backend.stats().peerRecordsMerged();
    hub.inject(
        three.get(1).address(),
        new WireMessage.Push(NodeId.of("n1"), List.of(RecordCodec.encode(r))));
    Awaits.await(10)
        .untilAsserted(
            () -> assertThat(three.get(1).backend.stats().peerRecordsUnchanged()).isPositive());
    assertThat(three.get(1).backend.stats().peerRecordsMerged()).isEqualTo(before);
  }
}
