package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hybridstore.cp.testing.Stages.join;

import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hybridstore.CpConfig;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.cp.testing.EtcdMember;
import org.hybridstore.cp.testing.TestBackendContext;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The change feed: ordered, resumes across member restarts, re-reads after compaction. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@SuppressWarnings("try") // the feeds are opened in try-with-resources only to be closed
class EtcdWatchIT {
  @RegisterExtension
  static final EtcdClusterExtension cluster =
      EtcdClusterExtension.builder()
          .withNodes(3)
          .withHeartbeat(50)
          .withElectionTimeout(500)
          .withPreVote(true)
          .build();

  static TestBackendContext ctx;
  static StrongBackend writer;
  static StrongBackend watcher;

  @BeforeAll
  static void open() {
    ctx = new TestBackendContext("n1");
    writer =
        EtcdBackendFactory.of(cluster.cpConfig().requestTimeout(Duration.ofSeconds(1)).build())
            .create(ctx.context());
    watcher = EtcdBackendFactory.of(cluster.cpConfig().build()).create(ctx.context());
  }

  @AfterAll
  static void close() {
    writer.close();
    watcher.close();
    ctx.close();
  }

  /** Collects deliveries and checks that revisions only grow. */
  static final class Recorder implements StrongBackend.ChangeListener {
    final List<Long> revisions = new CopyOnWriteArrayList<>();
    final Map<OrderId, OrderRecord> latest = new ConcurrentHashMap<>();
    volatile boolean outOfOrder;

    @Override
    public void onChanges(List<OrderRecord> records, long revision) {
      if (!revisions.isEmpty() && revision < revisions.get(revisions.size() - 1)) {
        outOfOrder = true;
      }
      revisions.add(revision);
      records.forEach(r -> latest.put(r.id(), r));
    }
  }

  /** Collects per-version deliveries: live events and re-read pages. */
  static final class EventRecorder implements StrongBackend.ChangeListener {
    final List<StoredRecord> live = new CopyOnWriteArrayList<>();
    final List<StoredRecord> resync = new CopyOnWriteArrayList<>();
    final List<Long> resyncEnds = new CopyOnWriteArrayList<>();

    @Override
    public void onChanges(List<OrderRecord> records, long revision) {
      throw new AssertionError("a per-version listener is never given collapsed changes");
    }

    @Override
    public void onEvents(List<StoredRecord> events, long revision) {
      live.addAll(events);
    }

    @Override
    public void onResync(List<StoredRecord> page, long revision, boolean last) {
      resync.addAll(page);
      if (last) {
        resyncEnds.add(revision);
      }
    }
  }

