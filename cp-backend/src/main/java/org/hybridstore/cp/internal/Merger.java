package org.hybridstore.cp.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.IndeterminateWriteException;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStoreException;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.codec.RecordCodec;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.MergeReport;
import org.jspecify.annotations.Nullable;

/**
 * {@code StrongBackend.mergeAll} and {@code mergeAllEncoded}, for reconciliation.
 *
 * <ol>
 *   <li>Read every key: read-only transactions of {@code maxTxnOps} ranges, {@code txnsInFlight} at
 *       a time.
 *   <li>Compute every join {@code stored.merge(given)} and skip the records etcd already includes;
 *       a corrupt stored value or an oversized join fails the whole call before anything is
 *       written. A record etcd takes as given (it lacks the key, or the given record includes what
 *       it holds) is sent as the bytes it was given with, if any ({@code mergeAllEncoded}).
 *   <li>Hand every remaining write to the {@link GroupCommitter} at once: it packs them into full
 *       transactions (as many records as etcd accepts), several in flight, after the commands that
 *       are waiting.
 *   <li>A record whose guard failed (changed since step 1) is merged again with the current value
 *       the transaction returned and written as a compare-and-swap of its own, with the lost-race
 *       backoff, at most {@code maxCasRetries} times. Only the records that raced go this way.
 * </ol>
 *
 * <p>Calling it again with the same records writes nothing. If anything fails after a write may
 * have been sent, the call fails with {@code IndeterminateWriteException} (some records may be
 * written; the call is idempotent, retry it); a failure before that (the reads) is passed on
 * unchanged. Thread-safe; each call has its own state.
 */
final class Merger {
  private final EtcdKeys keys;
  private final Reader reader;
  private final GroupCommitter committer;
  private final BackendContext context;
  private final Backoffs backoffs;
  private final Counters counters;
  private final int maxCasRetries;
  private final int maxTxnOps;
  private final int txnsInFlight;

  Merger(
      EtcdKeys keys,
      Reader reader,
      GroupCommitter committer,
      BackendContext context,
      Backoffs backoffs,
      Counters counters,
      int maxCasRetries,
      int maxTxnOps,
      int txnsInFlight) {
    this.keys = keys;
    this.reader = reader;
    this.committer = committer;
    this.context = context;
    this.backoffs = backoffs;
    this.counters = counters;
    this.maxCasRetries = maxCasRetries;
    this.maxTxnOps = maxTxnOps;
    this.txnsInFlight = txnsInFlight;
  }

  CompletableFuture<MergeReport> mergeAll(Iterable<OrderRecord> records) {
    Map<OrderId, Given> given = new LinkedHashMap<>();
    for (OrderRecord r : records) {
      given.merge(r.id(), new Given(r, null), Given::merge);
    }
    return merge(given);
  }

  /**
   * {@link #mergeAll}, for records given with their encoding: a record written as given is sent as
   * its bytes, not encoded again.
   */
  CompletableFuture<MergeReport> mergeAllEncoded(List<EncodedRecord> records) {
    Map<OrderId, Given> given = new LinkedHashMap<>();
    for (EncodedRecord r : records) {
      given.merge(r.record().id(), new Given(r.record(), r.encoded()), Given::merge);
    }
    return merge(given);
  }

  private CompletableFuture<MergeReport> merge(Map<OrderId, Given> given) {
    if (given.isEmpty()) {
      return CompletableFuture.completedFuture(new MergeReport(List.of(), 0, 0, 0));
    }
    List<OrderId> ids = new ArrayList<>(given.keySet());
    return reader
        .many(ids, maxTxnOps, txnsInFlight)
        .thenCompose(
            current -> {
              Round round = new Round(given);
              // Every write is computed before any is sent: a corrupt stored value or an oversized
              // merge
              // fails the call before anything is written.
              List<Planned> planned = new ArrayList<>();
              for (OrderId id : ids) {
                Planned p = round.plan(id, current.get(id));
                if (p != null) {
                  planned.add(p);
                }
              }
              for (Planned p : planned) {
                reader.sending(p.keyText(), p.value(), p.merged());
              }
              List<CompletableFuture<GroupCommitter.Outcome>> batched =
                  committer.submitMerges(planned);
              List<CompletableFuture<Void>> writes = new ArrayList<>();
              for (int i = 0; i < planned.size(); i++) {
                writes.add(round.settle(planned.get(i), 0, batched.get(i)));
              }
              return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                  .handle(
                      (v, e) -> {
                        if (e != null) {
                          throw round.failure(writes);
                        }
                        return round.report();
                      });
            });
  }

  /** A given record, with its encoding if the caller had it (an {@link EncodedRecord}'s bytes). */
  @SuppressWarnings("ArrayRecordComponent") // the record's encoding, never compared
  private record Given(OrderRecord record, byte @Nullable [] encoded) {
    /** Two records given for one order: their join, encoded when it is written. */
    Given merge(Given other) {
      return new Given(record.merge(other.record), null);
    }
  }

  /** One record to write: the join, encoded, and the revision its guard expects (0: absent). */
  private record Planned(
      OrderId id,
      ByteString key,
      String keyText,
      OrderRecord merged,
      ByteString value,
      long modRevision)
      implements GroupCommitter.Request {
    @Override
    public long expectedModRevision() {
      return modRevision;
    }
  }

