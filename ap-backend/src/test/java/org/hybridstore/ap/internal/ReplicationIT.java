package org.hybridstore.ap.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.OpId;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.spi.LocalBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes on real sockets (ScaleCube) in one JVM. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReplicationIT {
  @TempDir Path dir;
  private final List<TestNode> nodes = new ArrayList<>();

  @AfterEach
  void closeAll() {
    try {
      // Every frame ScaleCube and the replicator exchanged went through the allow-list codec.
      for (TestNode n : nodes) {
        assertThat(n.backend.stats().droppedMalformed()).as("malformed on %s", n.id).isZero();
        assertThat(n.backend.stats().droppedUnknownType()).as("unknown on %s", n.id).isZero();
        // ... and every frame was authenticated: members never refuse each other's traffic.
        assertThat(n.backend.stats().droppedByAuthentication())
            .as("refused by auth on %s", n.id)
            .isZero();
      }
    } finally {
      TestNode.closeAll(nodes);
    }
  }

  private List<TestNode> startThree() {
    TestNode a = TestNode.scaleCube("n1", TestNode.config(dir.resolve("n1")).build());
    nodes.add(a);
    for (String n : List.of("n2", "n3")) {
      nodes.add(
          TestNode.scaleCube(
              n, TestNode.config(dir.resolve(n)).seeds(List.of(a.address())).build()));
    }
    Awaits.await(30)
        .untilAsserted(
            () -> {
              for (TestNode n : nodes) {
                assertThat(n.backend.peers()).hasSize(2);
              }
            });
    return List.copyOf(nodes);
  }

  private static OrderCommand.Create create(String id) {
    return OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c-1", "EUR");
  }

  private static void write(LocalBackend b, OrderCommand c) throws Exception {
    b.apply(c).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static void assertConverged(List<TestNode> nodes, int expectedRecords) {
    TestNode first = nodes.get(0);
    assertThat(first.backend.replicaSize()).isEqualTo(expectedRecords);
    for (TestNode n : nodes) {
      assertThat(n.backend.replicaSummary())
          .as(n.id.value())
          .isEqualTo(first.backend.replicaSummary());
    }
  }

  static void assertSameRecords(List<TestNode> nodes) {
    TestNode first = nodes.get(0);
    for (String id : first.backend.orderIds()) {
      for (TestNode n : nodes) {
        assertThat(n.backend.read(OrderId.of(id)))
            .as("%s on %s", id, n.id)
            .isEqualTo(first.backend.read(OrderId.of(id)));
      }
    }
  }

  @Test
  void writesOnEveryNode_convergeOnAll() throws Exception {
    List<TestNode> three = startThree();
    // Given writes on every node
    for (int i = 0; i < 30; i++) {
      write(three.get(i % 3).backend, create("o-" + i));
    }
    // Then every node holds all of them, identically
    Awaits.await(30).untilAsserted(() -> assertConverged(three, 30));
    assertSameRecords(three);
    // And peer records entered each receiver's backlog (hinted handoff)
    for (TestNode n : three) {
      assertThat(n.backend.backlogSize()).isEqualTo(30);
    }
  }

  @Test
  void concurrentConflictingWrites_convergeWithTheConflictRecorded() throws Exception {
    List<TestNode> three = startThree();
    OrderId id = OrderId.of("contested");
    write(three.get(0).backend, create("contested"));
    Awaits.await(30).untilAsserted(() -> assertConverged(three, 1));
    write(
        three.get(0).backend,
        new OrderCommand.Transition(id, OpId.of("op-paid"), OrderStatus.PAID));
    write(
        three.get(0).backend,
        new OrderCommand.Transition(id, OpId.of("op-fulfil"), OrderStatus.FULFILLING));
    Awaits.await(30).untilAsserted(() -> assertConverged(three, 1));
    // When two nodes move the order to incompatible statuses at the same time
    CompletableFuture<?> shipped =
        three
            .get(1)
            .backend
            .apply(new OrderCommand.Transition(id, OpId.of("op-ship"), OrderStatus.SHIPPED))
            .toCompletableFuture();
    CompletableFuture<?> cancelled =
        three
            .get(2)
            .backend
            .apply(new OrderCommand.Cancel(id, OpId.of("op-cancel"), "customer"))
            .toCompletableFuture();
    CompletableFuture.allOf(shipped, cancelled).get(30, TimeUnit.SECONDS);
    // Then every node ends with the same record, and it records the conflict
    Awaits.await(30).untilAsserted(() -> assertConverged(three, 1));
    assertSameRecords(three);
    Order order = three.get(0).backend.read(id).orElseThrow().toOrder();
    assertThat(order.conflictingStatuses()).contains(OrderStatus.SHIPPED, OrderStatus.CANCELLED);
    assertThat(order.hasConflict()).isTrue();
  }

  @Test
  void partition_writesOnBothSides_healConverges() throws Exception {
    List<TestNode> three = startThree();
    TestNode a = three.get(0);
    TestNode b = three.get(1);
    TestNode c = three.get(2);
    // Given {a, b} cut off from {c}
    TestNode.partition(List.of(a, b), List.of(c));
    // When both sides take writes, including to the same order
    write(a.backend, create("shared"));
    write(
        c.backend,
        new OrderCommand.Create(
            OrderId.of("shared"),
            OpId.of("op-shared"),
            "c-1",
            "EUR",
            List.of(),
            new java.util.TreeMap<>()));
    for (int i = 0; i < 100; i++) {
      write((i % 2 == 0 ? a : c).backend, create("p-" + i));
    }
    write(
        b.backend,
        new OrderCommand.SetAttribute(OrderId.of("shared"), OpId.of("op-b"), "side", "ab"));
    write(
        c.backend,
        new OrderCommand.SetAttribute(OrderId.of("shared"), OpId.of("op-c"), "channel", "c"));
    Awaits.await(30).untilAsserted(() -> assertThat(b.backend.replicaSize()).isEqualTo(51));
    assertThat(c.backend.replicaSize()).isEqualTo(51);
    // (membership notices the partition too: the seam blocks SWIM's traffic as well)
    Awaits.await(60)
        .untilAsserted(
            () -> {
              assertThat(c.backend.peers()).isEmpty();
              assertThat(a.backend.peers()).containsOnlyKeys(b.id);
            });
    assertThat(c.backend.replicaSummary()).isNotEqualTo(a.backend.replicaSummary());
    // And the partition heals
    long healed = System.nanoTime();
    TestNode.heal(three);
    Awaits.await(60).untilAsserted(() -> assertConverged(three, 101));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healed);
    System.out.printf(
        "ReplicationIT: 3 nodes converged %d ms after the partition healed (101 records)%n",
        millis);
    // Then the replicas are equal and both sides' writes to the shared order are merged
    assertSameRecords(three);
    Order shared = a.backend.read(OrderId.of("shared")).orElseThrow().toOrder();
    assertThat(shared.attributes()).containsEntry("side", "ab").containsEntry("channel", "c");
    // And membership heals as well (at SWIM's next periodic sync)
    Awaits.await(60)
        .untilAsserted(
            () -> {
              for (TestNode n : three) {
                assertThat(n.backend.peers()).hasSize(2);
              }
            });
  }

  @Test
  void publishMode_isVisibleToPeers() throws Exception {
    List<TestNode> three = startThree();
    three.get(1).backend.publishMode(ConsistencyMode.DEGRADED, 7);
    Awaits.await(30)
        .untilAsserted(
            () -> {
              assertThat(three.get(0).backend.peers().get(three.get(1).id))
                  .isEqualTo(new LocalBackend.PeerState(ConsistencyMode.DEGRADED, 7));
              assertThat(three.get(2).backend.peers().get(three.get(1).id))
                  .isEqualTo(new LocalBackend.PeerState(ConsistencyMode.DEGRADED, 7));
            });
    assertThat(three.get(0).backend.peers().keySet())
        .isEqualTo(Set.of(three.get(1).id, three.get(2).id));
  }

  @Test
  void restartedNode_catchesUpByAntiEntropy() throws Exception {
    List<TestNode> three = startThree();
    TestNode c = three.get(2);
    nodes.remove(c);
    c.close();
    for (int i = 0; i < 40; i++) {
      write(three.get(i % 2).backend, create("r-" + i));
    }
    TestNode back =
        TestNode.scaleCube(
            "n3",
            TestNode.config(dir.resolve("n3")).seeds(List.of(three.get(0).address())).build());
    nodes.add(back);
    List<TestNode> now = List.of(three.get(0), three.get(1), back);
    Awaits.await(60).untilAsserted(() -> assertConverged(now, 40));
    assertSameRecords(now);
  }
}
