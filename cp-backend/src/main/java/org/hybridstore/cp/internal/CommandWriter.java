package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.BackendWrite;

/**
 * {@code StrongBackend.apply}: a command becomes one guarded write.
 *
 * <p><b>Snapshot.</b> The record and mod revision come from the {@link RevisionCache} when this
 * backend saw the key recently (one round trip per write); for a {@code Create} without a cache
 * entry, "absent" (the {@code version == 0} guard checks it); else a serializable read. Staleness
 * is harmless: the guard catches it and costs one lost race. Only decisions that write nothing need
 * fresh data: a rejection computed on a cached or serializable snapshot is re-checked against a
 * linearizable read first. A duplicate op id is reported from any snapshot: an op id in a committed
 * record was applied.
 *
 * <p><b>Write.</b> The first attempt goes through the {@link GroupCommitter}, where it shares a
 * transaction with concurrent commands on other orders. If its guard fails (a lost race), the
 * command is applied to the current record the transaction returned and written again as a
 * compare-and-swap of its own (a contended key does not hold a batch back), after the lost-race
 * backoff, starting from the newest revision this backend knows when the wait is over; at most
 * {@code maxCasRetries} times, then {@code StoreUnavailableException} (nothing was written).
 *
 * <p><b>Idempotency.</b> A command whose op id the record holds writes nothing and returns {@code
 * duplicate=true}: a caller's retry after an indeterminate failure finds it. The router may send
 * one write twice (to another member, or as a hedge); the attempt that loses the compare then finds
 * the op id in the current record with this very attempt's stamp (every application of a command
 * gets its own HLC stamp), and reports the write as done by this call ({@code duplicate=false}) at
 * the first version that holds it (read back version by version: another write may have changed the
 * order since); an op id applied by an earlier call carries another stamp and is a duplicate.
 * Thread-safe.
 */
final class CommandWriter {
  private final EtcdKeys keys;
  private final RevisionCache cache;
  private final Reader reader;
  private final GroupCommitter committer;
  private final BackendContext context;
  private final Backoffs backoffs;
  private final Counters counters;
  private final int maxCasRetries;
  private final PastVersions pastVersions;

  /** Reads an order's version as of a past revision (the seam a unit test answers itself). */
  interface PastVersions {
    CompletableFuture<java.util.Optional<org.hybridstore.spi.StoredRecord>> at(
        OrderId id, long revision);
  }

  CommandWriter(
      EtcdKeys keys,
      RevisionCache cache,
      Reader reader,
      GroupCommitter committer,
      BackendContext context,
      Backoffs backoffs,
      Counters counters,
      int maxCasRetries) {
    this(
        keys,
        cache,
        reader,
        committer,
        context,
        backoffs,
        counters,
        maxCasRetries,
        reader::revision);
  }

  CommandWriter(
      EtcdKeys keys,
      RevisionCache cache,
      Reader reader,
      GroupCommitter committer,
      BackendContext context,
      Backoffs backoffs,
      Counters counters,
      int maxCasRetries,
      PastVersions pastVersions) {
    this.keys = keys;
    this.cache = cache;
    this.reader = reader;
    this.committer = committer;
    this.context = context;
    this.backoffs = backoffs;
    this.counters = counters;
    this.maxCasRetries = maxCasRetries;
    this.pastVersions = pastVersions;
  }

  CompletableFuture<BackendWrite> apply(OrderCommand command) {
    OrderId id = command.orderId();
    String keyText = keys.keyString(id);
    RevisionCache.Entry cached = cache.get(keyText);
    CompletableFuture<Snapshot> start;
    if (cached != null) {
      start =
          CompletableFuture.completedFuture(
              new Snapshot(cached.record(), cached.modRevision(), false));
    } else if (command instanceof OrderCommand.Create) {
      start = CompletableFuture.completedFuture(new Snapshot(null, 0, false));
    } else {
      start = reader.snapshot(id, false);
    }
    return start.thenCompose(s -> attempt(command, keyText, s, 0));
  }

