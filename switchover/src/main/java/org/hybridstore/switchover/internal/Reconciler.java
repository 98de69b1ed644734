package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.VersionVector;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.MergeReport;
import org.hybridstore.spi.StrongBackend;

/**
 * Folds provisional records into etcd.
 *
 * <p>{@link #foldIn} is the one way a local record reaches etcd: merge each record into etcd's with
 * compare-and-swap ({@link StrongBackend#mergeAll}), then absorb what etcd now holds into the local
 * replica, which clears every backlog entry etcd's record includes. A reconcile pass and the fold
 * before a STRONG write to a dirty order both use it.
 *
 * <p>One reconciler per record: every node holds its peers' provisional records too (hinted
 * handoff), so if all of them folded every record, they would race for the same keys. A record's
 * owner is chosen among the live nodes that can reach etcd (STRONG or RECONCILING, itself
 * included): the one node whose writes are all the record holds beyond what etcd is known to
 * include, if there is one such node and it is live (the writer, which surely holds them);
 * otherwise the node that scores highest for the order id ({@link #owner}). A pass folds only the
 * records this node owns. When the owner folds a record, the watch feed brings etcd's version to
 * every node and clears it from their backlogs.
 *
 * <p>Taking over: a record left to another owner is folded here once it has waited {@code
 * ownerGrace} (the owner is gone, degraded or slow), or a quarter of that (the silence bound) if
 * the owner is silent or lacks it: none of the records this node left to that owner has left the
 * backlog for the silence bound (an owner folding a large backlog clears some every pass, so it is
 * not disturbed), or etcd's record moved on since the wait began without including this node's (the
 * owner, or a writer, folded a version without these writes). An owner that lacks a record is the
 * usual case after a gray failure: the writes reached this node and not the owner.
 *
 * <p>Why the writer first: a node that wrote while cut off or slowed (a partition, a throttled
 * link) holds records its peers may not have yet, since its pushes went over the same bad link. If
 * the score named one of those peers, the writer waited the whole grace after the heal (2.1 s in a
 * {@code gray-slow} window of a 10-minute chaos run). Every node that holds the record computes the
 * same writer, so this adds no races; where several nodes wrote, the score decides as before.
 *
 * <p>Idempotent: a pass that is interrupted (a crash, a failed transaction) leaves the backlog as
 * it was or smaller, and merging a record etcd already includes writes nothing. It reports; it
 * never changes the mode (the {@link ModePolicy} decides). Passes are not concurrent (the
 * controller runs one at a time), so the bookkeeping needs no lock beyond the one map's.
 */
final class Reconciler {
  /** How many batches' worth of the oldest backlog records a pass looks at. */
  private static final int WINDOW = 4;

  private final StrongBackend strong;
  private final LocalBackend local;
  private final int batchSize;
  private final ConflictTracker conflicts;
  private final StoreMetrics metrics;
  private final NodeId node;
  private final Duration ownerGrace;
  private final InstantSource time;
  private final Duration silence;
  // Bookkeeping of the records left to other owners; guarded by the waiting map's lock.
  private final Map<OrderId, Waiting> waiting = new HashMap<>();
  private final Map<OrderId, NodeId> leftTo = new HashMap<>();
  private final Map<NodeId, Instant> lastProgress = new HashMap<>();

  /**
   * A backlog record another node owns, as this node first left it to that owner: since when, and
   * what etcd was then known to hold of it.
   */
  private record Waiting(Instant since, VersionVector folded) {}

  Reconciler(
      StrongBackend strong,
      LocalBackend local,
      int batchSize,
      ConflictTracker conflicts,
      StoreMetrics metrics,
      NodeId node,
      Duration ownerGrace,
      InstantSource time) {
    this.strong = strong;
    this.local = local;
    this.batchSize = batchSize;
    this.conflicts = conflicts;
    this.metrics = metrics;
    this.node = node;
    this.ownerGrace = ownerGrace;
    this.silence = ownerGrace.dividedBy(4);
    this.time = time;
  }

  /**
   * Merges records into etcd and absorbs etcd's result locally.
   *
   * @param records records to fold in, at most one per order
   * @return what etcd holds now
   */
  CompletionStage<MergeReport> foldIn(List<OrderRecord> records) {
    return strong
        .mergeAll(records)
        .thenCompose(
            merged -> {
              conflicts.observe(merged.stored());
              metrics.reconciled(records.size(), merged.retries());
              return local.absorb(merged.stored()).thenApply(v -> merged);
            });
  }

