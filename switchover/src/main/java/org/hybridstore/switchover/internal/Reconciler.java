package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
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
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.AppliedOps;
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
 * owner is chosen among the live nodes that can reach etcd (STRONG, itself included): the one node
 * whose writes are all the record holds beyond what etcd is known to include, if there is one such
 * node and it is live (the writer, which surely holds them); otherwise the node that scores highest
 * for the order id ({@link #owner}). A pass folds only the records this node owns, and takes over a
 * record only when it has waited in the backlog for {@code ownerGrace} without the owner folding it
 * (the owner is gone, degraded or slow, or lacks the record). When the owner folds a record, the
 * watch feed brings etcd's version to every node and clears it from their backlogs. Before the
 * return to STRONG, a node folds only what it alone wrote ({@link #passBeforeStrong}).
 *
 * <p>Why the writer first: a node that wrote while cut off or slowed (a partition, a throttled
 * link) holds records its peers may not have yet, since its pushes went over the same bad link. If
 * the score named one of those peers, the writer waited the whole grace after the heal (2.1 s in a
 * {@code gray-slow} window of a 10-minute chaos run). Nodes holding the record compute the same
 * writer as a rule, so this adds no races in the normal case; where several nodes wrote, the score
 * decides as before. A wrong writer (two writes of one node sharing a counter: a STRONG and a
 * provisional write racing) only delays the record to the grace takeover.
 *
 * <p>Idempotent: a pass that is interrupted (a crash, a failed transaction) leaves the backlog as
 * it was or smaller, and merging a record etcd already includes writes nothing. It reports; it
 * never changes the mode (the {@link ModePolicy} decides). Passes are not concurrent (the
 * controller runs one at a time); a pass holds the reconciler's lock only so that the next pass, on
 * another thread, sees its bookkeeping.
 */
final class Reconciler {
  /** How many batches' worth of the oldest backlog records a pass looks at. */
  private static final int WINDOW = 8;

  /**
   * How many batches' worth of records without the backend's vectors (written before a restart) a
   * pass reads at most to find out whose they are.
   */
  private static final int READS_TO_DECIDE = 4;

  private final StrongBackend strong;
  private final LocalBackend local;
  private final int batchSize;
  private final ConflictTracker conflicts;
  private final StoreMetrics metrics;
  private final NodeId node;
  private final Duration ownerGrace;
  private final InstantSource time;

  /** When each record of the last pass's window was first seen there; replaced by every pass. */
  private Map<OrderId, Instant> waitingSince = new HashMap<>();

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
    this.time = time;
  }

  /**
   * Merges records into etcd and absorbs etcd's result locally.
   *
   * <p>The records come with the bytes the journal holds for them ({@link
   * LocalBackend#readEncoded}): etcd is sent those bytes for a record it takes as given, and the
   * journal is handed them back to see that etcd's record is the one it holds, so a record folded
   * into a key etcd lacks is decoded once and never encoded (decision 79).
   *
   * @param records records to fold in, at most one per order
   * @return what etcd holds now
   */
  CompletionStage<MergeReport> foldIn(List<EncodedRecord> records) {
    return strong
        .mergeAllEncoded(records)
        .thenCompose(
            merged -> {
              conflicts.observe(merged.stored());
              metrics.reconciled(records.size(), merged.retries());
              return absorb(records, merged.stored()).thenApply(v -> merged);
            });
  }

  /**
   * Absorbs etcd's records: a record etcd took as given (the given object itself, the backend's
   * contract) with the bytes it was given with, the others as they are.
   */
  private CompletionStage<Void> absorb(List<EncodedRecord> given, List<OrderRecord> stored) {
    List<EncodedRecord> asGiven = new ArrayList<>(stored.size());
    List<OrderRecord> others = new ArrayList<>();
    for (int i = 0; i < stored.size(); i++) {
      OrderRecord s = stored.get(i);
      if (i < given.size() && s == given.get(i).record()) {
        asGiven.add(given.get(i));
      } else {
        others.add(s);
      }
    }
    if (others.isEmpty()) {
      return local.absorbEncoded(asGiven);
    }
    if (asGiven.isEmpty()) {
      return local.absorb(others);
    }
    return local.absorbEncoded(asGiven).thenCombine(local.absorb(others), (a, b) -> null);
  }

  /**
   * One pass: folds in up to a batch of the records this node owns (or takes over).
   *
   * <p>It looks at the ids of the oldest {@link #WINDOW} batches' worth of the backlog and reads
   * only the records it folds: with three nodes about two thirds of a window are left to their
   * owners, pass after pass until the owners' folds reach this node, and decoding each of them
   * every pass was most of what a 10,000-record backlog cost this node. Whose record it is comes
   * from the backend's in-memory vectors ({@link LocalBackend#backlogVersions}); a record without
   * them (written before a restart) is read to decide, up to {@link #READS_TO_DECIDE} batches'
   * worth a pass (the window the passes read before the vectors were kept), and its latest writer
   * stands in for the writers etcd lacks ({@link #lastWriter}).
   *
   * <p>The records this node alone wrote go first, then the others it owns or takes over. Nodes
   * that recover from one etcd outage return to STRONG within tens of milliseconds of each other,
   * and each first sees the others still DEGRADED, so it owns their records by the hash too; when
   * its own writes fill the batch, their records wait for the next pass, by which time their
   * writers are live again and fold them (without this, 9 % of a 10,000-record backlog was folded
   * twice in the bench). A node with fewer records of its own than a batch folds the rest at once,
   * as before.
   */
  CompletionStage<ReconcileReport> pass() {
    return pass(false);
  }

  /**
   * A pass before the return to STRONG: folds in up to a batch of the records this node alone wrote
   * beyond what etcd is known to include, and nothing else.
   *
   * <p>The controller runs it while this node is DEGRADED, its probes find quorum again and no peer
   * is STRONG (every node waits out the same stable period after an etcd outage), so that folding
   * starts when etcd can take it rather than a stable period later. Only the writer folds: that is
   * the owner every node names while the writer is live and STRONG, so no peer folds the same
   * records in the normal case, and records several nodes wrote wait for the owners' passes after
   * the return. It leaves the grace bookkeeping of {@link #pass()} as it was: no record is taken
   * over before this node is STRONG.
   */
  CompletionStage<ReconcileReport> passBeforeStrong() {
    return pass(true);
  }

  private CompletionStage<ReconcileReport> pass(boolean ownWritesOnly) {
    List<OrderId> window = local.backlogIds(batchSize * WINDOW);
    List<NodeId> owners = ownWritesOnly ? List.of(node) : liveOwners();
    Instant now = time.instant();
    List<OrderId> ownWrites = new ArrayList<>();
    List<OrderId> others = new ArrayList<>();
    Set<OrderId> overdueOnly = new HashSet<>();
    Map<OrderId, EncodedRecord> read = new HashMap<>();
    int deferred = 0;
    synchronized (this) {
      Map<OrderId, Instant> seen = new HashMap<>(window.size() * 2);
      for (OrderId id : window) {
        Instant since = waitingSince.getOrDefault(id, now);
        seen.put(id, since);
        boolean full = ownWrites.size() >= batchSize;
        VersionVector versions = local.backlogVersions(id).orElse(null);
        Set<NodeId> writers;
        if (versions != null) {
          writers = versions.aheadOf(local.knownFolded(id));
        } else {
          if (full || read.size() >= batchSize * READS_TO_DECIDE) {
            continue; // deciding would take a read: not when the batch is full, nor without end
          }
          EncodedRecord r = local.readEncoded(id).orElse(null);
          if (r == null) {
            continue;
          }
          read.put(id, r);
          writers = lastWriter(r.record());
        }
        if (ownWritesOnly) {
          if (writers.equals(Set.of(node)) && !full) {
            ownWrites.add(id);
          } else {
            deferred++;
          }
          continue;
        }
        boolean mine = owner(id, writers, owners).equals(node);
        boolean overdue = !Duration.between(since, now).minus(ownerGrace).isNegative();
        if (mine || overdue) {
          if (writers.equals(Set.of(node))) { // this node alone wrote what etcd may lack
            if (!full) {
              ownWrites.add(id);
            }
          } else if (others.size() < batchSize) {
            others.add(id);
            if (!mine) {
              overdueOnly.add(id);
            }
          }
        } else {
          deferred++;
        }
      }
      if (!ownWritesOnly) {
        waitingSince = seen;
      }
    }
    List<EncodedRecord> batch = new ArrayList<>();
    int takenOver = 0;
    for (List<OrderId> ids : List.of(ownWrites, others)) {
      for (OrderId id : ids) {
        if (batch.size() >= batchSize) {
          break;
        }
        EncodedRecord r = read.get(id);
        if (r == null) {
          r = local.readEncoded(id).orElse(null);
        }
        if (r != null) {
          batch.add(r);
          takenOver += overdueOnly.contains(id) ? 1 : 0;
        }
      }
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

  /**
   * Who stands in for the writers etcd may lack, for a backlog record this node has no vectors for
   * (it entered the backlog before this node started, so what etcd was known to include is lost,
   * and etcd's record of it has not been absorbed since): the node that applied the record's latest
   * operation, or every writer of the record if it holds no operation.
   *
   * <p>Why not every writer: the record then names all three nodes, the score picks a peer for two
   * records in three, and a node that restarted after writing while cut off (the peers never got
   * those records) left them to peers that could not fold them until {@code ownerGrace} (decision
   * 68). Where one node wrote everything etcd lacks, that node also applied the latest operation
   * (unless its clock ran behind the others'), so a peer that holds the record with its vectors
   * names the same owner and no race is added; and nodes that all restarted read the same record
   * and name the same one node. A wrong guess only delays the record to the grace takeover, as
   * before.
   */
  private static Set<NodeId> lastWriter(OrderRecord record) {
    return record.appliedOps().entries().values().stream()
        .map(AppliedOps.Entry::stamp)
        .max(Comparator.naturalOrder())
        .map(s -> Set.of(s.node()))
        .orElseGet(() -> record.versions().aheadOf(VersionVector.EMPTY));
  }

  /** This node and the live peers that can reach etcd, in id order. */
  private List<NodeId> liveOwners() {
    TreeSet<String> ids = new TreeSet<>();
    ids.add(node.value());
    local
        .peers()
        .forEach(
            (id, state) -> {
              if (state.mode() == ConsistencyMode.STRONG) {
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
   * @param id the order
   * @param versions the backlog record's version vector
   * @param folded a version vector etcd's record is known to include
   * @param owners the live nodes that can reach etcd
   */
  static NodeId owner(
      OrderId id, VersionVector versions, VersionVector folded, List<NodeId> owners) {
    return owner(id, versions.aheadOf(folded), owners);
  }

  /** {@link #owner(OrderId, VersionVector, VersionVector, List)}, given the writers. */
  private static NodeId owner(OrderId id, Set<NodeId> writers, List<NodeId> owners) {
    if (writers.size() == 1) {
      NodeId writer = writers.iterator().next();
      if (owners.contains(writer)) {
        return writer;
      }
    }
    return owner(id, owners);
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
