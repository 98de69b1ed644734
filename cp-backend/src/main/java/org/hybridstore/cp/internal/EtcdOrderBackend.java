package org.hybridstore.cp.internal;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.CpConfig;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.MergeReport;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.RevisionCompactedException;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.jspecify.annotations.Nullable;

/**
 * Orders in etcd: one key per order ({@link EtcdKeys}), the value the record's JSON ({@link
 * RecordCodec}).
 *
 * <p><b>Writes.</b> A command is applied with {@link OrderCommands#apply} to a snapshot of the
 * record, and the result is written with one transaction: {@code If(mod_revision(key) == snapshot
 * revision) Then(put) Else(get)}; for a snapshot of an absent order the compare is {@code
 * version(key) == 0}. A lost race returns the current record in the else-branch, and the command is
 * applied to that and tried again, at most {@link CpConfig#maxCasRetries()} times. The snapshot
 * comes from the {@link RevisionCache} when this backend saw the key recently (one round trip per
 * write), otherwise from a serializable read: it needs no quorum round trip, and staleness is
 * harmless because the compare catches it. Only decisions that write nothing need fresher data: a
 * command rejected on a cached or serializable snapshot is re-checked against a linearizable read
 * before the rejection is reported. A duplicate op id is reported from any snapshot: an op id in a
 * committed record was applied.
 *
 * <p><b>Idempotency.</b> A command whose op id the record holds writes nothing and returns {@code
 * duplicate=true}. A write that failed with {@link IndeterminateWriteException} but committed is
 * therefore found, not repeated, when the caller retries it with the same op id.
 *
 * <p><b>Deadlines.</b> Every etcd call carries the gRPC deadline {@link CpConfig#requestTimeout()}
 * ({@link EtcdClients}); reads are additionally cut off at that deadline if jetcd retried them.
 * Failures are translated by {@link EtcdErrors}.
 *
 * <p><b>Threads.</b> jetcd's threads run the pipeline; every returned stage completes on the
 * context's executor. Thread-safe.
 */
public final class EtcdOrderBackend implements StrongBackend {
  /** How many keys the revision cache remembers. */
  static final int CACHE_ENTRIES = 10_000;
  /** Grace on top of the gRPC deadline before a read is abandoned by the backend itself. */
  private static final Duration READ_GRACE = Duration.ofMillis(100);

  private final CpConfig config;
  private final BackendContext context;
  private final EtcdClients clients;
  private final EtcdKeys keys;
  private final KV strictKv;
  private final KV relaxedKv;
  private final RevisionCache cache = new RevisionCache(CACHE_ENTRIES);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<EtcdWatchFeed> feeds = ConcurrentHashMap.newKeySet();

  private EtcdOrderBackend(CpConfig config, BackendContext context, EtcdClients clients) {
    this.config = config;
    this.context = context;
    this.clients = clients;
    this.keys = new EtcdKeys(config.keyPrefix());
    this.strictKv = clients.strict.getKVClient();
    this.relaxedKv = clients.relaxed.getKVClient();
  }

  /**
   * Connects (lazily) and returns the backend.
   *
   * @param config connection settings
   * @param context identity, clock and threads
   * @return the backend
   * @throws StoreUnavailableException if the TLS material cannot be loaded
   */
  public static EtcdOrderBackend open(CpConfig config, BackendContext context) {
    return new EtcdOrderBackend(config, context, EtcdClients.open(config));
  }

