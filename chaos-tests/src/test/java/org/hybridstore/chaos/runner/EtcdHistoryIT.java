package org.hybridstore.chaos.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.testkit.EtcdCommand;
import org.hybridstore.testkit.EtcdProcess;
import org.hybridstore.testkit.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EtcdHistory} over {@link EtcdWatchVersions} against a real one-member etcd. */
class EtcdHistoryIT {

  private static final String PREFIX = "/hybridstore/orders/";

  @TempDir Path dir;
  private EtcdProcess etcd;
  private Client client;
  private URI url;

  @BeforeEach
  void start() {
    int[] ports = FreePorts.allocate(2);
    url = URI.create("http://127.0.0.1:" + ports[0]);
    URI peer = URI.create("http://127.0.0.1:" + ports[1]);
    etcd =
        new EtcdProcess(
            System.getProperty("etcd.binary", "etcd"),
            List.of(),
            new EtcdCommand(
                "m0",
                dir.resolve("data"),
                url,
                peer,
                "m0=" + peer,
                "history-it",
                50,
                500,
                true,
                null),
            dir.resolve("m0.log"));
    etcd.start();
    client = Client.builder().endpoints(url).connectTimeout(Duration.ofSeconds(1)).build();
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> client.getKVClient().get(bs("/probe")).get(1, TimeUnit.SECONDS) != null);
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (etcd != null) {
      etcd.kill();
    }
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Puts {@code count} versions of each order, interleaved; returns order to revision to keys. */
  private Map<String, TreeMap<Long, Integer>> write(List<String> orders, int count)
      throws Exception {
    HybridLogicalClock clock =
        new HybridLogicalClock(InstantSource.system(), Duration.ofSeconds(1));
    KV kv = client.getKVClient();
    Map<String, OrderRecord> records = new HashMap<>();
    Map<String, TreeMap<Long, Integer>> written = new HashMap<>();
    for (int i = 0; i < count; i++) {
      for (String o : orders) {
        OrderId id = OrderId.of(o);
        OrderCommand c =
            i == 0
                ? new OrderCommand.Create(
                    id, OpId.random(), "customer-1", "EUR", List.of(), new TreeMap<>())
                : new OrderCommand.SetAttribute(id, OpId.random(), "note", "v" + i);
        OrderRecord r = OrderCommands.apply(records.get(o), c, clock, NodeId.of("n1")).record();
        records.put(o, r);
        long rev =
            kv.put(bs(PREFIX + o), ByteSequence.from(RecordCodec.encode(r)))
                .get(5, TimeUnit.SECONDS)
                .getHeader()
                .getRevision();
        written.computeIfAbsent(o, x -> new TreeMap<>()).put(rev, r.appliedOps().entries().size());
      }
    }
    return written;
  }

  @Test
  void oneWatch_readsEveryVersionOfEveryOrder() throws Exception {
    long start =
        client.getKVClient().get(bs("/probe")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
    Map<String, TreeMap<Long, Integer>> written = write(List.of("a", "b", "c"), 20);
    Map<String, Long> last = new HashMap<>();
    written.forEach((o, vs) -> last.put(o, vs.lastKey()));

    EtcdHistory h =
        EtcdHistory.read(
            start, last, new EtcdWatchVersions(List.of(url)), PREFIX, Duration.ofSeconds(30));

    assertThat(h.unreadable()).isEmpty();
    assertThat(h.size()).isEqualTo(60);
    written.forEach(
        (o, vs) ->
            vs.forEach(
                (rev, keys) ->
                    assertThat(h.at(o, rev)).hasValueSatisfying(k -> assertThat(k).hasSize(keys))));
  }

  @Test
  void aCompactedStart_leavesTheOrdersUnreadable() throws Exception {
    long start =
        client.getKVClient().get(bs("/probe")).get(5, TimeUnit.SECONDS).getHeader().getRevision();
    Map<String, TreeMap<Long, Integer>> written = write(List.of("a"), 5);
    long last = written.get("a").lastKey();
    client.getKVClient().compact(last).get(5, TimeUnit.SECONDS);

    EtcdHistory h =
        EtcdHistory.read(
            start,
            Map.of("a", last),
            new EtcdWatchVersions(List.of(url)),
            PREFIX,
            Duration.ofSeconds(30));

    assertThat(h.unreadable()).containsExactly("a");
  }
}
