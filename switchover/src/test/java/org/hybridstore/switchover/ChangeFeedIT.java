package org.hybridstore.switchover;

import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.hybridstore.ChangeFeedOptions;
import org.hybridstore.OpId;
import org.hybridstore.OrderChange;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.EtcdMember;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order change feed on a real 3-member etcd cluster, compared with an independent history: a
 * raw jetcd watch on a member that is never killed records every version etcd commits under the
 * store's prefix. While a writer keeps changing orders through the store, the etcd leader is killed
 * and restarted, the store degrades and reconciles (etcd transactions that write several orders at
 * one revision), then the subscriber stalls (its buffer fills and the feed closes its watch), etcd
 * compacts the history the feed still needs, and the subscriber resumes. The feed must never repeat
 * a version, never deliver one etcd did not commit, and never skip one, except versions that etcd
 * compacted away, each of which a later version of the same order (re-read) stands for.
 */
@Timeout(value = 5, unit = MINUTES)
class ChangeFeedIT {
  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .build();

  private static final int ORDERS = 12;
  private static final int BUFFER = 32;

  @TempDir Path dir;

  private final List<AutoCloseable> resources = new ArrayList<>();

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

  /** One version etcd committed, as the independent watch saw it. */
  private record Version(String order, long revision, OrderRecord record) {}

  /** A subscriber the test can stall: it keeps 16 changes requested while flowing. */
  private static final class Valve implements Flow.Subscriber<OrderChange> {
    final List<OrderChange> got = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    volatile boolean flowing = true;
    volatile Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(16);
    }

