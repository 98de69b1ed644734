package org.hybridstore.switchover.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.hybridstore.Confirmation;
import org.hybridstore.OpId;
import org.hybridstore.Order;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStatus;
import org.hybridstore.OrderStoreException;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.UnknownOperationException;
import org.hybridstore.model.AppliedOps;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.RevisionCompactedException;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confirmations: when etcd holds a write's op id, at which revision, and what the merge made of it.
 *
 * <p>Pending: one entry per (order, op id key) someone waits for: a provisional acknowledgement
 * (with the acknowledged order and when it was given), a STRONG duplicate, or a lookup by op id.
 * Entries live in memory only; a restarted node finds its writes again by lookup (the local backend
 * indexes op id keys to orders) and reads etcd.
 *
 * <p>Triggers, each of which makes the tracker locate the order's pending keys in etcd: (1) the
 * mirror's etcd change feed delivers a version of the order that holds a pending key (this node's
 * own fold-in, or a peer's); (2) an entry is registered while the store is not DEGRADED (the write
 * may already be in etcd: an in-call fallback whose etcd attempt committed after all, a peer that
 * folded the write in before the acknowledgement returned, a lookup); (3) the sweep, every second
 * while not DEGRADED, for entries that waited past their next check (2 s after registering, then
 * doubling to 60 s), in case a trigger was missed (the feed re-read after a compaction, say).
 *
 * <p>Locating an order: read etcd's version (linearizably, or start from the feed's version), and
 * for every pending key it holds walk back through the key's earlier versions ({@code get --rev=
 * modRevision-1}) to the first version that holds it: its mod revision is the confirmation's
 * revision. A compacted history ends the walk at the oldest readable version ({@code
 * firstRevision=false}). At most one locate per order and {@value #MAX_IN_FLIGHT} orders at once; a
 * trigger during a locate re-runs it afterwards. Every pending entry keeps the earliest version the
 * feed showed holding it, and a locate starts from the earliest such version: for an order written
 * many times a second, etcd's current version may no longer hold the op id by the time a queued
 * locate runs (a 30-minute chaos soak gave up 48 writes etcd had held that way). A key etcd does
 * not hold stays pending, unless the local replica's record no longer held it just before etcd's
 * current version was read, the feed, caught up to that version, never showed it in etcd, and that
 * version holds {@value org.hybridstore.OrderLimits#OP_ID_RETENTION} op ids ranked above it (the
 * retention bound pushed it out before etcd held it, and no peer's copy can bring it back: {@link
 * AppliedOps#crowdsOut}): then the entry fails with {@link UnknownOperationException}. Without the
 * feed's catching up, a version in between may have held it (another 30-minute soak gave up 18
 * writes etcd had held while the feed lagged behind a replica that had moved on); without the last
 * condition, a peer that lagged behind this node folded one in after it was given up (a 43-minute
 * soak). A re-read after a compaction skips versions: a write etcd held only in a skipped version
 * is then given up too. The feed's sightings are remembered for the last {@value #SEEN} op ids even
 * when nobody waits, because a write whose etcd attempt committed without answering registers only
 * when it falls back, possibly after the feed showed the commit: such an entry starts its locate at
 * that revision; and a lookup of a write this node acknowledged before a restart finds its order
 * there after later writes pushed its op id out of every record.
 *
 * <p>Memory: a pending entry keeps the acknowledged status and conflicting statuses, not the order;
 * the acknowledgements of the last {@value #RECENT} confirmed writes are kept the same way, so a
 * lookup soon after (which reads etcd again) reports the same outcome as the write's confirmation.
 * Where the last {@value #LOCATED} confirmed writes were found (order, revision, whether it is the
 * first) is kept too, so a lookup of one of them reads etcd once, at that revision, instead of
 * walking back from the order's current version: for an order written many times a second that walk
 * grows by every version, and a write's op id leaves the record after {@value
 * org.hybridstore.OrderLimits#OP_ID_RETENTION} later writes, after which only this memory (or an
 * earlier answer) can find it.
 *
 * <p>Thread-safe: one lock around the maps; futures complete outside it, on the executor.
 */
final class ConfirmationTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConfirmationTracker.class);
  static final int MAX_IN_FLIGHT = 4;
  static final int RECENT = 4096;
  static final int LOCATED = 16_384;

  /** How many (order, op id) pairs the feed showed in etcd are remembered before anyone waits. */
  static final int SEEN = 16_384;

  /** How many orders' last op ids the feed's walk remembers. */
  static final int LAST_FED = 1_024;

  /** How many earlier versions a locate reads at most before it settles for a later one. */
  static final int MAX_WALK = 2 * org.hybridstore.OrderLimits.OP_ID_RETENTION;

  /** How many orders one sweep locates at most. */
  static final int SWEEP_BATCH = 64;

  static final long FIRST_CHECK_NANOS = 2_000_000_000L;
  static final long MAX_CHECK_NANOS = 60_000_000_000L;

  private final StrongBackend strong;
  private final LocalBackend local;
  private final Supplier<Phase> phase;
  private final Executor executor;
  private final StoreMetrics metrics;
  private final LongSupplier nanos;
  private final String store;

  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock
  private final Map<OrderId, Map<Long, Pending>> pending = new HashMap<>();

  /** Op id key to the order of its pending entry, so a lookup finds an awaited write at once. */
  private final Map<Long, OrderId> pendingOrder = new HashMap<>();

  private int pendingCount;
  private final Set<OrderId> locating = new HashSet<>();
  private final Set<OrderId> again = new HashSet<>();
  private final LinkedHashMap<OrderId, Optional<StoredRecord>> queued = new LinkedHashMap<>();
  private final Map<Key, Ack> recent = new Bounded<>(RECENT, true);
  private final Map<Long, Located> located = new Bounded<>(LOCATED, true);

  /**
   * Op id key to the order and the earliest mod revision the feed showed holding it, for the last
   * {@value #SEEN} op ids, kept whether or not anyone waits for them: a write whose etcd attempt
   * committed but did not answer falls back and registers only afterwards (at once, if the store
   * degraded meanwhile), when the feed may already have shown the commit; and a lookup of a write
   * nobody here awaited (the node restarted after acknowledging it) finds its order here once later
   * writes pushed the op id out of every record.
   */
  private final Map<Long, Sighting> seen = new Bounded<>(SEEN, false);

  /**
   * The op ids of the last version the feed delivered, for the last {@value #LAST_FED} orders: a
   * version's op ids its predecessor held need no lookup in {@link #seen}.
   */
  private final Map<OrderId, AppliedOps> lastFed = new Bounded<>(LAST_FED, true);

  /**
   * The highest mod revision the change feed delivered: every version of any order up to it has
   * passed {@link #committed} (the feed delivers in revision order).
   */
  private long feedRevision;

  private boolean closed;

  private record Key(OrderId order, long opKey) {}

  /** Where the feed first showed an op id key in etcd. */
  private record Sighting(OrderId order, long revision) {}

  /** A map that drops its eldest entry (by access or by insertion) beyond {@code max} entries. */
  private static final class Bounded<K, V> extends LinkedHashMap<K, V> {
    private static final long serialVersionUID = 1L;
    private final int max;

    Bounded(int max, boolean accessOrder) {
      super(256, 0.75f, accessOrder);
      this.max = max;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
      return size() > max;
    }
  }

  /** Where a confirmed write was found: its order, the revision, and whether that is the first. */
  private record Located(OrderId order, long revision, boolean first) {}

  /** What an acknowledgement reported, as far as the outcome rule needs it. */
  private record Ack(OrderStatus status, Set<OrderStatus> conflicts) {
    static Ack of(Order o) {
      return new Ack(o.status(), o.conflictingStatuses());
    }
  }

  /** One awaited confirmation. Mutable; guarded by the tracker's lock. */
  private static final class Pending {
    final OpId opId;
    final OrderId order;
    final CompletableFuture<Confirmation> future = new CompletableFuture<>();
    @Nullable Ack acknowledged;
    long acknowledgedAt = -1;
    long nextCheck;
    int checks;

    /** The op id's entry as this node's replica held it (its stamp ranks it for the retention). */
    AppliedOps.@Nullable Entry entry;

    /** The earliest version etcd's change feed delivered that holds it: proof etcd held it. */
    @Nullable StoredRecord seenIn;

    /**
     * The mod revision of a version the feed showed holding it before this entry was registered (-1
     * if none): proof etcd held it, and where a locate starts if {@link #seenIn} is unset.
     */
    long seenAt = -1;

    Pending(OpId opId, OrderId order, long now) {
      this.opId = opId;
      this.order = order;
      this.nextCheck = now + FIRST_CHECK_NANOS;
    }
  }

  /** A version that first holds a key (or the oldest readable one that does). */
  private record Found(StoredRecord version, boolean first) {}

  ConfirmationTracker(
      String store,
      StrongBackend strong,
      LocalBackend local,
      Supplier<Phase> phase,
      Executor executor,
      StoreMetrics metrics,
      LongSupplier nanos) {
    this.store = store;
    this.strong = strong;
    this.local = local;
    this.phase = phase;
    this.executor = executor;
    this.metrics = metrics;
    this.nanos = nanos;
  }

  /** Returns how many confirmations are awaited. */
  int pendingCount() {
    lock.lock();
    try {
      return pendingCount;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The confirmation of a STRONG write that was not a duplicate: its own compare-and-swap's
   * revision.
   *
   * @param opId the op id
   * @param written what etcd committed
   * @return a completed stage
   */
  CompletionStage<Confirmation> strong(OpId opId, BackendWrite written) {
    Order order = written.record().toOrder();
    Confirmation c =
        new Confirmation(
            opId,
            order.id(),
            written.revision(),
            written.revisionIsFirst(),
            order,
            Optional.of(order.status()),
            false);
    Pending waiting;
    lock.lock();
    try {
      recent.put(new Key(order.id(), opId.key()), Ack.of(order));
      located.put(
          opId.key(), new Located(order.id(), written.revision(), written.revisionIsFirst()));
      waiting = removePending(order.id(), opId.key());
    } finally {
      lock.unlock();
    }
    if (waiting != null) {
      complete(waiting, c); // a lookup raced the write
    }
    return CompletableFuture.completedFuture(c).minimalCompletionStage();
  }

  /**
   * Awaits the confirmation of a write this node acknowledged provisionally, or a duplicate.
   *
   * @param opId the op id
   * @param written the record the acknowledgement reported (it holds the op id's entry)
   * @param provisional whether this is a fresh provisional acknowledgement (timed for the metrics)
   * @return completes when etcd holds the write
   */
  CompletionStage<Confirmation> acknowledged(OpId opId, OrderRecord written, boolean provisional) {
    return register(
        opId,
        written.id(),
        written.toOrder(),
        provisional,
        written.appliedOps().get(opId).orElse(null));
  }

  /**
   * Looks a write up by op id (see {@code OrderStore.confirmation}).
   *
   * @param opId the op id
   * @return completes with the confirmation
   */
  CompletionStage<Confirmation> lookup(OpId opId) {
    Located where;
    OrderId awaited = null;
    lock.lock();
    try {
      if (closed) {
        return failed(new StoreClosedException(store));
      }
      where = located.get(opId.key());
      if (where == null) {
        // A write this node awaits may have left its replica's record (64 later writes) before
        // etcd held it: the pending entry still knows its order.
        awaited = pendingOrder.get(opId.key());
      }
      if (where == null && awaited == null) {
        // Nobody here awaited it (a restart forgets), but the feed showed it in etcd: that names
        // its order even once later writes pushed the op id out of every record.
        Sighting s = seen.get(opId.key());
        if (s != null) {
          awaited = s.order();
        }
      }
    } finally {
      lock.unlock();
    }
    if (awaited != null) {
      return register(opId, awaited, null, false, null);
    }
    if (where == null) {
      return locateByIndex(opId);
    }
    // found before: read etcd at that revision once; anything unexpected falls back to a full
    // locate
    CompletableFuture<Confirmation> answer = new CompletableFuture<>();
    CompletionStage<Optional<StoredRecord>> read;
    try {
      read = strong.readRevision(where.order(), where.revision());
    } catch (RuntimeException e) {
      read = CompletableFuture.failedFuture(e);
    }
    read.whenComplete(
        (version, error) -> {
          if (error == null
              && version.isPresent()
              && version.get().modRevision() == where.revision()
              && version.get().record().appliedOps().contains(opId)) {
            Pending p = new Pending(opId, where.order(), nanos.getAsLong());
            lock.lock();
            try {
              p.acknowledged = recent.get(new Key(where.order(), opId.key()));
            } finally {
              lock.unlock();
            }
            Confirmation c = confirmation(p, new Found(version.get(), where.first()));
            run(() -> answer.complete(c));
          } else {
            locateByIndex(opId)
                .whenComplete(
                    (c, e) -> {
                      if (e != null) {
                        answer.completeExceptionally(e);
                      } else {
                        answer.complete(c);
                      }
                    });
          }
        });
    return answer.minimalCompletionStage();
  }

  private CompletionStage<Confirmation> locateByIndex(OpId opId) {
    Optional<OrderId> order;
    try {
      order = local.orderOfOp(opId);
    } catch (OrderStoreException e) {
      return failed(e);
    } catch (RuntimeException e) {
      return failed(new StoreUnavailableException("the local op id index failed: " + e, e));
    }
    if (order.isEmpty()) {
      return failed(
          new UnknownOperationException(opId, "no record in this node's replica holds it"));
    }
    return register(
        opId,
        order.get(),
        null,
        false,
        localRecord(order.get()).flatMap(r -> r.appliedOps().get(opId)).orElse(null));
  }

  private CompletionStage<Confirmation> register(
      OpId opId,
      OrderId order,
      @Nullable Order acknowledged,
      boolean provisional,
      AppliedOps.@Nullable Entry entry) {
    Key key = new Key(order, opId.key());
    CompletableFuture<Confirmation> future;
    lock.lock();
    try {
      if (closed) {
        return failed(new StoreClosedException(store));
      }
      Map<Long, Pending> forOrder = pending.computeIfAbsent(order, o -> new HashMap<>());
      long now = nanos.getAsLong();
      Pending p = forOrder.get(key.opKey());
      if (p == null) {
        p = new Pending(opId, order, now);
        forOrder.put(key.opKey(), p);
        pendingOrder.putIfAbsent(key.opKey(), order);
        pendingCount++;
      }
      if (p.acknowledged == null) {
        p.acknowledged = acknowledged != null ? Ack.of(acknowledged) : recent.get(key);
      }
      if (p.entry == null) {
        p.entry = entry;
      }
      if (provisional && p.acknowledgedAt < 0) {
        p.acknowledgedAt = now;
      }
      if (p.seenIn == null && p.seenAt < 0) {
        Sighting at = seen.get(key.opKey());
        if (at != null && at.order().equals(order)) {
          p.seenAt = at.revision();
        }
      }
      future = p.future;
    } finally {
      lock.unlock();
    }
    if (phase.get() != Phase.DEGRADED) {
      trigger(order, null);
    }
    return future.minimalCompletionStage();
  }

  /**
   * Versions etcd's change feed delivered (live or re-read): locates the orders that hold a pending
   * key.
   *
   * @param versions the versions
   * @param revision the feed's revision after them: every version up to it has been delivered
   */
  void committed(List<StoredRecord> versions, long revision) {
    Map<OrderId, StoredRecord> hits = new LinkedHashMap<>();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      feedRevision = Math.max(feedRevision, revision);
      for (StoredRecord v : versions) {
        AppliedOps ops = v.record().appliedOps();
        AppliedOps before = lastFed.put(v.record().id(), ops);
        if (before == ops) {
          continue;
        }
        // A version holds its predecessor's op ids but the newest. Those the order's previous
        // version here held passed this loop then; the others are looked up (a lookup does not
        // reorder this insertion-ordered map), and an op id not seen before is put.
        Iterator<Long> older =
            before == null ? Collections.emptyIterator() : before.entries().keySet().iterator();
        long o = older.hasNext() ? older.next() : Long.MAX_VALUE;
        Sighting sighting = null;
        for (Long k : ops.entries().keySet()) {
          while (o < k) {
            o = older.hasNext() ? older.next() : Long.MAX_VALUE;
          }
          if (o == k || seen.get(k) != null) {
            continue;
          }
          if (sighting == null) {
            sighting = new Sighting(v.record().id(), v.modRevision());
          }
          seen.put(k, sighting);
        }
      }
      if (pendingCount == 0) {
        return;
      }
      for (StoredRecord v : versions) {
        Map<Long, Pending> forOrder = pending.get(v.record().id());
        if (forOrder == null) {
          continue;
        }
        for (Pending p : forOrder.values()) {
          if (v.record().appliedOps().entries().containsKey(p.opId.key())) {
            hits.putIfAbsent(
                v.record().id(), v); // the earliest version holding one: the shortest walk
            // Kept per entry: a locate already running drops the hint, and by the time a later one
            // reads etcd's current version, later writes may have pushed the op id out of it.
            if (p.seenIn == null || v.modRevision() < p.seenIn.modRevision()) {
              p.seenIn = v;
            }
          }
        }
      }
    } finally {
      lock.unlock();
    }
    hits.forEach(this::trigger);
  }

  /** Locates the orders whose entries are due for a check; runs on the timer every second. */
  void sweep() {
    if (phase.get() == Phase.DEGRADED) {
      return;
    }
    List<OrderId> due = new ArrayList<>();
    lock.lock();
    try {
      long now = nanos.getAsLong();
      for (Map.Entry<OrderId, Map<Long, Pending>> e : pending.entrySet()) {
        if (due.size() >= SWEEP_BATCH) {
          break;
        }
        if (locating.contains(e.getKey())) {
          continue;
        }
        for (Pending p : e.getValue().values()) {
          if (now - p.nextCheck >= 0) {
            due.add(e.getKey());
            break;
          }
        }
      }
    } finally {
      lock.unlock();
    }
    due.forEach(o -> trigger(o, null));
  }

  private void trigger(OrderId order, @Nullable StoredRecord hint) {
    lock.lock();
    try {
      if (closed || !pending.containsKey(order)) {
        return;
      }
      if (locating.contains(order)) {
        again.add(order);
        return;
      }
      if (locating.size() >= MAX_IN_FLIGHT) {
        queued.putIfAbsent(order, Optional.ofNullable(hint));
        return;
      }
      locating.add(order);
    } finally {
      lock.unlock();
    }
    locate(order, hint);
  }

  private void locate(OrderId order, @Nullable StoredRecord hint) {
    // Start from the earliest version the feed showed holding a pending entry, else the hint, else
    // etcd's version at the earliest revision the feed showed one at before it was registered,
    // else etcd's current version.
    StoredRecord earliest = null;
    long seenAt = -1;
    lock.lock();
    try {
      for (Pending p : pending.getOrDefault(order, Map.of()).values()) {
        if (p.seenIn != null
            && (earliest == null || p.seenIn.modRevision() < earliest.modRevision())) {
          earliest = p.seenIn;
        }
        if (p.seenAt >= 0 && (seenAt < 0 || p.seenAt < seenAt)) {
          seenAt = p.seenAt;
        }
      }
    } finally {
      lock.unlock();
    }
    StoredRecord from = earliest != null ? earliest : hint;
    boolean fromNow = from == null && seenAt < 0;
    // Read before etcd's current version: any etcd version this replica's record reflects is then
    // no later than the version read (see finish).
    Set<Long> lackedLocally = fromNow ? lackedLocally(order) : Set.of();
    CompletionStage<Optional<StoredRecord>> start;
    try {
      start =
          from != null
              ? CompletableFuture.completedFuture(Optional.of(from))
              : seenAt >= 0 ? readAtOrNow(order, seenAt) : strong.readRevision(order, 0);
    } catch (RuntimeException e) {
      start = CompletableFuture.failedFuture(e);
    }
    start
        .thenCompose(
            current -> {
              Set<Long> wanted = new HashSet<>();
              if (current.isPresent()) {
                lock.lock();
                try {
                  Map<Long, Pending> forOrder = pending.getOrDefault(order, Map.of());
                  for (Long k : forOrder.keySet()) {
                    if (current.get().record().appliedOps().entries().containsKey(k)) {
                      wanted.add(k);
                    }
                  }
                } finally {
                  lock.unlock();
                }
              }
              if (wanted.isEmpty()) {
                return CompletableFuture.completedFuture(
                    new Walk(current.orElse(null), fromNow, lackedLocally, Map.of()));
              }
              return walk(order, current.get(), wanted, new HashMap<>(), 0)
                  .thenApply(found -> new Walk(current.get(), fromNow, lackedLocally, found));
            })
        .whenComplete((walk, error) -> finish(order, walk, error));
  }

  /** etcd's version of an order at a revision, or its current one if etcd compacted that away. */
  private CompletionStage<Optional<StoredRecord>> readAtOrNow(OrderId order, long revision) {
    return strong
        .readRevision(order, revision)
        .toCompletableFuture()
        .exceptionallyCompose(
            e ->
                RequestRouter.unwrap(e) instanceof RevisionCompactedException
                    ? strong.readRevision(order, 0)
                    : CompletableFuture.failedFuture(RequestRouter.unwrap(e)));
  }

  /**
   * The pending keys of an order that this node's replica has a record for that no longer holds
   * them.
   */
  private Set<Long> lackedLocally(OrderId order) {
    Optional<OrderRecord> mine = localRecord(order);
    if (mine.isEmpty()) {
      return Set.of();
    }
    Set<Long> lacked = new HashSet<>();
    lock.lock();
    try {
      for (Pending p : pending.getOrDefault(order, Map.of()).values()) {
        if (!mine.get().appliedOps().contains(p.opId)) {
          lacked.add(p.opId.key());
        }
      }
    } finally {
      lock.unlock();
    }
    return lacked;
  }

  /**
   * What a locate found: etcd's version it started from (null if none), whether that is etcd's
   * version as of the locate (not one the feed showed), the pending keys this node's replica no
   * longer held just before that read, and the first version per key.
   */
  private record Walk(
      @Nullable StoredRecord start,
      boolean startIsCurrent,
      Set<Long> lackedLocally,
      Map<Long, Found> found) {}

  private CompletionStage<Map<Long, Found>> walk(
      OrderId order, StoredRecord version, Set<Long> wanted, Map<Long, Found> found, int steps) {
    if (version.modRevision() <= 1) {
      // nothing before it (and a read at revision 0 would mean "now")
      wanted.forEach(k -> found.put(k, new Found(version, true)));
      return CompletableFuture.completedFuture(found);
    }
    if (steps >= MAX_WALK) {
      wanted.forEach(k -> found.put(k, new Found(version, false)));
      return CompletableFuture.completedFuture(found);
    }
    CompletionStage<Optional<StoredRecord>> previous;
    try {
      previous = strong.readRevision(order, version.modRevision() - 1);
    } catch (RuntimeException e) {
      previous = CompletableFuture.failedFuture(e);
    }
    return previous
        .handle(
            (prev, error) -> {
              if (error != null) {
                if (RequestRouter.unwrap(error) instanceof RevisionCompactedException) {
                  wanted.forEach(k -> found.put(k, new Found(version, false)));
                  return CompletableFuture.completedFuture(found);
                }
                return CompletableFuture.<Map<Long, Found>>failedFuture(
                    RequestRouter.unwrap(error));
              }
              Set<Long> stillHeld = new HashSet<>();
              for (Long k : wanted) {
                if (prev.isPresent() && prev.get().record().appliedOps().entries().containsKey(k)) {
                  stillHeld.add(k);
                } else {
                  found.put(k, new Found(version, true));
                }
              }
              if (stillHeld.isEmpty()) {
                return CompletableFuture.completedFuture(found);
              }
              return walk(order, prev.orElseThrow(), stillHeld, found, steps + 1)
                  .toCompletableFuture();
            })
        .thenCompose(f -> f);
  }

  /** Whether etcd's version crowds the entry's op id out for good (false if either is unknown). */
  private static boolean crowdedOut(@Nullable StoredRecord etcd, Pending p) {
    AppliedOps.Entry entry = p.entry;
    return etcd != null && entry != null && etcd.record().appliedOps().crowdsOut(p.opId, entry);
  }

  private void finish(OrderId order, @Nullable Walk walk, @Nullable Throwable error) {
    List<Map.Entry<Pending, Object>> outcomes = new ArrayList<>();
    Map.Entry<OrderId, Optional<StoredRecord>> next = null;
    boolean rerun;
    boolean rerunSeen = false;
    boolean rerunNow = false;
    lock.lock();
    try {
      long now = nanos.getAsLong();
      Map<Long, Pending> forOrder = pending.get(order);
      if (forOrder != null && walk != null) {
        for (Map.Entry<Long, Found> f : walk.found().entrySet()) {
          Pending p = removePending(order, f.getKey());
          if (p != null) {
            Confirmation c = confirmation(p, f.getValue());
            if (p.acknowledged != null) {
              recent.put(new Key(order, f.getKey()), p.acknowledged);
            }
            located.put(
                f.getKey(),
                new Located(order, f.getValue().version().modRevision(), f.getValue().first()));
            metrics.confirmed(
                p.acknowledgedAt < 0 ? -1 : now - p.acknowledgedAt, c.outcomeChanged());
            outcomes.add(Map.entry(p, c));
          }
        }
        forOrder = pending.get(order);
        // The feed has delivered every version of the order up to the one the locate read.
        boolean feedCaughtUp =
            walk.startIsCurrent()
                && (walk.start() == null || feedRevision >= walk.start().modRevision());
        if (forOrder != null) {
          for (Pending p : List.copyOf(forOrder.values())) {
            // etcd's current version does not hold it. It never reached etcd when this node's
            // replica no longer held it just before that read (any etcd version the replica took
            // that from is no later than the version read) and the feed delivered every version
            // up to the one read without showing it. It never will when etcd's version holds as
            // many op ids ranked above it as the retention keeps: a peer's copy that still holds
            // it (a peer that lags behind this node) cannot bring it back then. Without that, a
            // peer folded such a write in after this node had given it up (a 43-minute soak).
            // While the feed lags behind the version read, a version in between may have held it
            // and been overwritten since: keep waiting, the feed will show it.
            if (p.seenIn != null) {
              rerunSeen =
                  true; // seen in a later version than this locate started from: go there next
            } else if (p.seenAt < 0
                && feedCaughtUp
                && walk.lackedLocally().contains(p.opId.key())
                && crowdedOut(walk.start(), p)) {
              removePending(order, p.opId.key());
              outcomes.add(
                  Map.entry(
                      p,
                      new UnknownOperationException(
                          p.opId,
                          "the order's record no longer holds it "
                              + "(more than "
                              + org.hybridstore.OrderLimits.OP_ID_RETENTION
                              + " later writes to order "
                              + order
                              + ") and etcd did not hold it when this node looked; its effects are merged")));
            } else {
              p.checks++;
              p.nextCheck =
                  now + Math.min(MAX_CHECK_NANOS, FIRST_CHECK_NANOS << Math.min(p.checks, 5));
            }
          }
          // Started from a version the feed showed, and what is left was never seen in etcd:
          // read etcd's current version once, which either finds them or proves them pushed out.
          Map<Long, Pending> left = pending.get(order);
          rerunNow =
              !walk.startIsCurrent()
                  && left != null
                  && !left.isEmpty()
                  && left.values().stream().allMatch(p -> p.seenIn == null && p.seenAt < 0);
        }
      } else if (forOrder != null) {
        LOG.debug(
            "{}: locating order {} in etcd failed, the sweep retries: {}",
            store,
            order,
            String.valueOf(error));
        for (Pending p : forOrder.values()) {
          p.checks++;
          p.nextCheck = now + Math.min(MAX_CHECK_NANOS, FIRST_CHECK_NANOS << Math.min(p.checks, 5));
        }
      }
      locating.remove(order);
      rerun = (again.remove(order) | rerunSeen | rerunNow) && pending.containsKey(order) && !closed;
      if (rerun) {
        locating.add(order);
      } else if (!queued.isEmpty() && !closed) {
        var it = queued.entrySet().iterator();
        next = it.next();
        it.remove();
        locating.add(next.getKey());
      }
    } finally {
      lock.unlock();
    }
    for (Map.Entry<Pending, Object> o : outcomes) {
      if (o.getValue() instanceof Confirmation c) {
        complete(o.getKey(), c);
      } else {
        fail(o.getKey(), (Throwable) o.getValue());
      }
    }
    if (rerun) {
      locate(order, null);
    }
    if (next != null) {
      locate(next.getKey(), next.getValue().orElse(null));
    }
  }

  private Optional<OrderRecord> localRecord(OrderId order) {
    try {
      return local.read(order);
    } catch (RuntimeException e) {
      return Optional.empty(); // cannot tell: keep waiting
    }
  }

  private static Confirmation confirmation(Pending p, Found f) {
    Order inEtcd = f.version().record().toOrder();
    Ack ack = p.acknowledged;
    boolean changed =
        ack == null
            ? Confirmation.outcomeChanged(inEtcd, Optional.empty())
            : Confirmation.outcomeChanged(inEtcd, ack.status(), ack.conflicts());
    return new Confirmation(
        p.opId,
        p.order,
        f.version().modRevision(),
        f.first(),
        inEtcd,
        Optional.ofNullable(ack).map(Ack::status),
        changed);
  }

  /** Call with the lock held. */
  private @Nullable Pending removePending(OrderId order, long opKey) {
    Map<Long, Pending> forOrder = pending.get(order);
    if (forOrder == null) {
      return null;
    }
    Pending p = forOrder.remove(opKey);
    if (p != null) {
      pendingCount--;
      pendingOrder.remove(opKey, order);
    }
    if (forOrder.isEmpty()) {
      pending.remove(order);
    }
    return p;
  }

  private void complete(Pending p, Confirmation c) {
    run(() -> p.future.complete(c));
  }

  private void fail(Pending p, Throwable t) {
    run(() -> p.future.completeExceptionally(t));
  }

  private void run(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  private static <T> CompletionStage<T> failed(Throwable t) {
    return CompletableFuture.<T>failedFuture(t).minimalCompletionStage();
  }

  /**
   * Fails every awaited confirmation with {@link StoreClosedException}; later calls fail the same
   * way.
   */
  @Override
  public void close() {
    List<Pending> all = new ArrayList<>();
    lock.lock();
    try {
      closed = true;
      pending.values().forEach(m -> all.addAll(m.values()));
      pending.clear();
      pendingOrder.clear();
      pendingCount = 0;
      queued.clear();
    } finally {
      lock.unlock();
    }
    StoreClosedException e =
        new StoreClosedException(
            store
                + " (closed before etcd confirmed the write; it is not lost:"
                + " it is in this node's journal and at its peers, which fold it in; ask confirmation(opId) on any node)");
    for (Pending p : all) {
      p.future.completeExceptionally(e);
    }
  }
}
