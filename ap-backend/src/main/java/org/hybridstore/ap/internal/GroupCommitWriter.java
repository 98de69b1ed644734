package org.hybridstore.ap.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.hybridstore.CorruptDataException;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.NodeId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderStoreException;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.ap.internal.storage.JournalStore;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.model.VersionVector;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.StoredRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the journal (group commit).
 *
 * <p>Design:
 *
 * <ul>
 *   <li>Every change (a local command, records from a peer, records absorbed from etcd) is a task
 *       in one bounded queue. One thread, owned by this class and named {@code
 *       hybridstore-journal-<node>}, takes the first waiting task, drains up to {@code maxBatch -
 *       1} more, applies them in order, commits them as ONE journal entry (one fsync), and only
 *       then completes their futures on the context's executor. No acknowledgement precedes the
 *       fsync that holds the write.
 *   <li>Read-your-writes inside a batch: tasks read the batch's own overlay before the committed
 *       state, so a command sees every earlier command of its batch.
 *   <li>A command the model rejects fails only its own future; the rest of the batch commits. A
 *       failed commit fails every write of the batch as indeterminate, and the journal refuses
 *       writes (definitely not applied) until it has recovered; the writer retries the recovery
 *       before each batch and every second while idle.
 *   <li>Readers never see uncommitted data: the journal applies a batch to its index only after the
 *       log entry holding it is forced.
 *   <li>After the commit the writer updates the {@link ReplicaIndex}, persists its counters and
 *       last clock reading with the batch, and hands the locally written records to the replicator.
 * </ul>
 */
final class GroupCommitWriter implements AutoCloseable {
  /** The revision of an absorb that leaves the mirror revision as it is. */
  static final long KEEP_MIRROR_REVISION = Long.MIN_VALUE;

  static final String JOURNAL_SEQ = "journal.seq";
  static final String MIRROR_REVISION = "mirror.revision";
  static final String HLC_WALL = "hlc.wall";
  static final String HLC_LOGICAL = "hlc.logical";
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int DECODED_CACHE = 4096;
  private static final int ROTATION_CHECK_EVERY = 256;

  /** A unit of work for the writer. */
  private sealed interface Task permits Apply, Merge, Absorb, Barrier, Hold, Wake, Stop {}

  /** A command; {@code stamp} is the caller's (an in-call fallback), or null for a fresh one. */
  private record Apply(
      OrderCommand command, @Nullable Stamp stamp, CompletableFuture<BackendWrite> future)
      implements Task {}

  /** Records from a peer; {@code bytes} (their encoded size) count against the merge budget. */
  private record Merge(List<OrderRecord> records, long bytes) implements Task {}

  private record Absorb(List<EtcdVersion> records, long revision, CompletableFuture<Void> future)
      implements Task {}

  /** A record from etcd and, if the caller had them, the bytes etcd holds for it. */
  @SuppressWarnings("ArrayRecordComponent") // never compared or hashed
  private record EtcdVersion(OrderRecord record, byte @Nullable [] bytes) {}

  private record Barrier(CompletableFuture<Void> future) implements Task {}

  private record Hold(CompletableFuture<Void> release) implements Task {}

  /** Nothing to do but to look at the journal's health (a reader found the index damaged). */
  private record Wake() implements Task {}

  private record Stop() implements Task {}

  private final JournalStore store;
  private final NodeId node;
  private final HybridLogicalClock clock;
  private final Executor executor;
  private final int maxBatch;
  private final Counters counters;
  private final ReplicaIndex index;
  // Set once, before start() (the replicator that takes local writes is built after the writer,
  // since it reads the journal the writer loads); Thread.start() publishes it to the writer thread.
  private @Nullable Consumer<List<byte[]>> onLocalWrites;
  private final BlockingQueue<Task> queue;

  /** Encoded bytes of peer records queued and not yet merged: what a flood of pushes can cost. */
  private final AtomicLong pendingMergeBytes = new AtomicLong();

