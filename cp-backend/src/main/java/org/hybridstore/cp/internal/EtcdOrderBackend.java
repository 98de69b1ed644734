package org.hybridstore.cp.internal;

import io.etcd.jetcd.api.TxnResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.hybridstore.CpConfig;
import org.hybridstore.InvalidInputException;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreClosedException;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.MergeReport;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.hybridstore.spi.StrongBackendCounters;
import org.slf4j.LoggerFactory;

/**
 * Orders in etcd: one key per order ({@link EtcdKeys}), the value the record's JSON ({@link
 * RecordCodec}). This class wires the parts together and checks for {@code close}; each concern
 * lives in its own class:
 *
 * <ul>
 *   <li>{@link MemberConnection}: one gRPC channel per configured member, for the backend's life;
 *   <li>{@link MemberView}, {@link MemberHealth}: which members serve linearizable requests, from
 *       every call's outcome and every probe; {@link MemberChecker} re-checks the others;
 *   <li>{@link Router}: sends each call to a member that serves, and elsewhere when it does not,
 *       within the call's deadline;
 *   <li>{@link CommandWriter} ({@code apply}), {@link GroupCommitter} (several commands and merge
 *       writes per transaction), {@link Merger} ({@code mergeAll}), {@link Reader} ({@code read},
 *       {@code readRevision}), {@link EtcdWatchFeed} ({@code watch}), {@link Prober} and {@link
 *       QuorumRule} ({@code probe});
 *   <li>{@link EtcdErrors}: the one place that classifies failures; {@link FailureLog}: keeps a
 *       degraded backend quiet.
 * </ul>
 *
 * <p><b>Deadlines.</b> Every call carries a gRPC deadline: {@link CpConfig#requestTimeout()} from
 * when it is issued (a merge transaction's from when it is sent), the probe's own deadline for the
 * probe. The change feed's stream has none (it lives as long as the feed) and is watched by
 * keepalive and by {@code hasleader}.
 *
 * <p><b>Threads.</b> gRPC callbacks run on the context's executor; every returned stage completes
 * there. Timers run on the context's scheduler. Thread-safe.
 */
public final class EtcdOrderBackend implements StrongBackend {
  /** How many keys the revision cache remembers. */
  static final int CACHE_ENTRIES = 10_000;

  /** How often the failure summary is logged while calls fail. */
  static final Duration FAILURE_SUMMARY_INTERVAL = Duration.ofSeconds(10);

  private final CpConfig config;
  private final BackendContext context;
  private final CallbackExecutor callbacks;
  private final EtcdKeys keys;
  private final List<MemberConnection> connections;
  private final MemberView view;
  private final Router router;
  private final Reader reader;
  private final GroupCommitter committer;
  private final CommandWriter writer;
  private final Merger merger;
  private final Prober prober;
  private final MemberChecker checker;
  private final Backoffs backoffs;
  private final FailureLog failures;
  private final Counters counters = new Counters();
  private final RevisionCache cache = new RevisionCache(CACHE_ENTRIES);
  private final LongSupplier nanoTime = System::nanoTime;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<EtcdWatchFeed> feeds = ConcurrentHashMap.newKeySet();

