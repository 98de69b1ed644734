package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.NodeId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.MergeReport;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StrongBackend;

/**
 * An in-memory etcd for unit tests of the switchover's logic: one map with a revision counter and
 * compare-and-swap semantics through the store's own apply function and merge. Faults are switches:
 * {@link #down} refuses everything definitely; {@link #lateCommits} commits writes but answers them
 * as indeterminate (a timeout whose write landed). The real-etcd tests are the ITs.
 */
class FakeStrongBackend implements StrongBackend {
  record Stored(OrderRecord record, long revision) {}

  final Map<OrderId, Stored> data = new ConcurrentHashMap<>();
  final List<List<OrderRecord>> merges = new CopyOnWriteArrayList<>();
  final List<OrderCommand> applied = new CopyOnWriteArrayList<>();
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final HybridLogicalClock clock;
  private final NodeId writer;
  private long revision;
  volatile boolean down;
  volatile boolean lateCommits;
  volatile QuorumStatus probe = ok(1);

  FakeStrongBackend(InstantSource time) {
    this.clock = new HybridLogicalClock(time, Duration.ofSeconds(1));
    this.writer = NodeId.of("etcd-writer");
  }

  /** A sample with quorum, every member following {@code leader}. */
  static QuorumStatus ok(long leader) {
    return new QuorumStatus(true, Duration.ofMillis(2), members(leader, true), "ok", 1);
  }

  /** A sample without quorum whose members still name {@code leader} (an election, or slowness). */
  static QuorumStatus failingWithLeader(long leader) {
    return new QuorumStatus(false, Duration.ofMillis(500), members(leader, true), "quorum read timed out", 0);
  }

  /** A sample without quorum in which every reachable member says it has no leader. */
  static QuorumStatus noLeader() {
    return new QuorumStatus(false, Duration.ofMillis(500), members(0, true), "no leader", 0);
  }

  private static List<MemberStatus> members(long leader, boolean reachable) {
    List<MemberStatus> out = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      out.add(new MemberStatus("http://m" + i + ":2379", reachable, i, leader, 2, 10,
          leader == 0 ? List.of("etcdserver: no leader") : List.of()));
    }
    return out;
  }

  @Override
  public synchronized CompletionStage<BackendWrite> apply(OrderCommand command) {
    if (down) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("etcd is down (fake)"));
    }
    applied.add(command);
    Stored current = data.get(command.orderId());
    OrderCommands.Applied a;
    try {
      a = OrderCommands.apply(current == null ? null : current.record(), command, clock, writer);
    } catch (OrderStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!a.duplicate()) {
      put(a.record());
    }
    if (lateCommits) {
      return CompletableFuture.failedFuture(new IndeterminateWriteException("timed out (fake), committed anyway", null));
    }
    return CompletableFuture.completedFuture(new BackendWrite(a.record(), a.duplicate(), revision));
  }

  private void put(OrderRecord r) {
    revision++;
    data.put(r.id(), new Stored(r, revision));
    for (ChangeListener l : listeners) {
      l.onChanges(List.of(r), revision);
    }
  }

  @Override
  public CompletionStage<Optional<OrderRecord>> read(OrderId id, ReadConsistency consistency) {
    if (down) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("etcd is down (fake)"));
    }
    Stored s = data.get(id);
    return CompletableFuture.completedFuture(Optional.ofNullable(s == null ? null : s.record()));
  }

  @Override
  public synchronized CompletionStage<MergeReport> mergeAll(Collection<OrderRecord> records) {
    if (down) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("etcd is down (fake)"));
    }
    merges.add(List.copyOf(records));
    List<OrderRecord> stored = new ArrayList<>();
    int written = 0;
    for (OrderRecord r : records) {
      Stored current = data.get(r.id());
      OrderRecord merged = current == null ? r : current.record().merge(r);
      if (current == null || !merged.equals(current.record())) {
        put(merged);
        written++;
      }
      stored.add(merged);
    }
    return CompletableFuture.completedFuture(new MergeReport(stored, written, 0));
  }

  @Override
  public AutoCloseable watch(long fromRevision, ChangeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public CompletionStage<QuorumStatus> probe(Duration deadline) {
    return CompletableFuture.completedFuture(probe);
  }

  @Override
  public void close() {
    listeners.clear();
  }
}
