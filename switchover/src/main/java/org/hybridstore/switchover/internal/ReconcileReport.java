package org.hybridstore.switchover.internal;

/**
 * What one reconcile pass did.
 *
 * @param records backlog records folded into etcd
 * @param written how many needed a write in etcd
 * @param retries compare-and-swap races lost and retried
 * @param backlogRemaining records left in the backlog afterwards
 * @param deferred records left to their owner (another node) in this pass
 * @param takenOver records folded here although another node owns them: they had waited past the
 *     owner's grace
 */
public record ReconcileReport(
    int records, int written, int retries, int backlogRemaining, int deferred, int takenOver) {}
