package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.hybridstore.ChangeFeedOptions;
import org.hybridstore.OpId;
import org.hybridstore.OrderChange;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.StoreClosedException;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.junit.jupiter.api.Test;

/**
 * The change feed's logic over the in-memory etcd (synchronous delivery, a direct executor):
 * demand, the bounded buffer that closes and reopens the watch, transactions delivered whole,
 * re-reads after compaction (also interrupted ones) without repeats, provisional changes, and the
 * terminal signals. ChangeFeedIT runs the feed against a real etcd cluster.
 */
class ChangeFeedsTest {
  private final Fixtures.ManualTime time = new Fixtures.ManualTime();
  private final FakeStrongBackend etcd = new FakeStrongBackend(time);
  private final ChangeFeeds feeds = new ChangeFeeds("t", etcd, Runnable::run);
  private final HybridLogicalClock clock =
      new HybridLogicalClock(time, java.time.Duration.ofSeconds(1));
  private int ops;

  /** Records what it is given; requests only what the test asks for. */
  static final class Recorder implements Flow.Subscriber<OrderChange> {
    final List<OrderChange> got = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(OrderChange item) {
      got.add(item);
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onComplete() {
      errors.add(new AssertionError("the feed never completes"));
    }

    void request(long n) {
      subscription.request(n);
    }
  }

  private Recorder subscribe(long from, ChangeFeedOptions options) {
    Recorder r = new Recorder();
    feeds.publisher(from, options).subscribe(r);
    return r;
  }

  private long write(String order) {
    OrderId id = OrderId.of(order);
    OrderCommand c =
        etcd.data.containsKey(id)
            ? new OrderCommand.SetAttribute(id, OpId.of("op-" + ++ops), "k", Integer.toString(ops))
            : OrderCommand.Create.of(id, OpId.of("op-" + ++ops), "c", "EUR");
    etcd.apply(c).toCompletableFuture().join();
    return etcd.revision();
  }

  /** Every delivered committed version must be the one etcd's history holds at that revision. */
  private void assertTrueToTheHistory(List<OrderChange> got) {
    Set<String> seen = new HashSet<>();
    for (OrderChange c : got) {
      if (c.kind() == OrderChange.Kind.PROVISIONAL) {
        continue;
      }
      assertThat(seen.add(c.orderId() + "@" + c.revision()))
          .as("delivered once: %s@%s", c.orderId(), c.revision())
          .isTrue();
      assertThat(etcd.history)
          .anySatisfy(
              v -> {
                assertThat(v.record().id()).isEqualTo(c.orderId());
                assertThat(v.modRevision()).isEqualTo(c.revision());
                assertThat(v.record().toOrder()).isEqualTo(c.order());
              });
    }
  }

  private Map<OrderId, Long> latestDelivered(List<OrderChange> got) {
    Map<OrderId, Long> latest = new HashMap<>();
    got.forEach(c -> latest.merge(c.orderId(), c.revision(), Math::max));
    return latest;
  }

  private Map<OrderId, Long> latestInEtcd() {
    Map<OrderId, Long> latest = new HashMap<>();
    etcd.data.forEach((id, s) -> latest.put(id, s.revision()));
    return latest;
  }

  @Test
  void committedChanges_areDeliveredOnDemand_inRevisionOrder() {
    long from = write("a");
    Recorder r = subscribe(from, ChangeFeedOptions.DEFAULT);
    for (int i = 0; i < 5; i++) {
      write(i % 2 == 0 ? "a" : "b");
    }
    assertThat(r.got).isEmpty();
    r.request(2);
    assertThat(r.got).hasSize(2);
    r.request(10);
    assertThat(r.got).hasSize(5).allMatch(c -> c.kind() == OrderChange.Kind.COMMITTED);
    assertThat(r.got)
        .extracting(OrderChange::revision)
        .isSorted()
        .doesNotHaveDuplicates()
        .allMatch(rev -> rev > from);
    assertThat(r.got).allMatch(c -> c.resumeRevision() == c.revision());
    assertTrueToTheHistory(r.got);
  }

