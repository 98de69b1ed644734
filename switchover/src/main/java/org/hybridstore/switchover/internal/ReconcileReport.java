package org.hybridstore.switchover.internal;

/**
 * What one reconcile pass did.
 *
 * @param records backlog records folded into etcd
 * @param written how many needed a write in etcd
 * @param retries compare-and-swap races lost and retried
 * @param backlogRemaining records left in the backlog afterwards
 */
public record ReconcileReport(int records, int written, int retries, int backlogRemaining) {}
