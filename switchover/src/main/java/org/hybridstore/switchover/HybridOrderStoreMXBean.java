package org.hybridstore.switchover;

/**
 * The JMX view of one {@link HybridOrderStore}, registered as {@code
 * org.hybridstore:type=HybridOrderStore,name=<store name>}. Uses only open types, so JConsole,
 * VisualVM, Hawtio and Jolokia show it as is. Emits an {@code jmx.attribute.change} notification on
 * attribute {@code Mode} at every mode change.
 */
public interface HybridOrderStoreMXBean {
  /** Returns the store's name. */
  String getName();

  /** Returns the node id. */
  String getNodeId();

  /** Returns the consistency mode: STRONG or DEGRADED ({@code CLOSED} once closed). */
  String getMode();

  /** Returns the mode epoch; it grows by one with every mode change. */
  long getEpoch();

  /** Returns when the current mode began, ISO-8601. */
  String getModeSince();

  /** Returns why the last mode change happened. */
  String getLastTransitionReason();

  /** Returns how many mode changes happened since start. */
  long getTransitionsTotal();

  /** Returns each etcd member's status from the last probe, one line per member. */
  String[] getEtcdMembers();

  /** Returns whether the last quorum probe succeeded. */
  boolean isLastProbeOk();

  /** Returns the latency of the last quorum probe's read, in milliseconds. */
  long getProbeLatencyMillis();

  /** Returns the state of the circuit breaker on etcd writes (CLOSED, OPEN, HALF_OPEN, ...). */
  String getBreakerState();

  /** Returns how many records hold writes etcd may not have yet. */
  int getReconcileBacklog();

  /**
   * Returns how long the last reconcile took (the return to STRONG to the backlog first empty), in
   * ms; -1 if none yet.
   */
  long getLastReconcileMillis();

  /**
   * Returns the last convergence window on this node: from the first successful probe after quorum
   * came back to STRONG with an empty backlog, in ms; -1 if none yet.
   */
  long getLastConvergenceMillis();

  /** Returns how many etcd revisions the local mirror is behind the last probe's revision. */
  long getMirrorLagRevisions();

  /** Returns how many orders this node has seen with a recorded status conflict. */
  long getConflictsTotal();

  /** Returns how many writes this node acknowledged as provisional. */
  long getProvisionalWritesTotal();

  /** Returns how many writes this node acknowledged as strong. */
  long getStrongWritesTotal();

  /** Returns how many writes fell back from etcd to the local journal in the same call. */
  long getFallbacksTotal();

  /**
   * Returns how many compare-and-swap races this node lost (and retried) while folding records into
   * etcd.
   */
  long getLostRacesTotal();

  /** Returns how many peer clock stamps were refused for being too far ahead. */
  long getClockSkewRefusals();

  /**
   * Returns how many peer messages were dropped since the start, by reason ({@code
   * unauthenticated}, {@code unknown-member}, {@code forged-sender}, {@code replayed}, {@code
   * malformed}, {@code oversized}, {@code queue-full}, ...; every reason, also at zero): a peer
   * that floods or lies shows here. The reasons are docs/security.md's.
   */
  java.util.Map<String, Long> getPeerDrops();

  /** Returns the sum of {@link #getPeerDrops()}. */
  long getPeerDropsTotal();

  /** Returns the live peers as {@code node=MODE@epoch}. */
  String[] getPeers();

  /**
   * Returns how many writes this node waits to see confirmed in etcd: its provisional
   * acknowledgements, duplicates and lookups by op id whose confirmation is not complete yet.
   */
  int getPendingConfirmations();

  /**
   * Returns how many writes were confirmed since start (plain STRONG writes are confirmed by their
   * commit and not counted).
   */
  long getConfirmationsTotal();

  /**
   * Returns how many confirmations reported that the merge into etcd changed the acknowledged
   * outcome (a status conflict resolved by its deterministic winner).
   */
  long getConflictsResolvedTotal();

  /**
   * Returns the 99th percentile of the time from a provisional acknowledgement to its confirmation,
   * in ms, over a decaying window (0 before any); the full histogram is the Micrometer timer {@code
   * hybridstore.confirmation.latency}.
   */
  double getConfirmationP99Millis();

  /**
   * Returns whether the local journal acknowledges provisional writes now; false after a failed
   * disk write until it has recovered (degraded writes are then refused, never lost).
   */
  boolean isJournalWritable();

  /**
   * Returns what is wrong with the local journal: why it cannot write, and what its last start
   * found damaged and where the damaged file was quarantined; empty when nothing is.
   */
  String getJournalProblem();

  /**
   * Operator tool: degrade now and stay degraded until {@link #requestReconcile()} (for planned
   * etcd maintenance, or to take a misbehaving etcd out of the write path).
   *
   * @param reason recorded as the transition reason
   */
  void forceDegrade(String reason);

  /**
   * Operator tool: end a forced degrade, and if the store is degraded and the last probe succeeded,
   * return to STRONG now instead of after the stable period (the backlog is then folded in).
   */
  void requestReconcile();
}
