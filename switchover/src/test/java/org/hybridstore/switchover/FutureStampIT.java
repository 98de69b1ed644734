package org.hybridstore.switchover;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import org.hybridstore.Acceptance;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.WriteResult;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record put into etcd by someone else with a stamp an hour ahead (a node whose clock ran away,
 * or a hand-made put) moves no node's clock, on a real 3-member etcd cluster with two stores: each
 * store's write to that order still wins over the planted values (it is stamped just after the
 * planted stamp), the refusal is counted in the MXBean, and each store's next write to a fresh
 * order carries a stamp within the maximum clock offset of real time.
 */
@Timeout(value = 3, unit = MINUTES)
class FutureStampIT {
  @RegisterExtension
  static final EtcdClusterExtension ETCD = EtcdClusterExtension.builder().withNodes(3).build();

  private static final long HOUR = 3_600_000;

  @TempDir Path dir;

  private final MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private static OrderRecord read(Client raw, String key) throws Exception {
    GetResponse r =
        raw.getKVClient()
            .get(ByteSequence.from(key, StandardCharsets.UTF_8))
            .get(10, TimeUnit.SECONDS);
    assertThat(r.getKvs()).as(key).hasSize(1);
    return RecordCodec.decode(r.getKvs().get(0).getValue().getBytes(), key);
  }

  @Test
  void recordStampedAnHourAheadInEtcd_movesNoNodesClock_andIsStillOverwritten() throws Exception {
    StoreCluster cluster = new StoreCluster(ETCD, dir, 2, mbeans);
    resources.add(cluster);
    cluster.startAll();
    Client raw = ETCD.newClient();
    resources.add(raw);
    for (HybridOrderStore s : cluster.all()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.mode() == ConsistencyMode.STRONG);
    }
    // Given an order put into etcd directly, stamped an hour ahead of every node's clock
    OrderId planted = OrderId.of("planted-ahead");
    long ahead = System.currentTimeMillis() + HOUR;
    OrderRecord record =
        OrderCommands.apply(
                null,
                OrderCommand.Create.of(planted, OpId.of("planted"), "c", "EUR"),
                new Stamp(new HybridTimestamp(ahead, 0), NodeId.of("elsewhere")))
            .record();
    raw.getKVClient()
        .put(
            ByteSequence.from(cluster.prefix() + planted.value(), StandardCharsets.UTF_8),
            ByteSequence.from(RecordCodec.encode(record)))
        .get(10, TimeUnit.SECONDS);

    for (int i = 0; i < 2; i++) {
      HybridOrderStore s = cluster.get(i);
      long refusedBefore =
          (Long) mbeans.getAttribute(s.objectName().orElseThrow(), "ClockSkewRefusals");
      // When the store writes to the planted order, then to a fresh one
      WriteResult touched =
          s.sync()
              .apply(new OrderCommand.SetAttribute(planted, OpId.of("touch-" + i), "k", "v" + i));
      OrderId fresh = OrderId.of("fresh-after-planted-" + i);
      WriteResult created =
          s.sync().apply(OrderCommand.Create.of(fresh, OpId.of("fresh-" + i), "c", "EUR"));

      // Then both are STRONG; the planted order holds the store's value, stamped after the plant
      assertThat(touched.acceptance()).isEqualTo(Acceptance.STRONG);
      assertThat(created.acceptance()).isEqualTo(Acceptance.STRONG);
      OrderRecord afterTouch = read(raw, cluster.prefix() + planted.value());
      assertThat(afterTouch.toOrder().attributes()).containsEntry("k", "v" + i);
      assertThat(afterTouch.latestTime().wallMillis()).isGreaterThanOrEqualTo(ahead);
      // and the store's clock did not follow it: the fresh order is stamped near real time
      long now = System.currentTimeMillis();
      OrderRecord freshRecord = read(raw, cluster.prefix() + fresh.value());
      assertThat(freshRecord.latestTime().wallMillis())
          .as("stamp of a write after the planted record")
          .isLessThan(now + 1_000)
          .isGreaterThan(now - 60_000);
      assertThat((Long) mbeans.getAttribute(s.objectName().orElseThrow(), "ClockSkewRefusals"))
          .as("refusals counted")
          .isGreaterThan(refusedBefore);
    }
  }
}