  // ---------------------------------------------------------------------------------------------
  // apply

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command) {
    if (closed.get()) {
      return failed(new StoreClosedException("etcd backend"));
    }
    String keyText = keys.keyString(command.orderId());
    ByteSequence key = keys.key(command.orderId());
    RevisionCache.Entry cached = cache.get(keyText);
    CompletableFuture<Snapshot> start;
    if (cached != null) {
      start = CompletableFuture.completedFuture(new Snapshot(cached.record(), cached.modRevision(), false));
    } else if (command instanceof OrderCommand.Create) {
      // Nothing to read: the create's transaction compares version == 0 and returns the record if
      // there is one.
      start = CompletableFuture.completedFuture(new Snapshot(null, 0, false));
    } else {
      start = readSnapshot(key, keyText, false);
    }
    return deliver(start.thenCompose(s -> attempt(command, key, keyText, s, 0)));
  }

  private CompletableFuture<BackendWrite> attempt(OrderCommand command, ByteSequence key, String keyText,
      Snapshot snapshot, int lostRaces) {
    OrderCommands.Applied applied;
    byte[] bytes;
    try {
      applied = OrderCommands.apply(snapshot.record(), command, context.clock(), context.node());
      if (applied.duplicate()) {
        return CompletableFuture.completedFuture(
            new BackendWrite(applied.record(), true, snapshot.modRevision()));
      }
      bytes = RecordCodec.encode(applied.record());
    } catch (CommandRejectedException rejected) {
      if (snapshot.authoritative()) {
        return CompletableFuture.failedFuture(rejected);
      }
      // The snapshot may be stale: only a linearizable read may justify writing nothing.
      return readSnapshot(key, keyText, true)
          .thenCompose(fresh -> attempt(command, key, keyText, fresh, lostRaces));
    }
    Cmp guard = snapshot.record() == null
        ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
        : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(snapshot.modRevision()));
    OrderRecord next = applied.record();
    CompletableFuture<TxnResponse> txn;
    try {
      txn = strictKv.txn().If(guard)
          .Then(Op.put(key, ByteSequence.from(bytes), PutOption.DEFAULT))
          .Else(Op.get(key, GetOption.DEFAULT))
          .commit();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(EtcdErrors.forWrite(e, keyText));
    }
    return txn.handle((response, error) -> {
      if (error != null) {
        cache.invalidate(keyText);
        return CompletableFuture.<BackendWrite>failedFuture(EtcdErrors.forWrite(error, keyText));
      }
      if (response.isSucceeded()) {
        long revision = response.getHeader().getRevision();
        cache.put(keyText, next, revision);
        return CompletableFuture.completedFuture(new BackendWrite(next, false, revision));
      }
      Snapshot current = snapshotOf(response.getGetResponses().get(0), keyText, true);
      if (lostRaces >= config.maxCasRetries()) {
        return CompletableFuture.<BackendWrite>failedFuture(new StoreUnavailableException("gave up on "
            + keyText + " after " + (lostRaces + 1) + " lost compare-and-swap races (maxCasRetries="
            + config.maxCasRetries() + "); nothing was written"));
      }
      long delay = backoff(lostRaces);
      if (delay == 0) {
        return attempt(command, key, keyText, current, lostRaces + 1);
      }
      // While we wait, other writers through this backend may move the key on: start from the
      // newest revision we know of when the wait is over.
      return later(delay, () -> attempt(command, key, keyText, newest(keyText, current), lostRaces + 1));
    }).thenCompose(f -> f);
  }

  private Snapshot newest(String keyText, Snapshot known) {
    RevisionCache.Entry cached = cache.get(keyText);
    return cached != null && cached.modRevision() > known.modRevision()
        ? new Snapshot(cached.record(), cached.modRevision(), false)
        : known;
  }

  /**
   * No delay after the first lost race (the else-branch brought the current record); after that a
   * random delay up to 2 ms, 4 ms, 8 ms ... 128 ms, so that writers hammering one key spread out
   * instead of colliding again in lockstep. A cap of 32 ms still let 8 writers on 3 keys lose 17
   * races in a row on a loaded 2-core machine; every lost race brings the current record, so the
   * longer wait does not make the next attempt stale.
   */
  static long backoff(int lostRaces) {
    if (lostRaces == 0) {
      return 0;
    }
    long cap = 2L << Math.min(lostRaces - 1, 6);
    return ThreadLocalRandom.current().nextLong(1, cap + 1);
  }

  private <T> CompletableFuture<T> later(long delayMillis, Supplier<CompletableFuture<T>> step) {
    if (delayMillis <= 0) {
      return step.get();
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      context.scheduler().schedule(() -> {
        step.get().whenComplete((v, e) -> complete(out, v, e));
      }, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return step.get();
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // read

  @Override
  public CompletionStage<Optional<OrderRecord>> read(OrderId id, ReadConsistency consistency) {
    if (closed.get()) {
      return failed(new StoreClosedException("etcd backend"));
    }
    String keyText = keys.keyString(id);
    boolean linearizable = consistency == ReadConsistency.LINEARIZABLE;
    return deliver(readSnapshot(keys.key(id), keyText, linearizable)
        .thenApply(s -> Optional.ofNullable(s.record())));
  }

  /**
   * Reads a key with its mod revision through the {@code hasleader} client: now (a linearizable
   * read) or as of a past revision. Not cached: a past version is no snapshot for a write.
   */
  @Override
  public CompletionStage<Optional<StoredRecord>> readRevision(OrderId id, long atRevision) {
    if (closed.get()) {
      return failed(new StoreClosedException("etcd backend"));
    }
    if (atRevision < 0) {
      return failed(new InvalidInputException("atRevision", "must not be negative, was " + atRevision));
    }
    String keyText = keys.keyString(id);
    String what = "read of " + keyText + (atRevision == 0 ? "" : " at revision " + atRevision);
    CompletableFuture<GetResponse> get;
    try {
      get = strictKv.get(keys.key(id), GetOption.builder().withRevision(atRevision).build());
    } catch (RuntimeException e) {
      return failed(EtcdErrors.forRead(e, keyText));
    }
    return deliver(bounded(get, what).handle((response, error) -> {
      if (error != null) {
        if (EtcdErrors.classify(error, false).kind() == EtcdErrors.Kind.COMPACTED) {
          throw new RevisionCompactedException(what + ": etcd compacted that revision", EtcdErrors.unwrap(error));
        }
        throw EtcdErrors.forRead(error, keyText);
      }
      if (response.getKvs().isEmpty()) {
        return Optional.<StoredRecord>empty();
      }
      KeyValue kv = response.getKvs().get(0);
      return Optional.of(new StoredRecord(RecordCodec.decode(kv.getValue().getBytes(), "etcd key " + keyText),
          kv.getModRevision()));
    }));
  }

  /**
   * Reads a key: linearizable through the {@code hasleader} client, or serializable from whichever
   * member the channel picks. Fails with {@link StoreUnavailableException}; a malformed value fails
   * with {@code CorruptDataException} naming the key.
   */
  private CompletableFuture<Snapshot> readSnapshot(ByteSequence key, String keyText, boolean linearizable) {
    KV kv = linearizable ? strictKv : relaxedKv;
    GetOption option = GetOption.builder().withSerializable(!linearizable).build();
    CompletableFuture<GetResponse> get;
    try {
      get = kv.get(key, option);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(EtcdErrors.forRead(e, keyText));
    }
    return bounded(get, "read of " + keyText).handle((response, error) -> {
      if (error != null) {
        throw EtcdErrors.forRead(error, keyText);
      }
      return snapshotOf(response, keyText, linearizable);
    });
  }

  private Snapshot snapshotOf(GetResponse response, String keyText, boolean authoritative) {
    if (response.getKvs().isEmpty()) {
      return new Snapshot(null, 0, authoritative);
    }
    KeyValue kv = response.getKvs().get(0);
    OrderRecord record = RecordCodec.decode(kv.getValue().getBytes(), "etcd key " + keyText);
    cache.put(keyText, record, kv.getModRevision());
    return new Snapshot(record, kv.getModRevision(), authoritative);
  }

  /**
   * A record as read, with the revision to compare against.
   *
   * @param record the record, or null if the key is absent
   * @param modRevision its mod revision (0 if absent)
   * @param authoritative whether it came from a linearizable read or transaction
   */
  private record Snapshot(@Nullable OrderRecord record, long modRevision, boolean authoritative) {}

  // ---------------------------------------------------------------------------------------------
  // mergeAll

  @Override
  public CompletionStage<MergeReport> mergeAll(Collection<OrderRecord> records) {
    if (closed.get()) {
      return failed(new StoreClosedException("etcd backend"));
    }
    Map<OrderId, OrderRecord> given = new LinkedHashMap<>();
    for (OrderRecord r : records) {
      given.merge(r.id(), r, OrderRecord::merge);
    }
    if (given.isEmpty()) {
      return deliver(CompletableFuture.completedFuture(new MergeReport(List.of(), 0, 0)));
    }
    List<OrderId> ids = new ArrayList<>(given.keySet());
    return deliver(readMany(ids).thenCompose(current -> {
      MergeRound state = new MergeRound(given);
      // Compute every write before sending any: a corrupt stored value or an oversized merge fails
      // the call before anything is written.
      List<PendingWrite> pending = new ArrayList<>();
      for (OrderId id : ids) {
        PendingWrite w = state.plan(id, current.get(id));
        if (w != null) {
          pending.add(w);
        }
      }
      return writeRounds(state, pending, 0);
    }));
  }

  private CompletableFuture<Map<OrderId, Snapshot>> readMany(List<OrderId> ids) {
    List<List<OrderId>> batches = TxnBatches.split(ids, id -> 0, TxnBatches.MAX_READS_PER_TXN, Long.MAX_VALUE);
    Map<OrderId, Snapshot> out = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> reads = new ArrayList<>();
    for (List<OrderId> batch : batches) {
      Op[] gets = batch.stream().map(id -> (Op) Op.get(keys.key(id), GetOption.DEFAULT)).toArray(Op[]::new);
      String what = batch.size() + " keys from " + keys.keyString(batch.get(0));
      CompletableFuture<TxnResponse> txn;
      try {
        txn = strictKv.txn().Then(gets).commit();
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(EtcdErrors.forRead(e, what));
      }
      reads.add(bounded(txn, "read of " + what).handle((response, error) -> {
        if (error != null) {
          throw EtcdErrors.forRead(error, what);
        }
        List<GetResponse> gotten = response.getGetResponses();
        for (int i = 0; i < batch.size(); i++) {
          out.put(batch.get(i), snapshotOf(gotten.get(i), keys.keyString(batch.get(i)), true));
        }
        return null;
      }));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(v -> out);
  }

  private CompletableFuture<MergeReport> writeRounds(MergeRound state, List<PendingWrite> pending, int round) {
    if (pending.isEmpty()) {
      return CompletableFuture.completedFuture(state.report());
    }
    if (round > config.maxCasRetries()) {
      return CompletableFuture.failedFuture(new IndeterminateWriteException("mergeAll gave up after "
          + round + " rounds of lost compare-and-swap races; " + state.written + " records were written, "
          + pending.size() + " were not; mergeAll is idempotent, retry it", null));
    }
    List<List<PendingWrite>> batches = TxnBatches.split(pending, w -> w.bytes.length,
        TxnBatches.MAX_WRITES_PER_TXN, TxnBatches.MAX_BYTES_PER_TXN);
    List<CompletableFuture<List<PendingWrite>>> sent = new ArrayList<>();
    for (List<PendingWrite> batch : batches) {
      sent.add(writeBatch(state, batch));
    }
    return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      List<PendingWrite> losers = new ArrayList<>();
      sent.forEach(f -> losers.addAll(f.join()));
      return writeRounds(state, losers, round + 1);
    });
  }

  /** Writes one batch as nested transactions, one per record; returns the records to retry. */
  private CompletableFuture<List<PendingWrite>> writeBatch(MergeRound state, List<PendingWrite> batch) {
    Op[] writes = new Op[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      PendingWrite w = batch.get(i);
      Cmp guard = w.modRevision == 0
          ? new Cmp(w.key, Cmp.Op.EQUAL, CmpTarget.version(0))
          : new Cmp(w.key, Cmp.Op.EQUAL, CmpTarget.modRevision(w.modRevision));
      writes[i] = Op.txn(new Cmp[] {guard},
          new Op[] {Op.put(w.key, ByteSequence.from(w.bytes), PutOption.DEFAULT)},
          new Op[] {Op.get(w.key, GetOption.DEFAULT)});
    }
    String what = batch.size() + " merged records from " + batch.get(0).keyText;
    CompletableFuture<TxnResponse> txn;
    try {
      txn = strictKv.txn().Then(writes).commit();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(EtcdErrors.forWrite(e, what));
    }
    return txn.handle((response, error) -> {
      if (error != null) {
        batch.forEach(w -> cache.invalidate(w.keyText));
        throw EtcdErrors.forWrite(error, what);
      }
      long revision = response.getHeader().getRevision();
      List<TxnResponse> nested = response.getTxnResponses();
      List<PendingWrite> losers = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        PendingWrite w = batch.get(i);
        TxnResponse r = nested.get(i);
        if (r.isSucceeded()) {
          cache.put(w.keyText, w.merged, revision);
          state.written(w.id, w.merged);
        } else {
          state.lostRace();
          PendingWrite again = state.plan(w.id, snapshotOf(r.getGetResponses().get(0), w.keyText, true));
          if (again != null) {
            losers.add(again);
          }
        }
      }
      return losers;
    });
  }

  /** One record to write: the join, encoded, and the revision its compare expects. */
  private record PendingWrite(OrderId id, ByteSequence key, String keyText, OrderRecord merged, byte[] bytes,
      long modRevision) {}

  /** The state of one mergeAll call. Its methods run on one thread at a time (per batch result). */
  private final class MergeRound {
    private final Map<OrderId, OrderRecord> given;
    private final Map<OrderId, OrderRecord> stored = new HashMap<>();
    private int written;
    private int retries;

    MergeRound(Map<OrderId, OrderRecord> given) {
      this.given = given;
    }

    /** Returns the write that folds the given record into {@code current}, or null if it is included. */
    synchronized @Nullable PendingWrite plan(OrderId id, @Nullable Snapshot current) {
      OrderRecord mine = given.get(id);
      OrderRecord have = current == null ? null : current.record();
      OrderRecord merged = have == null ? mine : have.merge(mine);
      if (have != null && merged.equals(have)) {
        stored.put(id, have);
        return null;
      }
      byte[] bytes = RecordCodec.encode(merged);
      return new PendingWrite(id, keys.key(id), keys.keyString(id), merged, bytes,
          current == null ? 0 : current.modRevision());
    }

    synchronized void written(OrderId id, OrderRecord record) {
      stored.put(id, record);
      written++;
    }

    synchronized void lostRace() {
      retries++;
    }

    synchronized MergeReport report() {
      List<OrderRecord> out = new ArrayList<>();
      for (OrderId id : given.keySet()) {
        out.add(stored.get(id));
      }
      return new MergeReport(out, written, retries);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // watch

  @Override
  public AutoCloseable watch(long fromRevision, ChangeListener listener) {
    if (closed.get()) {
      throw new StoreClosedException("etcd backend");
    }
    EtcdWatchFeed feed = new EtcdWatchFeed(clients.relaxed.getWatchClient(), strictKv, keys, config.requestTimeout(),
        context, fromRevision, listener, feeds::remove);
    feeds.add(feed);
    feed.start();
    return feed;
  }

  // ---------------------------------------------------------------------------------------------
  // probe

  private static final Duration STATUS_REFRESH = Duration.ofSeconds(1);
  private volatile @Nullable List<CompletableFuture<MemberStatus>> lastStatuses;
  private volatile long lastStatusesAt;

  @Override
  public CompletionStage<QuorumStatus> probe(Duration deadline) {
    long started = System.nanoTime();
    List<CompletableFuture<MemberStatus>> members = memberStatuses(deadline);
    long[] revision = new long[1];
    CompletableFuture<Duration> quorumRead;
    if (closed.get()) {
      quorumRead = CompletableFuture.failedFuture(new StoreClosedException("etcd backend"));
    } else {
      try {
        quorumRead = within(strictKv.get(keys.prefixBytes(), GetOption.builder().withCountOnly(true).build()),
            deadline, "quorum read").thenApply(r -> {
              revision[0] = r.getHeader().getRevision();
              return Duration.ofNanos(System.nanoTime() - started);
            });
      } catch (RuntimeException e) {
        quorumRead = CompletableFuture.failedFuture(e);
      }
    }
    CompletableFuture<Duration> read = quorumRead;
    CompletableFuture<QuorumStatus> sample = CompletableFuture.allOf(members.toArray(CompletableFuture[]::new))
        .handle((v, ignored) -> read.handle((latency, error) -> {
          List<MemberStatus> statuses = members.stream().map(CompletableFuture::join).toList();
          return QuorumRule.decide(statuses, error == null ? latency : null,
              error == null ? null : EtcdErrors.forRead(error, "the probe key").getMessage(), deadline, revision[0]);
        }))
        .thenCompose(f -> f);
    return deliver(sample.exceptionally(e -> new QuorumStatus(false, deadline, List.of(),
        "probe failed: " + EtcdErrors.unwrap(e))));
  }

  /**
   * Per-member statuses only inform people (the quorum read decides), and jetcd opens a channel for
   * every status call; so they are refreshed at most once per {@link #STATUS_REFRESH} and the last
   * ones are reused in between.
   */
  private List<CompletableFuture<MemberStatus>> memberStatuses(Duration deadline) {
    long now = System.nanoTime();
    List<CompletableFuture<MemberStatus>> cached = lastStatuses;
    if (cached != null && now - lastStatusesAt < STATUS_REFRESH.toNanos()) {
      return cached;
    }
    List<CompletableFuture<MemberStatus>> fresh = new ArrayList<>();
    for (URI endpoint : config.endpoints()) {
      fresh.add(memberStatus(endpoint, deadline));
    }
    lastStatuses = fresh;
    lastStatusesAt = now;
    return fresh;
  }

  private CompletableFuture<MemberStatus> memberStatus(URI endpoint, Duration deadline) {
    String ep = endpoint.toString();
    CompletableFuture<StatusResponse> call;
    try {
      call = closed.get()
          ? CompletableFuture.failedFuture(new StoreClosedException("etcd backend"))
          : clients.relaxed.getMaintenanceClient().statusMember(ep);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return within(call, deadline, "status of " + ep).handle((s, error) -> error == null
        ? new MemberStatus(ep, true, s.getHeader().getMemberId(), s.getLeader(), s.getRaftTerm(),
            s.getRaftIndex(), s.getErrorList())
        : new MemberStatus(ep, false, 0, 0, 0, 0,
            List.of(EtcdErrors.forRead(error, "status of " + ep).getMessage())));
  }

  // ---------------------------------------------------------------------------------------------
  // plumbing

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (EtcdWatchFeed feed : List.copyOf(feeds)) {
        feed.close();
      }
      clients.close();
    }
  }

  /** Returns how many keys the revision cache holds (for tests). */
  int cachedKeys() {
    return cache.size();
  }

  /** Cuts a read off at the request timeout plus a grace, in case jetcd retried it. */
  private <T> CompletableFuture<T> bounded(CompletableFuture<T> call, String what) {
    return within(call, config.requestTimeout().plus(READ_GRACE), what);
  }

  /** Fails with {@link StoreUnavailableException} if {@code call} has not completed within {@code limit}. */
  private <T> CompletableFuture<T> within(CompletableFuture<T> call, Duration limit, String what) {
    CompletableFuture<T> out = new CompletableFuture<>();
    ScheduledFuture<?> timer;
    try {
      timer = context.scheduler().schedule(() -> out.completeExceptionally(new StoreUnavailableException(
          "etcd did not answer the " + what + " within " + limit.toMillis() + " ms")),
          limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      timer = null;
    }
    ScheduledFuture<?> t = timer;
    call.whenComplete((v, e) -> {
      if (t != null) {
        t.cancel(false);
      }
      complete(out, v, e);
    });
    return out;
  }

  /** Completes on the context's executor and hides the future's completion methods from callers. */
  private <T> CompletionStage<T> deliver(CompletableFuture<T> inner) {
    CompletableFuture<T> out = new CompletableFuture<>();
    inner.whenComplete((v, e) -> {
      try {
        context.executor().execute(() -> complete(out, v, e));
      } catch (RejectedExecutionException rejected) {
        complete(out, v, e);
      }
    });
    return out.minimalCompletionStage();
  }

  private static <T> void complete(CompletableFuture<T> out, @Nullable T value, @Nullable Throwable error) {
    if (error != null) {
      out.completeExceptionally(EtcdErrors.unwrap(error));
    } else {
      out.complete(value);
    }
  }

  private static <T> CompletionStage<T> failed(Throwable t) {
    return CompletableFuture.<T>failedFuture(t).minimalCompletionStage();
  }

  @Override
  public String toString() {
    return "EtcdOrderBackend[" + config + "]";
  }
}