  private EtcdOrderBackend(
      CpConfig config,
      BackendContext context,
      CallbackExecutor callbacks,
      List<MemberConnection> connections) {
    this.config = config;
    this.callbacks = callbacks;
    this.context = context;
    this.connections = connections;
    this.keys = new EtcdKeys(config.keyPrefix());
    this.backoffs = Backoffs.of(config);
    this.failures =
        new FailureLog(
            LoggerFactory.getLogger(EtcdOrderBackend.class),
            FAILURE_SUMMARY_INTERVAL.toNanos(),
            nanoTime);
    this.view = new MemberView(connections, config.memberCheckInterval().toNanos(), failures);
    this.router =
        new Router(
            view,
            context.scheduler(),
            backoffs.memberRound(),
            config.requestTimeout().toNanos(),
            counters,
            failures,
            nanoTime);
    this.reader = new Reader(router, keys, cache, config.requestTimeout(), nanoTime);
    this.committer =
        new GroupCommitter(
            (what, deadline, txn) ->
                router.<TxnResponse>call(
                    what,
                    Router.Kind.WRITE,
                    deadline,
                    (m, d, out) -> m.kv.withDeadline(d).txn(txn, out)),
            config.maxTxnOps(),
            config.maxRequestBytes(),
            config.txnsInFlight(),
            config.groupCommitLinger().toNanos(),
            config.requestTimeout().toNanos(),
            context.scheduler(),
            callbacks,
            counters,
            nanoTime);
    this.writer =
        new CommandWriter(
            keys, cache, reader, committer, context, backoffs, counters, config.maxCasRetries());
    this.merger =
        new Merger(
            keys,
            reader,
            committer,
            context,
            backoffs,
            counters,
            config.maxCasRetries(),
            config.maxTxnOps(),
            config.txnsInFlight());
    this.prober = new Prober(view, keys, nanoTime);
    Duration checkTimeout =
        min(config.requestTimeout(), config.memberCheckInterval().multipliedBy(5));
    this.checker =
        new MemberChecker(
            view,
            router,
            prober,
            failures,
            context.scheduler(),
            config.memberCheckInterval(),
            checkTimeout,
            nanoTime);
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
    CallbackExecutor callbacks = new CallbackExecutor(context.executor());
    EtcdOrderBackend backend =
        new EtcdOrderBackend(config, context, callbacks, Connections.open(config, callbacks));
    backend.checker.start();
    return backend;
  }

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command) {
    if (closed.get()) {
      return Completions.failed(new StoreClosedException("etcd backend"));
    }
    return deliver(writer.apply(command));
  }

  @Override
  public CompletionStage<Optional<OrderRecord>> read(OrderId id, ReadConsistency consistency) {
    if (closed.get()) {
      return Completions.failed(new StoreClosedException("etcd backend"));
    }
    return deliver(
        reader
            .snapshot(id, consistency == ReadConsistency.LINEARIZABLE)
            .thenApply(s -> Optional.ofNullable(s.record())));
  }

  /**
   * Reads a key with its mod revision, linearizably as of now or as of a past revision, through the
   * router like {@code read} ({@link Reader#revision}). Not cached.
   */
  @Override
  public CompletionStage<Optional<StoredRecord>> readRevision(OrderId id, long atRevision) {
    if (closed.get()) {
      return Completions.failed(new StoreClosedException("etcd backend"));
    }
    if (atRevision < 0) {
      return Completions.failed(
          new InvalidInputException("atRevision", "must not be negative, was " + atRevision));
    }
    return deliver(reader.revision(id, atRevision));
  }

  @Override
  public CompletionStage<MergeReport> mergeAll(Collection<OrderRecord> records) {
    if (closed.get()) {
      return Completions.failed(new StoreClosedException("etcd backend"));
    }
    return deliver(merger.mergeAll(records));
  }

  @Override
  public CompletionStage<MergeReport> mergeAllEncoded(List<EncodedRecord> records) {
    if (closed.get()) {
      return Completions.failed(new StoreClosedException("etcd backend"));
    }
    return deliver(merger.mergeAllEncoded(records));
  }

  @Override
  public AutoCloseable watch(long fromRevision, ChangeListener listener) {
    if (closed.get()) {
      throw new StoreClosedException("etcd backend");
    }
    EtcdWatchFeed feed =
        new EtcdWatchFeed(
            view,
            reader,
            keys,
            context,
            backoffs.watchReopen(),
            failures,
            nanoTime,
            fromRevision,
            listener,
            feeds::remove);
    feeds.add(feed);
    feed.start();
    return feed;
  }

  @Override
  public CompletionStage<QuorumStatus> probe(Duration deadline) {
    if (closed.get()) {
      return deliver(
          CompletableFuture.completedFuture(
              new QuorumStatus(
                  false, deadline, List.of(), "no quorum: the etcd backend is closed")));
    }
    // The gRPC deadlines end every call of the probe; the timer is a guard for the "never fails"
    // contract only.
    return deliver(
        prober
            .probe(deadline)
            .completeOnTimeout(
                new QuorumStatus(
                    false,
                    deadline,
                    List.of(),
                    "probe did not finish within " + deadline.toMillis() + " ms"),
                deadline.toMillis() + 1000,
                TimeUnit.MILLISECONDS)
            .exceptionally(
                e ->
                    new QuorumStatus(
                        false, deadline, List.of(), "probe failed: " + EtcdErrors.unwrap(e))));
  }

  @Override
  public StrongBackendCounters counters() {
    return counters.snapshot();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      checker.close();
      for (EtcdWatchFeed feed : List.copyOf(feeds)) {
        feed.close();
      }
      committer.close();
      router.close();
      connections.forEach(MemberConnection::close);
    }
  }

  /** Returns how many keys the revision cache holds (for tests). */
  int cachedKeys() {
    return cache.size();
  }

  private <T> CompletionStage<T> deliver(CompletableFuture<T> inner) {
    return Completions.deliver(inner, callbacks);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public String toString() {
    return "EtcdOrderBackend[" + config + "]";
  }
}