  @Test
  void fullBuffer_closesTheWatch_andResumesFromTheLastBufferedRevision_withoutGapsOrRepeats() {
    long from = write("a");
    Recorder r = subscribe(from, ChangeFeedOptions.DEFAULT.withBufferSize(4));
    for (int i = 0; i < 20; i++) {
      write("o-" + (i % 3));
    }
    // the subscriber asked for nothing: the buffer holds 4, the watch is closed
    assertThat(etcd.watchesOpened.get()).isEqualTo(1);
    r.request(1);
    assertThat(etcd.watchesOpened.get()).as("not reopened above half the buffer").isEqualTo(1);
    r.request(Long.MAX_VALUE);
    assertThat(etcd.watchesOpened.get()).isGreaterThan(1);
    assertThat(r.got).hasSize(20);
    assertThat(r.got).extracting(OrderChange::revision).isSorted().doesNotHaveDuplicates();
    assertTrueToTheHistory(r.got);
    write("late");
    assertThat(r.got).hasSize(21);
  }

  @Test
  void aTransaction_isDeliveredWhole_evenIntoAFullBuffer_withResumeRevisionsThatRepeatNothing() {
    long from = write("a");
    Recorder r = subscribe(from, ChangeFeedOptions.DEFAULT.withBufferSize(2));
    write("a");
    List<OrderRecord> batch = new ArrayList<>();
    for (String id : List.of("t-1", "t-2", "t-3")) {
      batch.add(
          OrderCommands.apply(
                  null,
                  OrderCommand.Create.of(OrderId.of(id), OpId.of("op-" + id), "c", "EUR"),
                  clock,
                  Fixtures.node("n2"))
              .record());
    }
    etcd.mergeAll(batch).toCompletableFuture().join();
    long txn = etcd.revision();
    r.request(Long.MAX_VALUE);
    assertThat(r.got).hasSize(4);
    List<OrderChange> inTxn = r.got.subList(1, 4);
    assertThat(inTxn).allMatch(c -> c.revision() == txn);
    assertThat(inTxn)
        .extracting(OrderChange::resumeRevision)
        .containsExactly(txn - 1, txn - 1, txn);
  }

  @Test
  void compactionWhilePaused_reReadsEachChangedOrderOnce_thenLiveChanges() {
    long from = write("a");
    write("b");
    write("c");
    Recorder r = subscribe(from, ChangeFeedOptions.DEFAULT.withBufferSize(2));
    // Given a subscriber that stalls, so its watch closes after 2 changes
    for (int i = 0; i < 12; i++) {
      write(List.of("a", "b", "c", "d").get(i % 4));
    }
    // When etcd compacts the history the subscriber still needs
    etcd.compact(etcd.revision());
    r.request(Long.MAX_VALUE);
    // Then it gets what it had buffered, then each changed order once as RESYNC, then live changes
    assertThat(r.got.get(0).kind()).isEqualTo(OrderChange.Kind.COMMITTED);
    List<OrderChange> resync =
        r.got.stream().filter(c -> c.kind() == OrderChange.Kind.RESYNC).toList();
    assertThat(resync).isNotEmpty();
    assertThat(resync).extracting(OrderChange::orderId).doesNotHaveDuplicates();
    long lastCommittedBefore =
        r.got.stream()
            .filter(c -> c.kind() == OrderChange.Kind.COMMITTED)
            .mapToLong(OrderChange::revision)
            .max()
            .orElseThrow();
    assertThat(resync).allMatch(c -> c.revision() > lastCommittedBefore);
    assertThat(latestDelivered(r.got)).isEqualTo(latestInEtcd());
    long live = write("e");
    assertThat(r.got.get(r.got.size() - 1))
        .satisfies(
            c -> {
              assertThat(c.kind()).isEqualTo(OrderChange.Kind.COMMITTED);
              assertThat(c.revision()).isEqualTo(live);
            });
    assertTrueToTheHistory(r.got);
  }

  @Test
  void compactionOfAnOlderRevision_reReadsAsOfIt_andDeliversEveryLaterVersionExactly() {
    long from = write("a");
    Recorder r = subscribe(from, ChangeFeedOptions.DEFAULT.withBufferSize(2));
    for (int i = 0; i < 8; i++) {
      write(List.of("a", "b", "c").get(i % 3));
    }
    long compactedAt = etcd.revision();
    etcd.compact(compactedAt);
    for (int i = 0; i < 8; i++) {
      write(List.of("a", "b", "d").get(i % 3));
    }
    r.request(Long.MAX_VALUE);
    assertTrueToTheHistory(r.got);
    assertThat(r.got)
        .filteredOn(c -> c.kind() == OrderChange.Kind.RESYNC)
        .isNotEmpty()
        .allMatch(c -> c.revision() <= compactedAt);
    // every version after the compaction revision is delivered, in order, as it was committed
    List<Long> after =
        r.got.stream().filter(c -> c.revision() > compactedAt).map(OrderChange::revision).toList();
    assertThat(after)
        .isEqualTo(
            etcd.history.stream()
                .filter(v -> v.modRevision() > compactedAt)
                .map(org.hybridstore.spi.StoredRecord::modRevision)
                .toList());
    assertThat(latestDelivered(r.got)).isEqualTo(latestInEtcd());
  }