  /** One pass: folds in up to a batch of the records this node owns (or takes over). */
  CompletionStage<ReconcileReport> pass() {
    List<OrderRecord> window = local.backlog(batchSize * WINDOW);
    List<NodeId> owners = liveOwners();
    Instant now = time.instant();
    List<OrderRecord> batch = new ArrayList<>();
    int deferred = 0;
    int takenOver = 0;
    Set<OrderId> seen = new HashSet<>();
    for (OrderRecord r : window) {
      seen.add(r.id());
    }
    synchronized (waiting) {
      // A record left to its owner by the last pass that has left the backlog since was folded
      // (by its owner, as a rule): that owner is making progress.
      leftTo.forEach(
          (id, owner) -> {
            if (!seen.contains(id)) {
              lastProgress.put(owner, now);
            }
          });
      leftTo.clear();
      for (OrderRecord r : window) {
        VersionVector folded = local.knownFolded(r.id());
        NodeId owner = owner(r, folded, owners);
        if (owner.equals(node)) {
          waiting.remove(r.id());
          if (batch.size() < batchSize) {
            batch.add(r);
          }
          continue;
        }
        Waiting w = waiting.computeIfAbsent(r.id(), id -> new Waiting(now, folded));
        // The owner's silence counts from its last progress, or from when this node began leaving
        // it records (the map keeps only owners that were left records by the last pass).
        Instant progress = lastProgress.computeIfAbsent(owner, o -> now);
        Duration waited = Duration.between(w.since(), now);
        boolean overdue =
            atLeast(waited, ownerGrace)
                || (atLeast(waited, silence)
                    && (atLeast(Duration.between(progress, now), silence)
                        || !w.folded().equals(folded)));
        if (!overdue) {
          deferred++;
          leftTo.put(r.id(), owner);
        } else if (batch.size() < batchSize) {
          batch.add(r);
          takenOver++;
        }
      }
      waiting.keySet().retainAll(seen);
      lastProgress.keySet().retainAll(new HashSet<>(leftTo.values()));
    }
    int deferredCount = deferred;
    int takenOverCount = takenOver;
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(
          new ReconcileReport(0, 0, 0, local.backlogSize(), deferredCount, 0));
    }
    return foldIn(batch)
        .thenApply(
            merged ->
                new ReconcileReport(
                    batch.size(),
                    merged.written(),
                    merged.retries(),
                    local.backlogSize(),
                    deferredCount,
                    takenOverCount));
  }

  private static boolean atLeast(Duration d, Duration bound) {
    return d.compareTo(bound) >= 0;
  }

  /** This node and the live peers that can reach etcd, in id order. */
  private List<NodeId> liveOwners() {
    TreeSet<String> ids = new TreeSet<>();
    ids.add(node.value());
    local
        .peers()
        .forEach(
            (id, state) -> {
              if (state.mode() == ConsistencyMode.STRONG
                  || state.mode() == ConsistencyMode.RECONCILING) {
                ids.add(id.value());
              }
            });
    return ids.stream().map(NodeId::of).toList();
  }

  /**
   * The owner of a backlog record among the given nodes: the one writer of everything the record
   * holds beyond {@code folded}, if that is a single node and it is among them; otherwise {@link
   * #owner(OrderId, List)}.
   *
   * @param record the backlog record
   * @param folded a version vector etcd's record is known to include
   * @param owners the live nodes that can reach etcd
   */
  static NodeId owner(OrderRecord record, VersionVector folded, List<NodeId> owners) {
    Set<NodeId> writers = record.versions().aheadOf(folded);
    if (writers.size() == 1) {
      NodeId writer = writers.iterator().next();
      if (owners.contains(writer)) {
        return writer;
      }
    }
    return owner(record.id(), owners);
  }

  /**
   * The owner of an order among the given nodes: the node with the highest score for the id
   * (rendezvous hashing), a pure function of the id and the set. Nodes learn each other's modes by
   * gossip, so for a moment after a heal two nodes may see different sets; with this choice they
   * disagree only about the records the extra node scores highest. The hash modulo the set's size
   * used before moved about two thirds of the records when a third node joined, and two nodes that
   * each named the other as owner both waited (300 ms for dozens of records in a partition window
   * of a 10-minute chaos run).
   */
  static NodeId owner(OrderId id, List<NodeId> owners) {
    long idHash = (long) id.value().hashCode() << 32;
    NodeId best = owners.get(0);
    long bestScore = Long.MIN_VALUE;
    for (NodeId n : owners) {
      long score = mix(idHash ^ (n.value().hashCode() & 0xFFFF_FFFFL));
      if (score > bestScore || (score == bestScore && n.compareTo(best) < 0)) {
        best = n;
        bestScore = score;
      }
    }
    return best;
  }

  /** SplitMix64's finalizer: every input bit affects every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
    return z ^ (z >>> 31);
  }
}
