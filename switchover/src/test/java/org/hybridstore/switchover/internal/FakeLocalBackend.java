package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.model.VersionVector;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackend;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory local backend for unit tests of the switchover's logic: a map, a backlog in
 * insertion order and a settable peer table, with the backlog rule of the real journal (an absorb
 * clears an order from the backlog when etcd's record includes the local one). The real journal is
 * tested in ap-backend.
 */
final class FakeLocalBackend implements LocalBackend {
  final Map<OrderId, OrderRecord> records = new ConcurrentHashMap<>();
  final LinkedHashSet<OrderId> backlog = new LinkedHashSet<>();
  final Map<NodeId, PeerState> peers = new ConcurrentHashMap<>();
  final List<OrderCommand> applied = new ArrayList<>();
  final HybridLogicalClock clock;
  private final NodeId node;
  private final AtomicLong mirror = new AtomicLong();
  volatile ConsistencyMode published;

  /**
   * Whether {@link #backlogVersions} answers (as the journal does for what it wrote since start).
   */
  volatile boolean knowsVersions;

  /** How many records {@link #read} returned. */
  final AtomicInteger reads = new AtomicInteger();

  private final List<Consumer<List<OrderRecord>>> provisionalListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  FakeLocalBackend(NodeId node, InstantSource time) {
    this(node, new HybridLogicalClock(time, Duration.ofSeconds(1)));
  }

  /** A replica on a clock shared with a {@link FakeStrongBackend}, as the store shares its own. */
  FakeLocalBackend(NodeId node, HybridLogicalClock clock) {
    this.node = node;
    this.clock = clock;
  }

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command) {
    return apply(command, null);
  }

  @Override
  public synchronized CompletionStage<BackendWrite> apply(
      OrderCommand command, @Nullable Stamp stamp) {
    applied.add(command);
    try {
      OrderRecord current = records.get(command.orderId());
      OrderCommands.Applied a =
          stamp == null
              ? OrderCommands.apply(current, command, clock, node)
              : OrderCommands.apply(current, command, stamp);
      if (!a.duplicate()) {
        records.put(command.orderId(), a.record());
        backlog.add(command.orderId());
        provisional(a.record());
      }
      return CompletableFuture.completedFuture(
          new BackendWrite(a.record(), a.duplicate(), applied.size()));
    } catch (OrderStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Optional<OrderRecord> read(OrderId id) {
    OrderRecord r = records.get(id);
    if (r != null) {
      reads.incrementAndGet();
    }
    return Optional.ofNullable(r);
  }

  @Override
  public synchronized Optional<VersionVector> backlogVersions(OrderId id) {
    return knowsVersions && backlog.contains(id)
        ? Optional.of(records.get(id).versions())
        : Optional.empty();
  }

  @Override
  public synchronized CompletionStage<Void> absorb(Collection<OrderRecord> etcd, long revision) {
    for (OrderRecord r : etcd) {
      clock.tryObserve(r.latestTime()); // as the journal does
      OrderRecord current = records.get(r.id());
      OrderRecord merged = current == null ? r : current.merge(r);
      records.put(r.id(), merged);
      if (merged.equals(r)) {
        backlog.remove(r.id());
      }
    }
    mirror.accumulateAndGet(revision, Math::max);
    return CompletableFuture.completedFuture(null);
  }

  /** Records handed back by {@link #absorbEncoded}, in the order they came. */
  final List<EncodedRecord> encodedAbsorbs = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public CompletionStage<Void> absorbEncoded(List<EncodedRecord> etcd) {
    encodedAbsorbs.addAll(etcd);
    return absorb(etcd.stream().map(EncodedRecord::record).toList());
  }

  @Override
  public CompletionStage<Void> absorb(Collection<OrderRecord> etcd) {
    return absorb(etcd, Long.MIN_VALUE);
  }

  @Override
  public long mirrorRevision() {
    return mirror.get();
  }

  @Override
  public synchronized List<OrderRecord> backlog(int max) {
    List<OrderRecord> out = new ArrayList<>();
    for (OrderId id : backlog) {
      if (out.size() >= max) {
        break;
      }
      out.add(records.get(id));
    }
    return out;
  }

  @Override
  public synchronized int backlogSize() {
    return backlog.size();
  }

  @Override
  public synchronized boolean inBacklog(OrderId id) {
    return backlog.contains(id);
  }

  /** Puts a record in the replica and the backlog, as a peer's push would. */
  synchronized void fromPeer(OrderRecord r) {
    provisional(records.merge(r.id(), r, OrderRecord::merge));
    backlog.add(r.id());
  }

  @Override
  public Optional<OrderId> orderOfOp(OpId opId) {
    return records.values().stream()
        .filter(r -> r.appliedOps().contains(opId))
        .map(OrderRecord::id)
        .findFirst();
  }

  @Override
  public AutoCloseable listenProvisional(Consumer<List<OrderRecord>> listener) {
    provisionalListeners.add(listener);
    return () -> provisionalListeners.remove(listener);
  }

  private void provisional(OrderRecord r) {
    provisionalListeners.forEach(l -> l.accept(List.of(r)));
  }

  @Override
  public void publishMode(ConsistencyMode mode, long epoch) {
    published = mode;
  }

  @Override
  public Map<NodeId, PeerState> peers() {
    return Map.copyOf(peers);
  }

  @Override
  public void close() {
    // nothing to release
  }
}