  @Test
  void reReadInterruptedByAFullBuffer_andChangesMeanwhile_neverRepeatsAVersion() {
    for (int i = 0; i < 10; i++) {
      write("o-" + i);
    }
    etcd.pageSize = 3;
    // Given a feed from 0 (a re-read of every order) with a tiny buffer and a slow subscriber
    Recorder r = subscribe(0, ChangeFeedOptions.DEFAULT.withBufferSize(2));
    for (int round = 0; round < 30; round++) {
      r.request(1);
      if (round % 3 == 0) {
        write("o-" + (round % 10)); // a version the running re-read may or may not have passed
        etcd.compact(etcd.revision());
      }
    }
    r.request(Long.MAX_VALUE);
    // Then nothing is delivered twice, and the subscriber ends with every order's latest version
    assertTrueToTheHistory(r.got);
    assertThat(latestDelivered(r.got)).isEqualTo(latestInEtcd());
    assertThat(etcd.watchesOpened.get())
        .as("the re-read was interrupted and restarted")
        .isGreaterThan(2);
  }

  @Test
  void provisionalChanges_areMarked_coalescedPerOrder_andDroppedWhenTheBufferIsFull() {
    FakeLocalBackend local = new FakeLocalBackend(Fixtures.node("n1"), time);
    local.listenProvisional(feeds::provisional);
    Recorder committedOnly = subscribe(etcd.revision(), ChangeFeedOptions.DEFAULT);
    Recorder r =
        subscribe(
            etcd.revision(), ChangeFeedOptions.DEFAULT.withProvisional(true).withBufferSize(2));
    local.apply(Fixtures.create("p")).toCompletableFuture().join();
    local
        .apply(new OrderCommand.SetAttribute(OrderId.of("p"), OpId.of("op-p2"), "k", "v"))
        .toCompletableFuture()
        .join();
    local.apply(Fixtures.create("q")).toCompletableFuture().join();
    local.apply(Fixtures.create("dropped")).toCompletableFuture().join();
    r.request(Long.MAX_VALUE);
    committedOnly.request(Long.MAX_VALUE);
    assertThat(committedOnly.got).isEmpty();
    assertThat(r.got)
        .extracting(OrderChange::orderId)
        .containsExactly(OrderId.of("p"), OrderId.of("q"));
    assertThat(r.got).allMatch(c -> c.kind() == OrderChange.Kind.PROVISIONAL && c.revision() == 0);
    assertThat(r.got.get(0).order().attributes())
        .as("the latest provisional version")
        .containsEntry("k", "v");
    assertThat(r.got.get(0).holds(OpId.of("op-p2"))).isTrue();
  }

  @Test
  void nonPositiveRequest_signalsIllegalArgument_andCancel_closesTheWatch() {
    Recorder bad = subscribe(etcd.revision(), ChangeFeedOptions.DEFAULT);
    bad.request(0);
    assertThat(bad.errors).singleElement().isInstanceOf(IllegalArgumentException.class);
    Recorder cancelled = subscribe(etcd.revision(), ChangeFeedOptions.DEFAULT);
    cancelled.subscription.cancel();
    write("a");
    cancelled.request(5);
    assertThat(cancelled.got).isEmpty();
    assertThat(feeds.subscriptions()).isZero();
  }

  @Test
  void storeClosed_signalsStoreClosed_toOpenAndNewSubscriptions() {
    Recorder open = subscribe(etcd.revision(), ChangeFeedOptions.DEFAULT);
    feeds.close();
    assertThat(open.errors).singleElement().isInstanceOf(StoreClosedException.class);
    Recorder late = subscribe(0, ChangeFeedOptions.DEFAULT);
    assertThat(late.errors).singleElement().isInstanceOf(StoreClosedException.class);
    assertThat(late.got).isEmpty();
  }
}
