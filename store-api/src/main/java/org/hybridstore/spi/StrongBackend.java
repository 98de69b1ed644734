package org.hybridstore.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.OrderRecord;

/**
 * The strongly consistent backend (etcd). Every call has a deadline; failed stages carry the
 * store's exceptions, classified once by the backend: {@code IndeterminateWriteException} when a
 * write may have been applied, {@code StoreUnavailableException} when it definitely was not.
 */
public interface StrongBackend extends AutoCloseable {
  /**
   * Reads the record, applies the command with {@code OrderCommands.apply}, and writes the result
   * with a compare-and-swap on the record's revision, retrying lost races a bounded number of
   * times. A command whose op id the record holds writes nothing.
   *
   * @param command the command
   * @return the committed write
   */
  CompletionStage<BackendWrite> apply(OrderCommand command);

  /**
   * Reads one record.
   *
   * @param id the order
   * @param consistency {@code LINEARIZABLE} for a quorum read; otherwise a member-local read
   * @return the record, or empty
   */
  CompletionStage<Optional<OrderRecord>> read(OrderId id, ReadConsistency consistency);

  /**
   * Reads one record with its revision: linearizably as of now ({@code atRevision = 0}), or the
   * version that was current at a past revision (etcd's {@code get key --rev=R}), for finding the
   * first version that held a write. The default fails with {@code StoreUnavailableException} (the
   * backend cannot tell revisions; confirmations of provisional writes then never complete).
   *
   * @param id the order
   * @param atRevision 0 for now, or a past revision
   * @return the version current at that revision with its mod revision, or empty if the key did not
   *     exist then; fails with {@link RevisionCompactedException} if {@code atRevision} was
   *     compacted, {@code StoreUnavailableException} if the read failed
   */
  default CompletionStage<Optional<StoredRecord>> readRevision(OrderId id, long atRevision) {
    return java.util.concurrent.CompletableFuture.failedFuture(
        new StoreUnavailableException(getClass().getSimpleName() + " cannot read revisions"));
  }

  /**
   * Merges each record into the stored one (join) and writes the joins back with per-record
   * compare-and-swap, batched in transactions; retries the losers of a race. Idempotent.
   *
   * @param records records to fold in, at most one per order
   * @return the records as stored afterwards
   */
  CompletionStage<MergeReport> mergeAll(Collection<OrderRecord> records);

  /**
   * Does what {@link #mergeAll} does, for records given with their encoding: a record the backend
   * takes as given (it lacks the order, or the given record includes what it holds) is written as
   * the given bytes, without encoding it again, and is then the given record object in {@link
   * MergeReport#stored()}. The default drops the bytes.
   *
   * @param records records to fold in, at most one per order
   * @return the records as stored afterwards, in the order given
   */
  default CompletionStage<MergeReport> mergeAllEncoded(List<EncodedRecord> records) {
    return mergeAll(records.stream().map(EncodedRecord::record).toList());
  }

  /**
   * Streams every change after {@code fromRevision} to the listener, in revision order, resuming by
   * itself after member restarts and re-reading everything when the revision was compacted.
   *
   * @param fromRevision the last revision the caller has (0 for everything)
   * @param listener receives changes on the context's executor
   * @return closing it stops the feed
   */
  AutoCloseable watch(long fromRevision, ChangeListener listener);

  /**
   * Samples health: every configured member's status and a linearizable read through every member,
   * all within the deadline (see {@link QuorumStatus} for how to read the sample). The backend also
   * uses the answers to route its own requests to members that serve.
   *
   * @param deadline how long the probe may take in total
   * @return the sample; never fails (an unreachable cluster is a sample with {@code quorum=false})
   */
  CompletionStage<QuorumStatus> probe(Duration deadline);

  /**
   * Returns running totals (lost compare-and-swap races, transactions, reroutes). Cheap; safe to
   * call from any thread at any rate.
   *
   * @return the totals so far; {@link StrongBackendCounters#NONE} for a backend that counts nothing
   */
  default StrongBackendCounters counters() {
    return StrongBackendCounters.NONE;
  }

  /** Closes connections; pending calls fail. */
  @Override
  void close();

  /**
   * Receives the change feed. A feed calls one method at a time, in revision order: either the
   * collapsed {@link #onChanges} (the default methods below collapse into it), or, for listeners
   * that override them, {@link #onEvents} for live changes and {@link #onResync} for the pages of a
   * re-read.
   */
  interface ChangeListener {
    /**
     * Called with records changed up to {@code revision}: the last version of each order.
     *
     * @param records the records as now stored
     * @param revision the revision they are current at
     */
    void onChanges(List<OrderRecord> records, long revision);

    /**
     * Called with every version written by one or more etcd revisions (one watch response), each
     * with its own mod revision, in revision order (the versions one transaction wrote share a
     * revision and never straddle two calls). The default collapses them to the last version per
     * order and calls {@link #onChanges}.
     *
     * @param events the versions, in revision order
     * @param revision the revision of the last one
     */
    default void onEvents(List<StoredRecord> events, long revision) {
      onChanges(collapse(events), revision);
    }

    /**
     * Called with one page of a re-read of every order at one revision (after a compaction, or at a
     * start from revision 0): each order's version current at {@code revision} with its own mod
     * revision, in key order. Pages of one re-read share {@code revision}; the last page (possibly
     * empty) has {@code last} set, and live {@link #onEvents} after {@code revision} follow. A
     * re-read that fails half way starts again from the first key, at the same or a later revision.
     * The default calls {@link #onChanges} with the page (unless it is empty).
     *
     * @param page the versions, in key order
     * @param revision the revision of the re-read
     * @param last whether this is the re-read's last page
     */
    default void onResync(List<StoredRecord> page, long revision, boolean last) {
      if (!page.isEmpty()) {
        onChanges(page.stream().map(StoredRecord::record).toList(), revision);
      }
    }

    /**
     * Returns the last version per order of {@code events}, ordered by each order's last version.
     *
     * @param events versions in revision order
     * @return the records
     */
    static List<OrderRecord> collapse(List<StoredRecord> events) {
      return lastVersions(events).stream().map(StoredRecord::record).toList();
    }

    /**
     * Returns the last version per order of {@code events}, ordered by each order's last version,
     * as {@link #collapse} does, keeping each version's revision and stored bytes.
     *
     * @param events versions in revision order
     * @return the last versions
     */
    static List<StoredRecord> lastVersions(List<StoredRecord> events) {
      Map<OrderId, StoredRecord> last = new LinkedHashMap<>();
      for (StoredRecord e : events) {
        last.remove(e.record().id());
        last.put(e.record().id(), e);
      }
      return List.copyOf(last.values());
    }
  }
}