  /** The state of one call. Its methods may run on several threads at once, so they synchronize. */
  private final class Round {
    private final Map<OrderId, Given> given;
    private final Map<OrderId, OrderRecord> stored = new HashMap<>();
    private final AtomicInteger written = new AtomicInteger();
    private final AtomicInteger lostRaces = new AtomicInteger();
    private final java.util.Set<Long> transactions =
        java.util.concurrent.ConcurrentHashMap.newKeySet();

    Round(Map<OrderId, Given> given) {
      this.given = given;
    }

    /**
     * Returns the write that folds the given record into {@code current}, or null if it is
     * included.
     */
    @Nullable Planned plan(OrderId id, @Nullable Snapshot current) {
      Given g = Objects.requireNonNull(given.get(id), "planned only for given records");
      OrderRecord mine = g.record();
      OrderRecord have = current == null ? null : current.record();
      if (have != null && have.includes(mine)) {
        synchronized (this) {
          stored.put(id, have);
        }
        return null;
      }
      OrderRecord merged = have == null || mine.includes(have) ? mine : have.merge(mine);
      // the record as given: the bytes given with it, if any (a reconcile pass hands on the
      // journal's, so the record is not encoded again)
      byte[] encoded =
          merged == mine && g.encoded() != null ? g.encoded() : RecordCodec.encode(merged);
      ByteString value = UnsafeByteOperations.unsafeWrap(encoded);
      return new Planned(
          id,
          keys.key(id),
          keys.keyString(id),
          merged,
          value,
          have == null ? 0 : Objects.requireNonNull(current).modRevision());
    }

    /** Writes one record again after a lost race, as a compare-and-swap of its own. */
    CompletableFuture<Void> retry(Planned p, int raced) {
      reader.sending(p.keyText(), p.value(), p.merged());
      return settle(p, raced, committer.single(p.key(), p.keyText(), p.modRevision(), p.value()));
    }

    /** Follows one write's outcome: done, included already, or another round after a lost race. */
    CompletableFuture<Void> settle(
        Planned p, int raced, CompletableFuture<GroupCommitter.Outcome> sent) {
      return sent.thenCompose(
          outcome -> {
            transactions.add(outcome.transaction());
            if (outcome instanceof GroupCommitter.Committed) {
              written.incrementAndGet();
              synchronized (this) {
                stored.put(p.id(), p.merged());
              }
              return CompletableFuture.completedFuture(null);
            }
            reader.notCommitted(p.keyText(), p.value());
            Snapshot current =
                reader.decode(((GroupCommitter.Raced) outcome).current(), p.keyText(), true);
            if (p.merged().equals(current.record())) {
              // exactly what this write wanted: another attempt of it (a reroute or hedge)
              // committed it
              written.incrementAndGet();
              synchronized (this) {
                stored.put(p.id(), p.merged());
              }
              return CompletableFuture.completedFuture(null);
            }
            lostRaces.incrementAndGet();
            counters.lostCasRaces.increment();
            Planned again = plan(p.id(), current);
            if (again == null) {
              return CompletableFuture.completedFuture(null);
            }
            if (raced >= maxCasRetries) {
              return CompletableFuture.failedFuture(
                  new IndeterminateWriteException(
                      "mergeAll gave up on "
                          + p.keyText()
                          + " after "
                          + (raced + 1)
                          + " lost compare-and-swap races; "
                          + written.get()
                          + " records were written; mergeAll is idempotent, retry it",
                      null));
            }
            long delay = backoffs.afterLostRace(raced + 1);
            return delay == 0 ? retry(again, raced + 1) : later(delay, again, raced + 1);
          });
    }

    private CompletableFuture<Void> later(long delayMillis, Planned p, int raced) {
      CompletableFuture<Void> out = new CompletableFuture<>();
      try {
        context
            .scheduler()
            .schedule(
                () -> retry(p, raced).whenComplete((v, e) -> Completions.complete(out, v, e)),
                delayMillis,
                TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        return retry(p, raced);
      }
      return out;
    }

    /**
     * What the call fails with, once every write has finished: definite only if no record was
     * written and every failed write failed definitely; otherwise indeterminate.
     */
    RuntimeException failure(List<CompletableFuture<Void>> writes) {
      Throwable definite = null;
      Throwable indeterminate = null;
      for (CompletableFuture<Void> w : writes) {
        if (!w.isCompletedExceptionally()) {
          continue;
        }
        Throwable cause = EtcdErrors.unwrap(w.handle((v, e) -> e).join());
        if (cause instanceof IndeterminateWriteException
            || !(cause instanceof OrderStoreException)) {
          indeterminate = indeterminate == null ? cause : indeterminate;
        } else {
          definite = definite == null ? cause : definite;
        }
      }
      if (indeterminate == null
          && written.get() == 0
          && definite instanceof OrderStoreException d) {
        return d;
      }
      Throwable cause = indeterminate != null ? indeterminate : definite;
      if (cause instanceof IndeterminateWriteException i) {
        return i;
      }
      return new IndeterminateWriteException(
          "mergeAll failed after "
              + written.get()
              + " records were written;"
              + " others may or may not have been; mergeAll is idempotent, retry it: "
              + (cause == null ? "unknown failure" : cause.getMessage()),
          cause);
    }

    synchronized MergeReport report() {
      List<OrderRecord> out = new ArrayList<>();
      for (OrderId id : given.keySet()) {
        out.add(stored.get(id));
      }
      return new MergeReport(out, written.get(), lostRaces.get(), transactions.size());
    }
  }
}
