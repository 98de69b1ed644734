package org.hybridstore.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
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
   * Merges each record into the stored one (join) and writes the joins back with per-record
   * compare-and-swap, batched in transactions; retries the losers of a race. Idempotent.
   *
   * @param records records to fold in, at most one per order
   * @return the records as stored afterwards
   */
  CompletionStage<MergeReport> mergeAll(Collection<OrderRecord> records);

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

  /** Receives the change feed. */
  interface ChangeListener {
    /**
     * Called with records changed up to {@code revision}.
     *
     * @param records the records as now stored
     * @param revision the revision they are current at
     */
    void onChanges(List<OrderRecord> records, long revision);
  }
}
