package org.hybridstore.switchover.internal;

import java.util.Map;
import org.hybridstore.NodeId;
import org.hybridstore.spi.LocalBackend;
import org.jspecify.annotations.Nullable;

/**
 * One consistent-enough picture of a store for JMX and diagnostics: every value is read once when
 * the snapshot is taken, so the MXBean reaches into no component.
 *
 * @param name the store's name
 * @param node this node
 * @param mode the current mode
 * @param transitions mode changes since start
 * @param lastProbe the last probe sample, or null before the first
 * @param breakerState the write breaker's state
 * @param backlog records in the reconcile backlog
 * @param lastReconcileMillis duration of the last reconcile, -1 if none
 * @param lastConvergenceMillis the last convergence window, -1 if none
 * @param mirrorLag etcd revisions the mirror is behind the last probe
 * @param conflicts orders seen with a recorded status conflict
 * @param provisionalWrites writes acknowledged provisionally
 * @param strongWrites writes acknowledged strong
 * @param fallbacks strong attempts that fell back to the journal
 * @param lostRaces compare-and-swap races lost while folding records into etcd
 * @param clockSkewRefusals peer stamps refused for being too far ahead
 * @param peerDrops peer messages the local backend dropped, by reason
 * @param peers live peers and what they last published
 * @param journal the local journal's condition
 * @param pendingConfirmations confirmations this node waits for
 * @param confirmations writes confirmed since start (not plain STRONG writes)
 * @param conflictsResolved confirmations whose merge changed the outcome
 * @param confirmationP99Millis 99th percentile of provisional acknowledgement to confirmation, ms
 */
record StoreSnapshot(
    String name,
    NodeId node,
    StoreMode mode,
    long transitions,
    @Nullable HealthSample lastProbe,
    String breakerState,
    int backlog,
    long lastReconcileMillis,
    long lastConvergenceMillis,
    long mirrorLag,
    long conflicts,
    long provisionalWrites,
    long strongWrites,
    long fallbacks,
    long lostRaces,
    long clockSkewRefusals,
    java.util.SortedMap<String, Long> peerDrops,
    Map<NodeId, LocalBackend.PeerState> peers,
    LocalBackend.JournalHealth journal,
    int pendingConfirmations,
    long confirmations,
    long conflictsResolved,
    double confirmationP99Millis) {}