  private CompletableFuture<BackendWrite> attempt(
      OrderCommand command, String keyText, Snapshot snapshot, int lostRaces) {
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
      return reader
          .snapshot(command.orderId(), true)
          .thenCompose(fresh -> attempt(command, keyText, fresh, lostRaces));
    }
    OrderRecord next = applied.record();
    ByteString key = keys.key(command.orderId());
    long expected = snapshot.record() == null ? 0 : snapshot.modRevision();
    ByteString value = UnsafeByteOperations.unsafeWrap(bytes);
    reader.sending(keyText, value, next);
    CompletableFuture<GroupCommitter.Outcome> sent =
        lostRaces == 0
            ? committer.submit(key, keyText, expected, value, true)
            : committer.single(key, keyText, expected, value);
    return sent.handle(
            (outcome, error) -> {
              if (error != null) {
                cache.invalidate(keyText);
                return CompletableFuture.<BackendWrite>failedFuture(EtcdErrors.unwrap(error));
              }
              if (outcome instanceof GroupCommitter.Committed c) {
                cache.put(keyText, next, c.revision(), value);
                return CompletableFuture.completedFuture(
                    new BackendWrite(next, false, c.revision()));
              }
              GroupCommitter.Raced raced = (GroupCommitter.Raced) outcome;
              reader.notCommitted(keyText, value);
              Snapshot current;
              try {
                current = reader.decode(raced.current(), keyText, true);
              } catch (RuntimeException e) {
                return CompletableFuture.<BackendWrite>failedFuture(e);
              }
              if (current.record() != null
                  && current.record().appliedOps().get(command.opId()).isPresent()) {
                if (current
                    .record()
                    .appliedOps()
                    .get(command.opId())
                    .equals(next.appliedOps().get(command.opId()))) {
                  // The op carries this attempt's own stamp: another attempt of this very write
                  // (the
                  // router sent it again, or hedged it) is what committed. This call applied the
                  // command,
                  // at the first version that holds it: the current one may be later (another write
                  // to
                  // the order since), so walk back to it; the record after this command is that
                  // version's.
                  return firstHolding(
                          command, new First(current.modRevision(), true, current.record()), 0)
                      .thenApply(
                          first ->
                              new BackendWrite(
                                  first.record(), false, first.revision(), first.proven()));
                }
                // Applied by an earlier call (this call's snapshot was stale): a duplicate.
                return attempt(command, keyText, current, lostRaces);
              }
              counters.lostCasRaces.increment();
              if (lostRaces >= maxCasRetries) {
                return CompletableFuture.<BackendWrite>failedFuture(
                    new StoreUnavailableException(
                        "gave up on "
                            + keyText
                            + " after "
                            + (lostRaces + 1)
                            + " lost compare-and-swap races (maxCasRetries="
                            + maxCasRetries
                            + "); nothing was written"));
              }
              long delay = backoffs.afterLostRace(lostRaces + 1);
              if (delay == 0) {
                return attempt(command, keyText, current, lostRaces + 1);
              }
              // While we wait, other writers through this backend may move the key on: start from
              // the
              // newest revision we know of when the wait is over.
              return later(
                  delay, () -> attempt(command, keyText, newest(keyText, current), lostRaces + 1));
            })
        .thenCompose(f -> f);
  }

  /** A version that holds a write, and whether it is proven to be the first that does. */
  private record First(long revision, boolean proven, OrderRecord record) {}

  /**
   * How many earlier versions {@link #firstHolding} reads at most (one write's hedges: one or two).
   */
  private static final int MAX_WALK = 16;

  /**
   * Walks back from a version that holds the command's op id to the first that does, one etcd read
   * per version. A read that fails (a compacted revision, no answer) ends the walk unproven.
   */
  private CompletableFuture<First> firstHolding(OrderCommand command, First holding, int steps) {
    if (holding.revision() <= 1) {
      return CompletableFuture.completedFuture(holding);
    }
    if (steps >= MAX_WALK) {
      return CompletableFuture.completedFuture(
          new First(holding.revision(), false, holding.record()));
    }
    return pastVersions
        .at(command.orderId(), holding.revision() - 1)
        .handle(
            (previous, error) -> {
              if (error != null) {
                return CompletableFuture.completedFuture(
                    new First(holding.revision(), false, holding.record()));
              }
              if (previous.isPresent()
                  && previous.get().record().appliedOps().contains(command.opId())) {
                return firstHolding(
                    command,
                    new First(previous.get().modRevision(), true, previous.get().record()),
                    steps + 1);
              }
              return CompletableFuture.completedFuture(holding);
            })
        .thenCompose(f -> f);
  }

  private Snapshot newest(String keyText, Snapshot known) {
    RevisionCache.Entry cached = cache.get(keyText);
    return cached != null && cached.modRevision() > known.modRevision()
        ? new Snapshot(cached.record(), cached.modRevision(), false)
        : known;
  }

  private <T> CompletableFuture<T> later(long delayMillis, Supplier<CompletableFuture<T>> step) {
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      context
          .scheduler()
          .schedule(
              () -> {
                step.get().whenComplete((v, e) -> Completions.complete(out, v, e));
              },
              delayMillis,
              TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return step.get();
    }
    return out;
  }
}
