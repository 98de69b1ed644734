package org.hybridstore.switchover;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.hybridstore.Acceptance;
import org.hybridstore.Confirmation;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.ReadConsistency;
import org.hybridstore.Versioned;
import org.hybridstore.WriteResult;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.EtcdMember;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confirmations on real parts: a 3-member etcd cluster, HybridOrderStores with their MapDB journals
 * and ScaleCube members. Every confirmation's revision is checked against etcd itself (a raw client
 * reading the key at that revision and the one before).
 */
@Timeout(value = 4, unit = MINUTES)
class ConfirmationIT {
  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .build();

  @TempDir Path dir;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();

  @AfterEach
  void tearDown() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    for (EtcdMember m : ETCD.members()) {
      if (!m.isRunning()) {
        m.restart();
      }
    }
    ETCD.awaitHealthy(Duration.ofSeconds(30));
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(resource);
    return resource;
  }

  private static Confirmation confirmed(WriteResult w, Duration within) throws Exception {
    return w.confirmation().toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Versioned<org.hybridstore.Order> linearizable(HybridOrderStore s, OrderId id) {
    return s.sync().get(id, ReadConsistency.LINEARIZABLE).orElseThrow();
  }

  private Object attribute(HybridOrderStore s, String name) throws Exception {
    ObjectName on = s.objectName().orElseThrow();
    return mbeans.getAttribute(on, name);
  }

  @Test
  void provisionalWrite_quorumReturns_confirmationCompletesWithTheRevisionThatFirstHeldIt()
      throws Exception {
    // Given one store (nobody else can fold its writes in) and an order written STRONG
    StoreCluster cluster = closeLater(new StoreCluster(ETCD, dir, 1, mbeans));
    HybridOrderStore store = cluster.start(0);
    Client raw = closeLater(ETCD.newClient());
    OrderId id = OrderId.of("confirm-quorum");
    WriteResult created =
        store.sync().apply(OrderCommand.Create.of(id, OpId.random(), "c-1", "EUR"));
    assertThat(created.acceptance()).isEqualTo(Acceptance.STRONG);
    Confirmation strong = confirmed(created, Duration.ofSeconds(1));
    EtcdHistory.assertFirstHeldAt(raw, cluster.prefix(), strong);

    // When etcd loses quorum and the store takes a write provisionally
    EtcdMember leader = ETCD.leader();
    EtcdMember follower = ETCD.followers().get(0);
    leader.kill();
    follower.kill();
    await().atMost(Duration.ofSeconds(10)).until(() -> store.mode() == ConsistencyMode.DEGRADED);
    OpId pay = OpId.random();
    WriteResult paid = store.sync().apply(new OrderCommand.Transition(id, pay, OrderStatus.PAID));
    assertThat(paid.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    CompletableFuture<Confirmation> pending = paid.confirmation().toCompletableFuture();
    assertThat(pending).isNotDone();
    assertThat((Integer) attribute(store, "PendingConfirmations")).isEqualTo(1);
    // (and a lookup by op id waits too, while etcd cannot be asked)
    CompletableFuture<Confirmation> lookedUp = store.confirmation(pay).toCompletableFuture();
    assertThat(lookedUp).isNotDone();

    // Then the confirmation completes once quorum returns and the store folds the write in
    long restartedAt = System.nanoTime();
    leader.restart();
    follower.restart();
    Confirmation c = pending.get(60, TimeUnit.SECONDS);
    System.out.printf(
        "provisional write confirmed %d ms after the restart, at revision %d%n",
        (System.nanoTime() - restartedAt) / 1_000_000, c.revision());
    assertThat(lookedUp.get(10, TimeUnit.SECONDS)).isEqualTo(c);
    assertThat(c.opId()).isEqualTo(pay);
    assertThat(c.firstRevision()).isTrue();
    assertThat(c.revision()).isGreaterThan(strong.revision());
    assertThat(c.order().status()).isEqualTo(OrderStatus.PAID);
    assertThat(c.acknowledgedStatus()).contains(OrderStatus.PAID);
    assertThat(c.outcomeChanged()).isFalse();
    // with the right revision: etcd's key at that revision holds the write, the version before does
    // not
    EtcdHistory.assertFirstHeldAt(raw, cluster.prefix(), c);
    assertThat((Integer) attribute(store, "PendingConfirmations")).isZero();
    // and later lookups give the same answer, also after later writes to the order (the store
    // folds its own writes before its return to STRONG, so the confirmation may come first)
    await().atMost(Duration.ofSeconds(10)).until(() -> store.mode() == ConsistencyMode.STRONG);
    WriteResult later =
        store.sync().apply(new OrderCommand.SetAttribute(id, OpId.random(), "note", "later"));
    assertThat(later.acceptance()).isEqualTo(Acceptance.STRONG);
    assertThat(store.sync().confirmation(pay)).isEqualTo(c);
    assertThat((Integer) attribute(store, "PendingConfirmations")).isZero();
    assertThat((Long) attribute(store, "ConfirmationsTotal")).isPositive();
    assertThat((Double) attribute(store, "ConfirmationP99Millis")).isPositive();
  }

  @Test
  void provisionalWrite_conflictingStrongWriteMeanwhile_confirmationReportsTheMerge()
      throws Exception {
    // Two stores on one etcd prefix that do not gossip, so only etcd joins their writes; store A
    // reaches etcd through proxies that the test can cut.
    String prefix = "/it-confirm-" + Long.toHexString(System.nanoTime()) + "/";
    StoreCluster sideA = closeLater(new StoreCluster(ETCD, dir.resolve("a"), 1, mbeans, prefix));
    StoreCluster sideB = closeLater(new StoreCluster(ETCD, dir.resolve("b"), 1, mbeans, prefix));
    List<TcpProxy> proxies = new ArrayList<>();
    for (var endpoint : ETCD.clientEndpoints()) {
      proxies.add(closeLater(new TcpProxy(endpoint)));
    }
    HybridOrderStore a = sideA.start(0, proxies.stream().map(TcpProxy::uri).toList());
    HybridOrderStore b = sideB.start(0);
    Client raw = closeLater(ETCD.newClient());
    OrderId id = OrderId.of("confirm-conflict");
    b.sync().apply(OrderCommand.Create.of(id, OpId.random(), "c-1", "EUR"));
    b.sync().apply(new OrderCommand.Transition(id, OpId.random(), OrderStatus.PAID));
    b.sync().apply(new OrderCommand.Transition(id, OpId.random(), OrderStatus.FULFILLING));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                a.sync()
                    .get(id, ReadConsistency.LOCAL)
                    .map(v -> v.value().status() == OrderStatus.FULFILLING)
                    .orElse(false));

    // Given A cut off from etcd ships the order provisionally, while B cancels it in etcd
    proxies.forEach(p -> p.blackhole(true));
    await().atMost(Duration.ofSeconds(15)).until(() -> a.mode() == ConsistencyMode.DEGRADED);
    OpId ship = OpId.random();
    WriteResult shipped =
        a.sync().apply(new OrderCommand.Transition(id, ship, OrderStatus.SHIPPED));
    assertThat(shipped.acceptance()).isEqualTo(Acceptance.PROVISIONAL);
    assertThat(shipped.order().status()).isEqualTo(OrderStatus.SHIPPED);
    WriteResult cancelled =
        b.sync().apply(new OrderCommand.Cancel(id, OpId.random(), "out of stock"));
    assertThat(cancelled.acceptance()).isEqualTo(Acceptance.STRONG);

    // When A reaches etcd again and folds its write in
    proxies.forEach(p -> p.blackhole(false));
    Confirmation c = confirmed(shipped, Duration.ofSeconds(60));

    // Then the confirmation reports the merge: the conflict and its deterministic winner
    assertThat(c.outcomeChanged()).isTrue();
    assertThat(c.acknowledgedStatus()).contains(OrderStatus.SHIPPED);
    assertThat(c.order().status()).isEqualTo(OrderStatus.CANCELLED);
    assertThat(c.order().conflictingStatuses())
        .containsExactlyInAnyOrder(OrderStatus.SHIPPED, OrderStatus.CANCELLED);
    assertThat(c.revision()).isGreaterThan(confirmed(cancelled, Duration.ofSeconds(1)).revision());
    EtcdHistory.assertFirstHeldAt(raw, prefix, c);
    assertThat(linearizable(b, id).value().status()).isEqualTo(OrderStatus.CANCELLED);
    assertThat((Long) attribute(a, "ConflictsResolvedTotal")).isEqualTo(1);
    // And B, which never saw the acknowledgement, answers the same revision and order by op id
    await().atMost(Duration.ofSeconds(10)).until(() -> b.orderOfOperation(ship).isPresent());
    Confirmation onB = b.sync().confirmation(ship);
    assertThat(onB.revision()).isEqualTo(c.revision());
    assertThat(onB.order()).isEqualTo(c.order());
    assertThat(onB.acknowledgedStatus()).isEmpty();
    assertThat(onB.outcomeChanged())
        .as("unknown acknowledgement: the conflict at the revision")
        .isTrue();
  }
}
