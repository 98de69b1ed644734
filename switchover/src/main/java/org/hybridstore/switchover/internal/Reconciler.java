package org.hybridstore.switchover.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.StrongBackend;

/**
 * Folds the local backlog into etcd, one batch per pass: read a batch of backlog records, merge
 * each into etcd's record with compare-and-swap ({@link StrongBackend#mergeAll}), then absorb what
 * etcd now holds into the local replica, which clears every backlog entry etcd's record includes.
 *
 * <p>Idempotent: a pass that is interrupted (a crash, a failed transaction) leaves the backlog as
 * it was or smaller, and merging a record etcd already includes writes nothing. It reports; it
 * never changes the mode (the controller decides).
 */
final class Reconciler {
  private final StrongBackend strong;
  private final LocalBackend local;
  private final int batchSize;
  private final ConflictTracker conflicts;
  private final StoreMetrics metrics;
  private final int salt;

  /**
   * How many batches' worth of the oldest backlog records a pass chooses from. Peers hold each
   * other's provisional records too (hinted handoff), so nodes that reconciled in the same order
   * would race for the same keys in every transaction; choosing from a window in an order salted
   * by the node id spreads them out, and the watch feed clears what a peer already folded in.
   */
  private static final int WINDOW = 4;

  Reconciler(StrongBackend strong, LocalBackend local, int batchSize, ConflictTracker conflicts, StoreMetrics metrics,
      org.hybridstore.NodeId node) {
    this.metrics = metrics;
    this.salt = node.value().hashCode();
    this.strong = strong;
    this.local = local;
    this.batchSize = batchSize;
    this.conflicts = conflicts;
  }

  private List<OrderRecord> pick(List<OrderRecord> window) {
    if (window.size() <= batchSize) {
      return window;
    }
    List<OrderRecord> shuffled = new java.util.ArrayList<>(window);
    shuffled.sort(java.util.Comparator.comparingInt(r -> Integer.rotateLeft(r.id().value().hashCode() * 0x9E3779B9 ^ salt, 7)));
    return shuffled.subList(0, batchSize);
  }

  CompletionStage<ReconcileReport> pass() {
    List<OrderRecord> batch = pick(local.backlog(batchSize * WINDOW));
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(new ReconcileReport(0, 0, 0, local.backlogSize()));
    }
    return strong.mergeAll(batch).thenCompose(merged -> {
      conflicts.observe(merged.stored());
      metrics.reconciled(batch.size());
      return local.absorb(merged.stored(), local.mirrorRevision())
          .thenApply(v -> new ReconcileReport(batch.size(), merged.written(), merged.retries(), local.backlogSize()));
    });
  }
}