  private final long maxPendingMergeBytes;
  private final LinkedHashMap<String, OrderRecord> decoded =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, OrderRecord> eldest) {
          return size() > DECODED_CACHE;
        }
      };
  private final Thread thread;
  private volatile boolean closed;
  private volatile long mirrorRevision;
  private long journalSeq;
  private long batchesSinceRotationCheck;

  // Per-batch state, writer thread only.
  private final Map<String, OrderRecord> batch = new LinkedHashMap<>();
  private final Map<String, byte[]> staged = new LinkedHashMap<>();
  private final Map<String, byte[]> localWrites = new LinkedHashMap<>();
  private final List<Runnable> completions = new ArrayList<>();
  private final List<CompletableFuture<?>> batchFutures = new ArrayList<>();
  private final Map<String, OrderRecord> provisional = new LinkedHashMap<>();
  private final List<Consumer<List<OrderRecord>>> provisionalListeners =
      new CopyOnWriteArrayList<>();

  /**
   * For orders in the backlog: a version vector etcd's record is known to include (see {@link
   * #knownFolded}) and the vector of the backlog record itself (see {@link #backlogVersions}), so
   * the reconciler can tell whose record it is without reading and decoding it. Written on the
   * writer thread when a record is staged, read by the reconciler; kept in memory only: after a
   * restart the orders already in the backlog have none until etcd's record of them is absorbed
   * (the change feed catching up, a fold), which costs the reconciler a read, not correctness. An
   * entry can outlive its order's backlog entry (or run ahead of the committed record) when a
   * commit fails; the next time the order enters the backlog replaces it.
   */
  private final Map<String, BacklogHint> backlogHints = new ConcurrentHashMap<>();

  /** What {@link #backlogHints} keeps per order. */
  private record BacklogHint(VersionVector folded, VersionVector versions) {}

  GroupCommitWriter(
      JournalStore store,
      NodeId node,
      HybridLogicalClock clock,
      Executor executor,
      int maxBatch,
      long maxPendingMergeBytes,
      Counters counters,
      ReplicaIndex index) {
    this.maxPendingMergeBytes = maxPendingMergeBytes;
    this.store = store;
    this.node = node;
    this.clock = clock;
    this.executor = executor;
    this.maxBatch = maxBatch;
    this.counters = counters;
    this.index = index;
    this.queue = new ArrayBlockingQueue<>(Math.max(1024, 4 * maxBatch));
    this.journalSeq = store.meta(JOURNAL_SEQ);
    this.mirrorRevision = store.meta(MIRROR_REVISION);
    this.thread = new Thread(this::run, "hybridstore-journal-" + node.value());
    this.thread.setDaemon(true);
  }

  /**
   * Loads the replica: decodes every record (so a damaged record fails the start, naming the file),
   * fills the index and restores the clock. Call once before {@link #start()}.
   */
  void load() {
    HybridTimestamp[] latest = {
      new HybridTimestamp(store.meta(HLC_WALL), (int) store.meta(HLC_LOGICAL))
    };
    store.forEachRecord(
        (id, bytes) -> {
          OrderRecord r = RecordCodec.decode(bytes, store.file() + " record '" + id + "'");
          if (!r.id().value().equals(id)) {
            throw new CorruptDataException(
                store.file() + ": record under '" + id + "' is for order " + r.id());
          }
          // The clock's own last reading is in the meta, committed with every batch; a record's
          // stamps
          // only raise it within the maximum offset (a record stamped far ahead, mirrored from
          // etcd,
          // must not carry the clock with it at every restart).
          HybridTimestamp t = r.latestTime();
          if (t.compareTo(latest[0]) > 0 && clock.withinOffset(t)) {
            latest[0] = t;
          }
          index.put(id, ReplicaIndex.hash(bytes));
        });
    // Stamps never go backwards across a restart, even if the wall clock did.
    clock.advanceTo(latest[0]);
  }

  /**
   * Names who receives each committed batch's local writes (encoded records), to push them to the
   * peers. Called once, before {@link #start()}.
   *
   * @param receiver the receiver
   * @throws IllegalStateException if a receiver is set already or the writer has started
   */
  void onLocalWrites(Consumer<List<byte[]>> receiver) {
    if (onLocalWrites != null || thread.isAlive()) {
      throw new IllegalStateException("the local-writes receiver is set once, before start()");
    }
    onLocalWrites = receiver;
  }

  /**
   * Starts the writer thread.
   *
   * @throws IllegalStateException if no local-writes receiver was set
   */
  void start() {
    if (onLocalWrites == null) {
      throw new IllegalStateException("set the local-writes receiver before start()");
    }
    thread.start();
  }

  long mirrorRevision() {
    return mirrorRevision;
  }

  /**
   * Queues a command.
   *
   * @param command the command
   * @return completes after the commit that holds it
   */
  CompletableFuture<BackendWrite> apply(OrderCommand command) {
    CompletableFuture<BackendWrite> f = new CompletableFuture<>();
    submit(new Apply(command, null, f), f);
    return f;
  }

  /**
   * Queues a command stamped by the caller ({@code LocalBackend#apply(OrderCommand, Stamp)}).
   *
   * @param command the command
   * @param stamp its stamp
   * @return completes after the commit that holds it
   */
  CompletableFuture<BackendWrite> apply(OrderCommand command, Stamp stamp) {
    CompletableFuture<BackendWrite> f = new CompletableFuture<>();
    submit(new Apply(command, stamp, f), f);
    return f;
  }

  /**
   * Queues records from a peer; dropped (and counted) if the queue is full or the records waiting
   * to be merged already hold {@code maxPendingMergeBytes}, since anti-entropy brings them again.
   *
   * @param records the records, clock already observed
   * @param bytes their encoded size
   * @return whether they were queued
   */
  boolean merge(List<OrderRecord> records, long bytes) {
    if (closed) {
      return false;
    }
    if (pendingMergeBytes.addAndGet(bytes) > maxPendingMergeBytes) {
      pendingMergeBytes.addAndGet(-bytes);
      counters.droppedMergeBudget();
      return false;
    }
    if (!queue.offer(new Merge(records, bytes))) {
      pendingMergeBytes.addAndGet(-bytes);
      counters.droppedQueueFull();
      return false;
    }
    return true;
  }

  /** Returns the encoded bytes of peer records waiting to be merged. */
  long pendingMergeBytes() {
    return pendingMergeBytes.get();
  }

  /** Returns the most peer-record bytes that may wait to be merged. */
  long maxPendingMergeBytes() {
    return maxPendingMergeBytes;
  }

  /**
   * Queues records from etcd. The node's clock observes each record's latest stamp first (the
   * receive rule; a stamp beyond the maximum offset is refused and counted), so every stamp in the
   * replica is behind the clock's next reading: a write stamped with a plain clock reading (the
   * in-call fallback's, {@code LocalBackend#apply(OrderCommand, Stamp)}) is later than every value
   * this node knew when it took that reading.
   *
   * @param records the records
   * @param revision the etcd revision they are current at, or {@link #KEEP_MIRROR_REVISION}
   * @return completes after the commit that holds them
   */
  CompletableFuture<Void> absorb(Collection<OrderRecord> records, long revision) {
    List<EtcdVersion> versions = new ArrayList<>(records.size());
    for (OrderRecord r : records) {
      versions.add(new EtcdVersion(r, null));
    }
    return absorb(versions, revision);
  }

  /**
   * Queues records from etcd with the bytes etcd holds for them where known ({@link
   * StoredRecord#encoded()}), as {@link #absorb(Collection, long)} does: a replica holding exactly
   * those bytes holds exactly etcd's record, which is then not encoded to find that out.
   *
   * @param records the records
   * @param revision the etcd revision they are current at, or {@link #KEEP_MIRROR_REVISION}
   * @return completes after the commit that holds them
   */
  CompletableFuture<Void> absorbStored(List<StoredRecord> records, long revision) {
    List<EtcdVersion> versions = new ArrayList<>(records.size());
    for (StoredRecord r : records) {
      versions.add(new EtcdVersion(r.record(), r.encoded()));
    }
    return absorb(versions, revision);
  }

  /**
   * Queues records a reconcile pass folded in, which etcd took as given, with their encoding, as
   * {@link #absorbStored} does with etcd's bytes.
   *
   * @param records the records
   * @param revision the etcd revision they are current at, or {@link #KEEP_MIRROR_REVISION}
   * @return completes after the commit that holds them
   */
  CompletableFuture<Void> absorbEncoded(List<EncodedRecord> records, long revision) {
    List<EtcdVersion> versions = new ArrayList<>(records.size());
    for (EncodedRecord r : records) {
      versions.add(new EtcdVersion(r.record(), r.encoded()));
    }
    return absorb(versions, revision);
  }

  private CompletableFuture<Void> absorb(List<EtcdVersion> versions, long revision) {
    for (EtcdVersion v : versions) {
      clock.tryObserve(v.record().latestTime());
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(new Absorb(versions, revision, f), f);
    return f;
  }

  /**
   * Adds a listener for provisional changes: after each commit, the records this node's commands
   * and its peers' records changed, on the writer thread.
   *
   * @param listener must not block
   * @return removes the listener
   */
  AutoCloseable addProvisionalListener(Consumer<List<OrderRecord>> listener) {
    provisionalListeners.add(listener);
    return () -> provisionalListeners.remove(listener);
  }

  /** Completes once every task queued before it is committed. */
  CompletableFuture<Void> barrier() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    submit(new Barrier(f), f);
    return f;
  }

  /**
   * Parks the writer thread until {@code release} completes, so that everything queued meanwhile is
   * committed as one batch (a seam for tests of batch semantics).
   *
   * @param release completes to let the writer go on
   */
  void hold(CompletableFuture<Void> release) {
    submit(new Hold(release), release);
  }

  private void submit(Task task, CompletableFuture<?> f) {
    if (closed) {
      f.completeExceptionally(new StoreClosedException("local journal " + store.file()));
      return;
    }
    if (!queue.offer(task)) {
      f.completeExceptionally(
          new StoreUnavailableException(
              "the local journal's queue is full (" + queue.size() + " waiting); retry"));
    }
  }

  /**
   * Reads the committed record of an order; any thread.
   *
   * @param orderId the order
   * @return the record, or empty
   */
  Optional<OrderRecord> read(String orderId) {
    byte[] bytes = committedBytes(orderId);
    return bytes == null
        ? Optional.empty()
        : Optional.of(RecordCodec.decode(bytes, store.file() + " record '" + orderId + "'"));
  }

  /**
   * Reads the committed record of an order with its bytes ({@link RecordCodec#decodeEncoded}); any
   * thread.
   *
   * @param orderId the order
   * @return the record with its encoding, or empty
   */
  Optional<EncodedRecord> readEncoded(String orderId) {
    byte[] bytes = committedBytes(orderId);
    return bytes == null
        ? Optional.empty()
        : Optional.of(RecordCodec.decodeEncoded(bytes, store.file() + " record '" + orderId + "'"));
  }

  /**
   * Returns the committed encoded record of an order; any thread.
   *
   * @param orderId the order
   * @return the bytes, or null
   */
  byte @Nullable [] committedBytes(String orderId) {
    try {
      return store.get(orderId);
    } catch (CorruptDataException e) {
      // The index's copy failed its checksum: the writer rebuilds the index from the log.
      queue.offer(new Wake());
      throw e;
    }
  }

  private void run() {
    List<Task> tasks = new ArrayList<>(maxBatch);
    boolean stop = false;
    while (!stop) {
      try {
        Task first = store.writable() ? queue.take() : queue.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          store.recover(); // idle while failed: keep trying, so the node acknowledges again soon
          continue;
        }
        if (first instanceof Hold h) {
          h.release().join(); // parked: what queues up meanwhile forms the next batches
          continue;
        }
        tasks.add(first);
        queue.drainTo(tasks, maxBatch - 1);
        // The batch now holds these merges: the budget admits the next ones (so at most twice the
        // budget of peer records is in memory: one batch being merged, one budget queued).
        for (Task t : tasks) {
          if (t instanceof Merge m) {
            pendingMergeBytes.addAndGet(-m.bytes());
          }
        }
        stop = tasks.stream().anyMatch(Stop.class::isInstance);
        runBatch(tasks);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop = true;
      } catch (RuntimeException | Error e) {
        LOG.error("journal writer failed a batch", e);
      } finally {
        tasks.clear();
      }
    }
    // Anything queued after the stop fails: the journal is closing.
    List<Task> rest = new ArrayList<>();
    queue.drainTo(rest);
    for (Task t : rest) {
      failTask(t, new StoreClosedException("local journal " + store.file()));
    }
  }

  private void runBatch(List<Task> tasks) {
    store.repairIndexIfSuspect();
    if (!store.writable() && !store.recover()) {
      refuse(tasks);
      return;
    }
    long seqBefore = journalSeq;
    long mirrorBefore = mirrorRevision;
    int writes = 0;
    boolean dirty = false;
    try {
      for (Task t : tasks) {
        if (t instanceof Apply a) {
          writes += applyCommand(a);
        } else if (t instanceof Merge m) {
          mergeRecords(m.records());
        } else if (t instanceof Absorb a) {
          // An absorb that changed nothing (the watch echoing a record this node already holds)
          // needs no commit of its own.
          dirty |= absorbRecords(a);
        } else if (t instanceof Barrier b) {
          completions.add(() -> b.future().complete(null));
        } else if (t instanceof Hold h) {
          h.release().join();
        }
      }
      if (store.hasPending() || dirty) {
        HybridTimestamp last = clock.last();
        store.setMeta(JOURNAL_SEQ, journalSeq);
        store.setMeta(MIRROR_REVISION, mirrorRevision);
        store.setMeta(HLC_WALL, last.wallMillis());
        store.setMeta(HLC_LOGICAL, last.logical());
        store.commit();
        counters.batch(tasks.size());
      }
    } catch (RuntimeException e) {
      // Logged once by the journal when it enters its failed state.
      LOG.debug("journal commit failed; failing {} tasks", tasks.size(), e);
      try {
        store.rollback();
      } catch (RuntimeException rollbackFailure) {
        e.addSuppressed(rollbackFailure);
      }
      journalSeq = seqBefore;
      mirrorRevision = mirrorBefore;
      for (OrderRecord r : batch.values()) {
        decoded.remove(r.id().value());
      }
      for (CompletableFuture<?> f : batchFutures) {
        complete(
            () ->
                f.completeExceptionally(
                    new IndeterminateWriteException(
                        "the local journal could not commit: " + e.getMessage(), e)));
      }
      clearBatch();
      return;
    }
    // Committed: publish the new state, then acknowledge.
    for (Map.Entry<String, byte[]> e : staged.entrySet()) {
      index.put(e.getKey(), ReplicaIndex.hash(e.getValue()));
    }
    decoded.putAll(batch);
    for (int i = 0; i < writes; i++) {
      counters.write();
    }
    for (Runnable r : completions) {
      complete(r);
    }
    List<byte[]> pushed = localWrites.isEmpty() ? List.of() : new ArrayList<>(localWrites.values());
    List<OrderRecord> changed =
        provisional.isEmpty() ? List.of() : List.copyOf(provisional.values());
    clearBatch();
    if (!changed.isEmpty()) {
      for (Consumer<List<OrderRecord>> l : provisionalListeners) {
        try {
          l.accept(changed);
        } catch (RuntimeException e) {
          LOG.warn("a provisional-change listener failed", e);
        }
      }
    }
    if (!pushed.isEmpty()) {
      try {
        java.util.Objects.requireNonNull(onLocalWrites, "set before start()").accept(pushed);
      } catch (RuntimeException e) {
        LOG.warn("handing writes to the replicator failed", e);
      }
    }
    if (++batchesSinceRotationCheck >= ROTATION_CHECK_EVERY) {
      batchesSinceRotationCheck = 0;
      maybeRotate();
    }
  }

  /** Checks the file size and rotates if free space piled up; writer thread, between batches. */
  void maybeRotate() {
    try {
      if (store.maybeRotate()) {
        counters.rotation();
      }
    } catch (RuntimeException e) {
      LOG.warn("journal rotation failed; the current file stays live", e);
    }
  }

  private int applyCommand(Apply a) {
    batchFutures.add(a.future());
    String id = a.command().orderId().value();
    try {
      OrderRecord current = current(id);
      Stamp stamp = a.stamp();
      OrderCommands.Applied applied =
          stamp == null
              ? OrderCommands.apply(current, a.command(), clock, node)
              : OrderCommands.apply(current, a.command(), stamp);
      if (applied.duplicate()) {
        counters.duplicate();
        long seq = journalSeq;
        completions.add(() -> a.future().complete(new BackendWrite(applied.record(), true, seq)));
        return 0;
      }
      byte[] bytes = RecordCodec.encode(applied.record());
      boolean fresh = current == null;
      stage(id, applied.record(), bytes);
      provisional.put(id, applied.record());
      // A new order cannot be in the backlog yet: skip the lookup.
      backlogWrite(id, current, applied.record(), store.addToBacklog(id, fresh));
      localWrites.put(id, bytes);
      long seq = ++journalSeq;
      completions.add(() -> a.future().complete(new BackendWrite(applied.record(), false, seq)));
      return 1;
    } catch (OrderStoreException e) {
      counters.rejected();
      completions.add(() -> a.future().completeExceptionally(e));
      return 0;
    }
  }

  private void mergeRecords(List<OrderRecord> records) {
    for (OrderRecord r : records) {
      String id = r.id().value();
      try {
        OrderRecord current = current(id);
        if (current != null && current.includes(r)) {
          counters.peerUnchanged();
          continue;
        }
        OrderRecord merged = current == null || r.includes(current) ? r : current.merge(r);
        stage(id, merged, RecordCodec.encode(merged));
        provisional.put(id, merged);
        // Hinted handoff: whichever node reaches etcd first folds the record in.
        backlogWrite(id, current, merged, store.addToBacklog(id));
        journalSeq++;
        counters.peerMerged();
      } catch (OrderStoreException e) {
        LOG.warn("skipped a peer record for order {}: {}", id, e.getMessage());
      }
    }
  }

  /**
   * Returns whether the absorb changed the backlog or the mirror revision (record changes are
   * staged).
   */
  private boolean absorbRecords(Absorb a) {
    boolean changed = false;
    batchFutures.add(a.future());
    for (EtcdVersion version : a.records()) {
      OrderRecord etcd = version.record();
      String id = etcd.id().value();
      Replica replica = replica(id, etcd, version.bytes());
      if (replica.holdsExactly()) {
        // the replica holds exactly etcd's record: nothing to stage, nothing left to fold in
        changed |= store.removeFromBacklog(id);
        backlogHints.remove(id);
        continue;
      }
      OrderRecord current = replica.record();
      // Asked before any merge is built: the usual absorb is of a later version of the replica's
      // record (this node's own STRONG write or fold), which etcd's record includes. etcd's own
      // object then: the change feed brings the same object again (a STRONG write's record, from
      // the backend's revision cache), and the next absorb compares none.
      boolean etcdHoldsAll = current == null || etcd.includes(current);
      // etcd's record older than the replica's: nothing to stage
      boolean replicaHoldsAll = !etcdHoldsAll && current != null && current.includes(etcd);
      OrderRecord merged =
          etcdHoldsAll || current == null
              ? etcd // not equal to the replica's record, or replica() would have said so
              : replicaHoldsAll ? current : current.merge(etcd);
      if (!replicaHoldsAll) {
        byte[] etcdBytes = replica.etcdBytes();
        stage(
            id, merged, etcdHoldsAll && etcdBytes != null ? etcdBytes : RecordCodec.encode(merged));
        journalSeq++;
      }
      // etcd's record includes everything this node holds for the order: nothing left to fold in.
      if (etcdHoldsAll) {
        changed |= store.removeFromBacklog(id);
        backlogHints.remove(id);
      } else {
        // etcd's record is one etcd includes: the hint of an order that entered the backlog before
        // a restart starts here (decision 68)
        backlogHints.compute(
            id,
            (k, h) ->
                new BacklogHint(
                    h == null ? etcd.versions() : h.folded().merge(etcd.versions()),
                    merged.versions()));
      }
    }
    changed |= a.revision() > mirrorRevision;
    mirrorRevision = Math.max(mirrorRevision, a.revision());
    completions.add(() -> a.future().complete(null));
    return changed;
  }

  /**
   * The replica's side of an absorb.
   *
   * @param holdsExactly whether the replica's record is exactly etcd's
   * @param record the replica's record, or null if it has none
   * @param etcdBytes etcd's record encoded, if the comparison needed it (then reused for staging)
   */
  private record Replica(
      boolean holdsExactly, @Nullable OrderRecord record, byte @Nullable [] etcdBytes) {}

  /**
   * Finds the replica's record of an order (as {@link #current} does) and whether it is exactly
   * etcd's, without a merge. Most absorbs are of records the replica already holds (this node's own
   * folds, and the records peers pushed before folding them). A record in the batch or the decode
   * cache is compared as it is; a committed one by its bytes, with the bytes etcd holds if the
   * caller had them (equal bytes decode to equal records), else with etcd's record encoded: the
   * encoding is canonical, and encoding etcd's record costs less than decoding the replica's.
   *
   * @param stored the bytes etcd holds for the order, or null if not at hand
   */
  private Replica replica(String id, OrderRecord etcd, byte @Nullable [] stored) {
    OrderRecord known = batch.get(id);
    if (known == null) {
      known = decoded.get(id);
    }
    if (known != null) {
      // the same object, often: a STRONG write's record, absorbed after the write and again from
      // the change feed, which takes it from the backend's revision cache
      return new Replica(known == etcd || known.equals(etcd), known, null);
    }
    byte[] committed = index.contains(id) ? store.get(id) : null;
    if (committed == null) {
      return new Replica(false, null, null);
    }
    // etcd's own bytes when they are the replica's; else etcd's record encoded (etcd's bytes may
    // be of an older schema, and bytes staged from here must be canonical)
    byte[] etcdBytes =
        stored != null && Arrays.equals(committed, stored) ? stored : RecordCodec.encode(etcd);
    if (etcdBytes == stored || Arrays.equals(committed, etcdBytes)) {
      // the watch feed usually brings the same record again soon (this node's own fold): compare
      // it decoded then
      decoded.put(id, etcd);
      return new Replica(true, etcd, etcdBytes);
    }
    OrderRecord r = RecordCodec.decode(committed, store.file() + " record '" + id + "'");
    decoded.put(id, r);
    return new Replica(false, r, etcdBytes);
  }

  /**
   * Keeps the hint of an order written to the backlog. When it enters the backlog, its record just
   * before is one etcd's record included (every write and every peer record puts its order in the
   * backlog; only an absorb that etcd's record dominates takes it out).
   */
  private void backlogWrite(
      String id, @Nullable OrderRecord before, OrderRecord after, boolean added) {
    if (added) {
      VersionVector folded = before == null ? VersionVector.EMPTY : before.versions();
      backlogHints.put(id, new BacklogHint(folded, after.versions()));
    } else {
      backlogHints.computeIfPresent(id, (k, h) -> new BacklogHint(h.folded(), after.versions()));
    }
  }

  /**
   * Returns a version vector etcd's record of a backlog order is known to include, or {@link
   * VersionVector#EMPTY} if none is known; any thread.
   *
   * @param orderId the order
   * @return the vector
   */
  VersionVector knownFolded(String orderId) {
    BacklogHint h = backlogHints.get(orderId);
    return h == null ? VersionVector.EMPTY : h.folded();
  }

  /**
   * Returns the version vector of a backlog order's record as last staged, if this writer has
   * staged it since it started; any thread.
   *
   * @param orderId the order
   * @return the vector, or empty if unknown
   */
  Optional<VersionVector> backlogVersions(String orderId) {
    BacklogHint h = backlogHints.get(orderId);
    return h == null ? Optional.empty() : Optional.of(h.versions());
  }

  private @Nullable OrderRecord current(String id) {
    OrderRecord inBatch = batch.get(id);
    if (inBatch != null) {
      return inBatch;
    }
    OrderRecord cached = decoded.get(id);
    if (cached != null) {
      return cached;
    }
    if (!index.contains(id)) {
      return null; // the index lists every committed order: no need to ask the file
    }
    byte[] bytes = store.get(id);
    if (bytes == null) {
      return null;
    }
    OrderRecord r = RecordCodec.decode(bytes, store.file() + " record '" + id + "'");
    decoded.put(id, r);
    return r;
  }

  private void stage(String id, OrderRecord next, byte[] bytes) {
    batch.put(id, next);
    staged.put(id, bytes);
    store.put(id, bytes, next.appliedOps().keys());
  }

  private void clearBatch() {
    batch.clear();
    provisional.clear();
    staged.clear();
    localWrites.clear();
    completions.clear();
    batchFutures.clear();
  }

  private void complete(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  /** The journal is failed and did not recover: nothing in these tasks is written. */
  private void refuse(List<Task> tasks) {
    StoreUnavailableException refused =
        new StoreUnavailableException(
            "the local journal "
                + store.file()
                + " cannot write ("
                + store.failure()
                + "); nothing was written, retry later");
    for (Task t : tasks) {
      if (t instanceof Merge) {
        counters.droppedQueueFull();
      } else if (t instanceof Hold h) {
        h.release().join();
      } else {
        complete(() -> failTask(t, refused));
      }
    }
  }

  private static void failTask(Task t, RuntimeException e) {
    if (t instanceof Apply a) {
      a.future().completeExceptionally(e);
    } else if (t instanceof Absorb a) {
      a.future().completeExceptionally(e);
    } else if (t instanceof Barrier b) {
      b.future().completeExceptionally(e);
    }
  }

  /** Commits what is queued, stops the thread and waits for it (at most 30 s). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      queue.put(new Stop());
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("journal writer {} did not stop within 30 s", thread.getName());
    }
  }
}