    @Override
    public void onNext(OrderChange item) {
      got.add(item);
      if (flowing) {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onComplete() {
      errors.add(new AssertionError("completed"));
    }

    void resume() {
      flowing = true;
      subscription.request(16);
    }
  }

  private static OrderCommand next(int n) {
    OrderId id = OrderId.of("feed-" + (n % ORDERS));
    return n < ORDERS
        ? OrderCommand.Create.of(id, OpId.of("feed-op-" + n), "c", "EUR")
        : new OrderCommand.SetAttribute(id, OpId.of("feed-op-" + n), "n", Integer.toString(n));
  }

  @Test
  void changeFeed_acrossAMemberKillAndACompaction_neverSkipsOrRepeatsAVersion() throws Exception {
    StoreCluster cluster =
        new StoreCluster(ETCD, dir, 1, ManagementFactory.getPlatformMBeanServer());
    resources.add(cluster);
    HybridOrderStore store = cluster.start(0);
    String prefix = cluster.prefix();
    // Given an independent watch through a member that stays up
    EtcdMember witness = ETCD.followers().get(0);
    Client raw = Client.builder().endpoints(witness.clientEndpoint()).build();
    resources.add(raw);
    long from =
        raw.getKVClient()
            .get(ByteSequence.from("/", StandardCharsets.UTF_8))
            .get(10, TimeUnit.SECONDS)
            .getHeader()
            .getRevision();
    List<Version> history = new CopyOnWriteArrayList<>();
    List<Throwable> witnessErrors = new CopyOnWriteArrayList<>();
    ByteSequence start = ByteSequence.from(prefix, StandardCharsets.UTF_8);
    ByteSequence end =
        ByteSequence.from(
            prefix.substring(0, prefix.length() - 1)
                + (char) (prefix.charAt(prefix.length() - 1) + 1),
            StandardCharsets.UTF_8);
    Watch.Watcher watcher =
        raw.getWatchClient()
            .watch(
                start,
                WatchOption.builder().withRange(end).withRevision(from + 1).build(),
                Watch.listener(
                    response -> {
                      for (WatchEvent e : response.getEvents()) {
                        if (e.getEventType() == WatchEvent.EventType.PUT) {
                          String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
                          history.add(
                              new Version(
                                  key.substring(prefix.length()),
                                  e.getKeyValue().getModRevision(),
                                  RecordCodec.decode(e.getKeyValue().getValue().getBytes(), key)));
                        }
                      }
                    },
                    witnessErrors::add));
    resources.add(watcher);
    // And the feed from the same revision
    Valve valve = new Valve();
    store.changes(from, ChangeFeedOptions.DEFAULT.withBufferSize(BUFFER)).subscribe(valve);
    // And a writer that keeps changing 12 orders through the store (retrying with the same op id)
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger written = new AtomicInteger();
    Thread writer =
        new Thread(
            () -> {
              long pace = System.nanoTime();
              for (int n = 0; !stop.get(); n++) {
                pace += 10_000_000L;
                LockSupport.parkNanos(pace - System.nanoTime());
                for (int attempt = 0; attempt < 50 && !stop.get(); attempt++) {
                  try {
                    store.sync().apply(next(n));
                    written.incrementAndGet();
                    break;
                  } catch (OrderStoreException e) {
                    LockSupport.parkNanos(50_000_000L); // the same op id again, soon
                  }
                }
              }
            },
            "feed-it-writer");
    writer.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> valve.got.size() > 100);

      // When the leader is killed and restarted
      EtcdMember leader = ETCD.leader();
      if (leader == witness) {
        leader = ETCD.followers().stream().filter(m -> m != witness).findFirst().orElseThrow();
      }
      int beforeKill = valve.got.size();
      leader.kill();
      int atKill = history.size();
      await().atMost(Duration.ofSeconds(30)).until(() -> history.size() > atKill + 100);
      leader.restart();
      ETCD.awaitHealthy(Duration.ofSeconds(30));
      await().atMost(Duration.ofSeconds(30)).until(() -> valve.got.size() > beforeKill + 200);

      // And the store degrades for a while, so that reconciling folds its provisional writes into
      // etcd
      // in transactions of several orders
      store.forceDegrade("change feed IT: provisional writes");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> store.mode() == org.hybridstore.ConsistencyMode.DEGRADED);
      int degradedAt = written.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > degradedAt + 100);
      store.requestReconcile();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  store.mode() == org.hybridstore.ConsistencyMode.STRONG
                      && store.backlogSize() == 0);

      // And the subscriber stalls long enough for the feed to close its watch, and etcd compacts
      valve.flowing = false;
      int stalledAt = history.size();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> history.size() > stalledAt + 16 + BUFFER + 100);
      long compactAt = history.get(history.size() - 1).revision();
      raw.getKVClient().compact(compactAt).get(10, TimeUnit.SECONDS);
      int compactedAt = history.size();
      await().atMost(Duration.ofSeconds(30)).until(() -> history.size() > compactedAt + 100);
      int beforeResume = valve.got.size();
      valve.resume();
      await().atMost(Duration.ofSeconds(30)).until(() -> valve.got.size() > beforeResume + 200);
      stop.set(true);
      writer.join(30_000);

      // Then the feed catches up with every order's last version, as etcd itself holds it once the
      // writer has stopped (the witness's own watch may still be delivering the last events)
      Map<String, Long> lastInEtcd = new HashMap<>();
      for (var kv :
          raw.getKVClient()
              .get(start, io.etcd.jetcd.options.GetOption.builder().withRange(end).build())
              .get(10, TimeUnit.SECONDS)
              .getKvs()) {
        lastInEtcd.put(
            kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix.length()),
            kv.getModRevision());
      }
      assertThat(lastInEtcd).as("the orders the writer changed").hasSize(ORDERS);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                Map<String, Long> lastWitnessed = new HashMap<>();
                history.forEach(v -> lastWitnessed.merge(v.order(), v.revision(), Math::max));
                assertThat(lastWitnessed)
                    .as("the witness saw every last version")
                    .isEqualTo(lastInEtcd);
              });
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                Map<String, Long> lastDelivered = new HashMap<>();
                valve.got.forEach(
                    c -> lastDelivered.merge(c.orderId().value(), c.revision(), Math::max));
                assertThat(lastDelivered).isEqualTo(lastInEtcd);
              });
      check(history, valve.got, compactAt);
      assertThat(
              history.stream()
                  .collect(
                      java.util.stream.Collectors.groupingBy(
                          Version::revision, java.util.stream.Collectors.counting()))
                  .values())
          .as("transactions of several orders")
          .anyMatch(n -> n > 1);
      assertThat(valve.errors).isEmpty();
      assertThat(witnessErrors).isEmpty();
      long resyncs = valve.got.stream().filter(c -> c.kind() == OrderChange.Kind.RESYNC).count();
      System.out.printf(
          "change feed: %d writes, %d versions in etcd, %d delivered (%d re-read after the compaction at"
              + " %d), %d transactions of several orders%n",
          written.get(),
          history.size(),
          valve.got.size(),
          resyncs,
          compactAt,
          history.stream()
              .collect(
                  java.util.stream.Collectors.groupingBy(
                      Version::revision, java.util.stream.Collectors.counting()))
              .values()
              .stream()
              .filter(n -> n > 1)
              .count());
    } finally {
      stop.set(true);
      writer.join(30_000);
    }
  }

  /** The property, against the independent history. */
  private static void check(List<Version> history, List<OrderChange> feed, long compactAt) {
    Map<String, Version> byKey = new HashMap<>();
    history.forEach(v -> byKey.put(v.order() + "@" + v.revision(), v));
    // never repeats, never invents: each delivered version once, exactly as etcd committed it
    Set<String> delivered = new HashSet<>();
    for (OrderChange c : feed) {
      assertThat(c.kind()).isNotEqualTo(OrderChange.Kind.PROVISIONAL);
      String k = c.orderId().value() + "@" + c.revision();
      assertThat(delivered.add(k)).as("delivered once: %s", k).isTrue();
      Version v = byKey.get(k);
      assertThat(v).as("etcd committed %s", k).isNotNull();
      assertThat(c.order()).isEqualTo(v.record().toOrder());
      assertThat(c.opKeys()).isEqualTo(v.record().appliedOps().entries().keySet());
    }
    // in revision order: committed changes never go back, and a re-read delivers only versions
    // after the last committed one and up to the compaction revision
    long lastCommitted = 0;
    long lastBeforeResync = -1;
    for (OrderChange c : feed) {
      if (c.kind() == OrderChange.Kind.COMMITTED) {
        assertThat(c.revision())
            .as("committed changes in revision order")
            .isGreaterThanOrEqualTo(lastCommitted);
        lastCommitted = c.revision();
      } else {
        if (lastBeforeResync < 0) {
          lastBeforeResync = lastCommitted;
        }
        assertThat(c.revision()).isGreaterThan(lastBeforeResync).isLessThanOrEqualTo(compactAt);
      }
    }
    assertThat(lastBeforeResync).as("the stall and the compaction forced a re-read").isPositive();
    assertThat(
            feed.stream()
                .filter(c -> c.kind() == OrderChange.Kind.COMMITTED)
                .mapToLong(OrderChange::revision)
                .max()
                .orElseThrow())
        .as("live changes after the re-read")
        .isGreaterThan(compactAt);
    // never skips: every version is delivered, except one that etcd compacted away before the feed
    // read it, for which the same order's later version is delivered
    Map<String, Long> lastDelivered = new HashMap<>();
    feed.forEach(c -> lastDelivered.merge(c.orderId().value(), c.revision(), Math::max));
    for (Version v : history) {
      String k = v.order() + "@" + v.revision();
      if (delivered.contains(k)) {
        continue;
      }
      assertThat(v.revision())
          .as("%s was skipped, but etcd still had it", k)
          .isGreaterThan(lastBeforeResync)
          .isLessThan(compactAt);
      assertThat(lastDelivered.get(v.order()))
          .as("a later version of %s stands for %s", v.order(), k)
          .isGreaterThan(v.revision());
    }
  }
}
