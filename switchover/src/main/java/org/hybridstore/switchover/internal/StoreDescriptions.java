package org.hybridstore.switchover.internal;

import java.util.Map;

/** The MXBean's descriptions, one per attribute and operation. */
final class StoreDescriptions {
  private static final Map<String, String> ATTRIBUTES =
      Map.ofEntries(
          Map.entry("Name", "The store's name (the ObjectName's name key)"),
          Map.entry("NodeId", "This node's id"),
          Map.entry(
              "Mode",
              "Consistency mode: STRONG (writes through etcd; a non-empty backlog is folded back meanwhile), DEGRADED (provisional writes to the local journal)"),
          Map.entry(
              "Epoch",
              "Mode epoch: grows by one with every mode change; stamped on every write result"),
          Map.entry("ModeSince", "When the current mode began (ISO-8601)"),
          Map.entry("LastTransitionReason", "Why the last mode change happened"),
          Map.entry("TransitionsTotal", "Mode changes since start"),
          Map.entry(
              "EtcdMembers",
              "Each etcd member's status from the last probe: id, leader, term, raft index, errors, or unreachable"),
          Map.entry("LastProbeOk", "Whether the last quorum probe (a linearizable read) succeeded"),
          Map.entry("ProbeLatencyMillis", "Latency of the last quorum probe's read (ms)"),
          Map.entry("BreakerState", "Circuit breaker on etcd writes: CLOSED, OPEN, HALF_OPEN, ..."),
          Map.entry("ReconcileBacklog", "Records holding writes etcd may not have yet"),
          Map.entry(
              "LastReconcileMillis",
              "Duration of the last reconcile, return to STRONG to an empty backlog (ms); -1 if none yet"),
          Map.entry(
              "LastConvergenceMillis",
              "Last convergence window: first successful probe after quorum came back to STRONG with an empty backlog (ms); -1 if none yet"),
          Map.entry(
              "MirrorLagRevisions",
              "How many etcd revisions the local mirror is behind the last probe's revision"),
          Map.entry("ConflictsTotal", "Orders seen with a recorded status conflict"),
          Map.entry("ProvisionalWritesTotal", "Writes acknowledged as provisional"),
          Map.entry("StrongWritesTotal", "Writes acknowledged as strong"),
          Map.entry(
              "FallbacksTotal",
              "Writes that fell back from etcd to the local journal in the same call"),
          Map.entry(
              "LostRacesTotal",
              "Compare-and-swap races lost (and retried) while folding records into etcd; with one reconciler per record it stays near 0"),
          Map.entry("ClockSkewRefusals", "Peer clock stamps refused for being too far ahead"),
          Map.entry(
              "PeerDrops",
              "Peer messages dropped since start, by reason (unauthenticated, unknown-member, forged-sender, replayed, malformed, oversized, queue-full, ...): a peer that floods or lies shows here"),
          Map.entry("PeerDropsTotal", "Sum of PeerDrops"),
          Map.entry("Peers", "Live peers as node=MODE@epoch"),
          Map.entry(
              "JournalWritable",
              "Whether the local journal acknowledges provisional writes now; false after a failed disk write until it recovers (degraded writes are refused, never lost)"),
          Map.entry(
              "PendingConfirmations",
              "Writes this node waits to see confirmed in etcd (its provisional acknowledgements, duplicates and lookups by op id)"),
          Map.entry(
              "ConfirmationsTotal",
              "Writes confirmed in etcd since start (not counting STRONG writes, which are confirmed by their own commit)"),
          Map.entry(
              "ConflictsResolvedTotal",
              "Confirmations whose merge into etcd changed the acknowledged outcome (a status conflict and its deterministic winner)"),
          Map.entry(
              "ConfirmationP99Millis",
              "99th percentile of the time from a provisional acknowledgement to its confirmation (ms, decaying window; 0 before any)"),
          Map.entry(
              "JournalProblem",
              "Why the local journal cannot write, and what its last start found damaged and where the damaged file was copied; empty when nothing is"));
  private static final Map<String, String> OPERATIONS =
      Map.of(
          "forceDegrade",
              "Degrade now and stay degraded until requestReconcile (planned etcd maintenance, misbehaving etcd)",
          "requestReconcile",
              "End a forced degrade; if degraded and the last probe succeeded, return to STRONG now");

  private StoreDescriptions() {}

  static String attribute(String name) {
    return ATTRIBUTES.getOrDefault(name, name);
  }

  static String operation(String name) {
    return OPERATIONS.getOrDefault(name, name);
  }
}