  @Test
  void watch_perVersionListener_getsEveryPutWithItsOwnRevision_andTransactionsWhole()
      throws Exception {
    // Given a feed that starts with a re-read (revision 0)
    OrderId a = OrderId.of("w-events-a");
    OrderId b = OrderId.of("w-events-b");
    BackendWrite first = applyRetrying(OrderCommand.Create.of(a, OpId.random(), "c", "EUR"));
    EventRecorder recorder = new EventRecorder();
    try (AutoCloseable feed = watcher.watch(0, recorder)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.resyncEnds.isEmpty());
      assertThat(recorder.resync).contains(new StoredRecord(first.record(), first.revision()));
      long resyncAt = recorder.resyncEnds.get(0);
      // When one order is written twice in a row and then two orders in one transaction
      BackendWrite w1 = applyRetrying(new OrderCommand.SetAttribute(a, OpId.random(), "k", "1"));
      BackendWrite w2 = applyRetrying(new OrderCommand.SetAttribute(a, OpId.random(), "k", "2"));
      OrderRecord bRecord =
          org.hybridstore.model.OrderCommands.apply(
                  null,
                  OrderCommand.Create.of(b, OpId.random(), "c", "EUR"),
                  ctx.context().clock(),
                  ctx.context().node())
              .record();
      OrderRecord aFromPeer =
          org.hybridstore.model.OrderCommands.apply(
                  w2.record(),
                  new OrderCommand.SetAttribute(a, OpId.random(), "p", "x"),
                  ctx.context().clock(),
                  ctx.context().node())
              .record();
      List<OrderRecord> merged = join(writer.mergeAll(List.of(bRecord, aFromPeer))).stored();
      // Then the feed delivers every version with its own revision, in order, after the re-read
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(recorder.live.stream().map(e -> e.record().id())).contains(b));
      assertThat(recorder.live)
          .startsWith(
              new StoredRecord(w1.record(), w1.revision()),
              new StoredRecord(w2.record(), w2.revision()));
      assertThat(recorder.live)
          .extracting(StoredRecord::modRevision)
          .isSorted()
          .allMatch(r -> r > resyncAt);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(recorder.live).hasSize(4));
      StoredRecord lastA =
          recorder.live.get(2).record().id().equals(a)
              ? recorder.live.get(2)
              : recorder.live.get(3);
      StoredRecord lastB =
          recorder.live.get(2).record().id().equals(b)
              ? recorder.live.get(2)
              : recorder.live.get(3);
      assertThat(lastB.record()).isEqualTo(merged.get(0));
      assertThat(lastA.record()).isEqualTo(merged.get(1));
      assertThat(lastA.modRevision())
          .as("one transaction, one revision")
          .isEqualTo(lastB.modRevision());
      // And every version, live or re-read, carries the bytes etcd holds for it (this codec wrote
      // them, so they are its record's canonical encoding)
      assertThat(recorder.resync).isNotEmpty();
      assertThat(java.util.stream.Stream.concat(recorder.resync.stream(), recorder.live.stream()))
          .allSatisfy(e -> assertThat(e.encoded()).isEqualTo(RecordCodec.encode(e.record())));
    }
  }

  private static BackendWrite applyRetrying(OrderCommand command) {
    return await()
        .atMost(Duration.ofSeconds(15))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsMatching(
            e -> e instanceof IndeterminateWriteException || e instanceof StoreUnavailableException)
        .until(() -> join(writer.apply(command)), w -> true);
  }

  @Test
  void watch_acrossMemberRestarts_deliversEveryChangeInOrder() throws Exception {
    // Given a feed from the current revision
    OrderId id = OrderId.of("w-restart");
    BackendWrite created = applyRetrying(OrderCommand.Create.of(id, OpId.random(), "c", "EUR"));
    Recorder recorder = new Recorder();
    List<OpId> ops = new ArrayList<>();
    try (AutoCloseable feed = watcher.watch(created.revision(), recorder)) {
      // When every member in turn is killed and restarted while commands keep coming
      int n = 0;
      for (EtcdMember m : cluster.members()) {
        for (int i = 0; i < 3; i++, n++) {
          OpId op = OpId.of("w-" + n);
          ops.add(op);
          applyRetrying(new OrderCommand.SetAttribute(id, op, "k" + n, "v"));
        }
        m.kill();
        for (int i = 0; i < 3; i++, n++) {
          OpId op = OpId.of("w-" + n);
          ops.add(op);
          applyRetrying(new OrderCommand.SetAttribute(id, op, "k" + n, "v"));
        }
        m.restart();
        cluster.awaitHealthy(Duration.ofSeconds(15));
      }
      // Then the feed caught up with the last write, in revision order
      OrderRecord last = join(writer.read(id, ReadConsistency.LINEARIZABLE)).orElseThrow();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(recorder.latest.get(id)).isEqualTo(last));
      assertThat(recorder.outOfOrder).isFalse();
      assertThat(ops).allMatch(recorder.latest.get(id).appliedOps()::contains);
    }
  }

  @Test
  void watch_afterEveryMemberWasDown_resumesWhenOneServesAgain_notAfterItsBackoff()
      throws Exception {
    // Given a feed whose reopen backoff is a minute, and an order it has shown
    OrderId id = OrderId.of("w-outage");
    BackendWrite created = applyRetrying(OrderCommand.Create.of(id, OpId.random(), "c", "EUR"));
    CpConfig.Backoff minute = new CpConfig.Backoff(Duration.ofMinutes(1), Duration.ofMinutes(1));
    StrongBackend slowReopen =
        EtcdBackendFactory.of(cluster.cpConfig().watchBackoff(minute).build())
            .create(ctx.context());
    Recorder recorder = new Recorder();
    try (AutoCloseable feed = slowReopen.watch(created.revision() - 1, recorder)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> recorder.latest.containsKey(id));
      // When every member is killed (the feed's stream fails and it waits out its backoff) and
      // then restarted. The outage is held for a second, so that the backend has seen the members
      // down (its reports of a member's state need three checks in a row): a restart within 100 ms
      // of the kill left a fresh backend reporting them serving from the calls before the kill,
      // the feed's reopen on that report failed, and it then waited out the minute (one CI run).
      cluster.members().forEach(EtcdMember::kill);
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(10))
          .until(() -> !join(slowReopen.probe(Duration.ofMillis(300))).quorum());
      cluster.members().forEach(EtcdMember::restart);
      cluster.awaitHealthy(Duration.ofSeconds(15));
      OpId op = OpId.of("w-after-outage");
      applyRetrying(new OrderCommand.SetAttribute(id, op, "k", "v"));
      // Then the feed delivers the next change as soon as a member serves, long before a minute
      await()
          .atMost(Duration.ofSeconds(15))
          .ignoreExceptions()
          .until(() -> recorder.latest.get(id).appliedOps().contains(op));
      assertThat(recorder.outOfOrder).isFalse();
    } finally {
      slowReopen.close();
    }
  }

  @Test
  void watch_fromCompactedRevision_rereadsEverythingThenContinues() throws Exception {
    // Given orders written, and then the history compacted past the caller's revision
    OrderId a = OrderId.of("w-compact-a");
    OrderId b = OrderId.of("w-compact-b");
    long known = applyRetrying(OrderCommand.Create.of(a, OpId.random(), "c", "EUR")).revision();
    applyRetrying(new OrderCommand.SetAttribute(a, OpId.random(), "x", "1"));
    long compactedAt =
        applyRetrying(OrderCommand.Create.of(b, OpId.random(), "c", "EUR")).revision();
    try (Client raw = cluster.newClient()) {
      raw.getKVClient().compact(compactedAt).get(10, TimeUnit.SECONDS);
    }
    Recorder recorder = new Recorder();
    // When a feed starts from the compacted revision
    try (AutoCloseable feed = watcher.watch(known, recorder)) {
      // Then it re-reads every order at a revision at or after the compaction
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(recorder.latest).containsKeys(a, b);
                assertThat(recorder.revisions)
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r).isGreaterThanOrEqualTo(compactedAt));
              });
      // and continues with later changes
      BackendWrite later = applyRetrying(new OrderCommand.SetAttribute(b, OpId.random(), "y", "2"));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(recorder.latest.get(b)).isEqualTo(later.record()));
      assertThat(recorder.outOfOrder).isFalse();
    }
  }

  @Test
  void watch_fromZero_startsWithEveryOrder() throws Exception {
    OrderId id = OrderId.of("w-zero");
    BackendWrite w = applyRetrying(OrderCommand.Create.of(id, OpId.random(), "c", "EUR"));
    Recorder recorder = new Recorder();
    try (AutoCloseable feed = watcher.watch(0, recorder)) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(recorder.latest.get(id)).isEqualTo(w.record()));
      assertThat(recorder.revisions.get(0)).isGreaterThanOrEqualTo(w.revision());
    }
  }

  @Test
  void watch_closed_deliversNothingMore() throws Exception {
    OrderId id = OrderId.of("w-closed");
    BackendWrite w = applyRetrying(OrderCommand.Create.of(id, OpId.random(), "c", "EUR"));
    Recorder recorder = new Recorder();
    AutoCloseable feed = watcher.watch(w.revision(), recorder);
    BackendWrite seen = applyRetrying(new OrderCommand.SetAttribute(id, OpId.random(), "a", "1"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(recorder.latest.get(id)).isEqualTo(seen.record()));
    feed.close();
    int deliveries = recorder.revisions.size();
    applyRetrying(new OrderCommand.SetAttribute(id, OpId.random(), "a", "2"));
    // a later delivery would arrive within milliseconds; give it a bounded chance to (wrongly) show
    // up
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(recorder.revisions).hasSize(deliveries));
  }
}
