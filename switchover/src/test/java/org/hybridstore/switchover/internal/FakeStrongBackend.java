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
import org.hybridstore.spi.RevisionCompactedException;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory etcd for unit tests of the switchover's logic: one map with a revision counter and
 * compare-and-swap semantics through the store's own apply function and merge, a history of every
 * version (for reads at past revisions and watches from a revision) that {@link #compact} cuts. A
 * {@code mergeAll} writes all its records at one revision, as etcd's batch transaction does.
 * Watches deliver synchronously: the history after their revision at once (or first a re-read in
 * pages of {@link #pageSize}: at the compaction revision if theirs was compacted, at the current
 * one if it is 0), then every new version. Faults are switches: {@link #down} refuses everything
 * definitely; {@link #mergesFail} refuses only folds; {@link #lateCommits} commits writes but
 * answers them as indeterminate (a timeout whose write landed). The real-etcd tests are the ITs.
 */
class FakeStrongBackend implements StrongBackend {
  record Stored(OrderRecord record, long revision) {}

  final Map<OrderId, Stored> data = new ConcurrentHashMap<>();
  final List<List<OrderRecord>> merges = new CopyOnWriteArrayList<>();
  final List<OrderCommand> applied = new CopyOnWriteArrayList<>();
  final List<StoredRecord> history = new CopyOnWriteArrayList<>();
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private volatile long compacted;
  volatile int pageSize = 2;
  final java.util.concurrent.atomic.AtomicInteger revisionReads =
      new java.util.concurrent.atomic.AtomicInteger();
  final java.util.concurrent.atomic.AtomicInteger watchesOpened =
      new java.util.concurrent.atomic.AtomicInteger();
  private final HybridLogicalClock clock;
  private final NodeId writer;
  private long revision;
  volatile boolean down;
  volatile boolean mergesFail;
  volatile boolean lateCommits;

  /** Runs after a late commit, before the indeterminate answer (the store degrading meanwhile). */
  volatile @Nullable Runnable afterLateCommit;

  volatile QuorumStatus probe = ok(1);

  FakeStrongBackend(InstantSource time) {
    this(new HybridLogicalClock(time, Duration.ofSeconds(1)));
  }

  /** An etcd written through a clock shared with a {@link FakeLocalBackend}, as in the store. */
  FakeStrongBackend(HybridLogicalClock clock) {
    this.clock = clock;
    this.writer = NodeId.of("etcd-writer");
  }

  /** A sample with quorum, every member following {@code leader}. */
  static QuorumStatus ok(long leader) {
    return new QuorumStatus(true, Duration.ofMillis(2), members(leader, true), "ok", 1);
  }

  /** A sample without quorum whose members still name {@code leader} (an election, or slowness). */
  static QuorumStatus failingWithLeader(long leader) {
    return new QuorumStatus(
        false, Duration.ofMillis(500), members(leader, true), "quorum read timed out", 0);
  }

  /** A sample without quorum in which every reachable member says it has no leader. */
  static QuorumStatus noLeader() {
    return new QuorumStatus(false, Duration.ofMillis(500), members(0, true), "no leader", 0);
  }

  /**
   * A sample without quorum in which {@code unreachable} of the three members did not answer and
   * the others still name {@code leader} (their election timeout has not passed yet).
   */
  static QuorumStatus unreachable(int unreachable, long leader) {
    List<MemberStatus> out = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      boolean answers = i > unreachable;
      out.add(
          new MemberStatus(
              "http://m" + i + ":2379",
              answers,
              answers ? i : 0,
              answers ? leader : 0,
              2,
              10,
              answers ? List.of() : List.of("unreachable: UNAVAILABLE"),
              answers ? MemberStatus.State.STALLED : MemberStatus.State.UNREACHABLE,
              Duration.ofMillis(500)));
    }
    return new QuorumStatus(false, Duration.ofMillis(500), out, "quorum read timed out", 0);
  }

  private static List<MemberStatus> members(long leader, boolean reachable) {
    List<MemberStatus> out = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      out.add(
          new MemberStatus(
              "http://m" + i + ":2379",
              reachable,
              i,
              leader,
              2,
              10,
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
      Runnable hook = afterLateCommit;
      if (hook != null) {
        hook.run();
      }
      return CompletableFuture.failedFuture(
          new IndeterminateWriteException("timed out (fake), committed anyway", null));
    }
    return CompletableFuture.completedFuture(new BackendWrite(a.record(), a.duplicate(), revision));
  }

  private void put(OrderRecord r) {
    revision++;
    publish(List.of(store(r)));
  }

  private StoredRecord store(OrderRecord r) {
    data.put(r.id(), new Stored(r, revision));
    StoredRecord v = new StoredRecord(r, revision);
    history.add(v);
    return v;
  }

  private void publish(List<StoredRecord> versions) {
    if (versions.isEmpty()) {
      return;
    }
    for (ChangeListener l : listeners) {
      l.onEvents(versions, revision);
    }
  }

  /** Forgets the history up to and including {@code upTo} (etcd's compaction). */
  synchronized void compact(long upTo) {
    compacted = Math.max(compacted, upTo);
  }

  synchronized long revision() {
    return revision;
  }

  /** While set, revision reads wait for it, then read: a read still in flight. */
  volatile CompletableFuture<Void> readGate;

  @Override
  public CompletionStage<Optional<StoredRecord>> readRevision(OrderId id, long atRevision) {
    revisionReads.incrementAndGet();
    CompletableFuture<Void> gate = readGate;
    if (gate != null) {
      return gate.thenCompose(v -> readRevisionNow(id, atRevision));
    }
    return readRevisionNow(id, atRevision);
  }

  private CompletionStage<Optional<StoredRecord>> readRevisionNow(OrderId id, long atRevision) {
    if (down) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("etcd is down (fake)"));
    }
    synchronized (this) {
      if (atRevision > 0 && atRevision < compacted) {
        return CompletableFuture.failedFuture(
            new RevisionCompactedException(
                "revision " + atRevision + " is compacted (fake, up to " + compacted + ")",
                new IllegalStateException("compacted")));
      }
      long at = atRevision == 0 ? revision : atRevision;
      StoredRecord found = null;
      for (StoredRecord v : history) {
        if (v.record().id().equals(id) && v.modRevision() <= at) {
          found = v;
        }
      }
      return CompletableFuture.completedFuture(Optional.ofNullable(found));
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
    if (down || mergesFail) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("etcd is down (fake)"));
    }
    merges.add(List.copyOf(records));
    List<OrderRecord> stored = new ArrayList<>();
    List<StoredRecord> versions = new ArrayList<>();
    int written = 0;
    for (OrderRecord r : records) {
      Stored current = data.get(r.id());
      OrderRecord merged = current == null ? r : current.record().merge(r);
      if (current == null || !merged.equals(current.record())) {
        if (versions.isEmpty()) {
          revision++; // one transaction: every record it writes shares the revision
        }
        versions.add(store(merged));
        written++;
      }
      stored.add(merged);
    }
    publish(versions);
    return CompletableFuture.completedFuture(new MergeReport(stored, written, 0));
  }

  @Override
  public synchronized AutoCloseable watch(long fromRevision, ChangeListener listener) {
    watchesOpened.incrementAndGet();
    // Registered first, removed by close: a listener that closes its watch while being called is
    // not called again.
    java.util.concurrent.atomic.AtomicBoolean open =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    ChangeListener guarded =
        new ChangeListener() {
          @Override
          public void onChanges(List<OrderRecord> records, long revision) {
            if (open.get()) {
              listener.onChanges(records, revision);
            }
          }

          @Override
          public void onEvents(List<StoredRecord> events, long revision) {
            if (open.get()) {
              listener.onEvents(events, revision);
            }
          }

          @Override
          public void onResync(List<StoredRecord> page, long revision, boolean last) {
            if (open.get()) {
              listener.onResync(page, revision, last);
            }
          }
        };
    long liveAfter = fromRevision;
    if (fromRevision == 0 || fromRevision < compacted) {
      // a re-read: at the compaction revision (the oldest still readable), or now for a start from
      // 0
      long at = fromRevision == 0 ? revision : compacted;
      Map<OrderId, StoredRecord> asOf =
          new java.util.TreeMap<>(java.util.Comparator.comparing(OrderId::value));
      history.stream()
          .filter(v -> v.modRevision() <= at)
          .forEach(v -> asOf.put(v.record().id(), v));
      List<StoredRecord> current = new ArrayList<>(asOf.values());
      for (int i = 0; i < current.size() || i == 0; i += pageSize) {
        List<StoredRecord> page =
            current.subList(Math.min(i, current.size()), Math.min(i + pageSize, current.size()));
        guarded.onResync(List.copyOf(page), at, i + pageSize >= current.size());
      }
      liveAfter = at;
    }
    long after = liveAfter;
    List<StoredRecord> later = history.stream().filter(v -> v.modRevision() > after).toList();
    // one delivery per revision, as etcd's watch responses never split a revision
    int i = 0;
    while (i < later.size()) {
      long r = later.get(i).modRevision();
      int j = i;
      while (j < later.size() && later.get(j).modRevision() == r) {
        j++;
      }
      guarded.onEvents(List.copyOf(later.subList(i, j)), r);
      i = j;
    }
    listeners.add(guarded);
    return () -> {
      open.set(false);
      listeners.remove(guarded);
    };
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
