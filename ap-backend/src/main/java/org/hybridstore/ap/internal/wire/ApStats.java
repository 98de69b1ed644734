package org.hybridstore.ap.internal.wire;

/**
 * A snapshot of the degraded backend's counters (what the switchover will read through the SPI).
 *
 * @param writes local writes committed that changed a record
 * @param duplicates commands whose op id the record already held (nothing written)
 * @param rejected commands the model rejected
 * @param batches journal transactions committed by the group-commit writer
 * @param batchedTasks queued tasks those transactions held (writes, peer merges, absorbs)
 * @param peerRecordsMerged records from peers that changed the replica
 * @param peerRecordsUnchanged records from peers the replica already included
 * @param refusedClockSkew peer records refused because their clock stamp was too far ahead
 * @param droppedMalformed received messages that could not be decoded
 * @param droppedUnknownType received messages of a type outside the allow-list
 * @param droppedOversized messages over {@code maxMessageBytes}
 * @param droppedQueueFull outgoing messages dropped because a peer's queue was full
 * @param droppedBlocked messages dropped by the fault-injection seam
 * @param sendFailures sends the transport failed (peer unreachable)
 * @param messagesSent messages handed to the transport
 * @param messagesReceived allow-listed messages received
 * @param antiEntropyRounds digest summaries sent
 * @param digestPages digest pages sent
 * @param rotations journal file rotations
 * @param droppedUnauthenticated received frames without a valid MAC: no envelope (plaintext), an
 *     unknown key, or a MAC that does not verify
 * @param droppedUnknownMember authenticated frames from a node id that is not a configured member
 * @param droppedReplayed authenticated frames seen before (same session and sequence number, or too
 *     far behind the session's window to tell)
 * @param droppedStale authenticated frames whose timestamp is outside the accepted window
 * @param droppedMisdirected authenticated frames addressed to another node
 * @param droppedForgedSender messages whose payload names a sender other than the authenticated one
 * @param droppedMergeBudget peer records dropped because the records waiting for the journal writer
 *     already held the byte budget
 * @param cappedRequests peer requests answered only in part (pull id cap, digest page work cap)
 */
public record ApStats(
    long writes,
    long duplicates,
    long rejected,
    long batches,
    long batchedTasks,
    long peerRecordsMerged,
    long peerRecordsUnchanged,
    long refusedClockSkew,
    long droppedMalformed,
    long droppedUnknownType,
    long droppedOversized,
    long droppedQueueFull,
    long droppedBlocked,
    long sendFailures,
    long messagesSent,
    long messagesReceived,
    long antiEntropyRounds,
    long digestPages,
    long rotations,
    long droppedUnauthenticated,
    long droppedUnknownMember,
    long droppedReplayed,
    long droppedStale,
    long droppedMisdirected,
    long droppedForgedSender,
    long droppedMergeBudget,
    long cappedRequests) {
  /**
   * Returns the drops by reason, as {@code LocalBackend.peerDrops()} lists them: every message
   * dropped on receipt or before sending, plus records refused for a clock stamp too far ahead and
   * records left for a later round because one message's merge budget was spent.
   */
  public java.util.SortedMap<String, Long> dropsByReason() {
    java.util.SortedMap<String, Long> m = new java.util.TreeMap<>();
    m.put("malformed", droppedMalformed);
    m.put("unknown-type", droppedUnknownType);
    m.put("oversized", droppedOversized);
    m.put("queue-full", droppedQueueFull);
    m.put("blocked", droppedBlocked);
    m.put("unauthenticated", droppedUnauthenticated);
    m.put("unknown-member", droppedUnknownMember);
    m.put("replayed", droppedReplayed);
    m.put("stale", droppedStale);
    m.put("misdirected", droppedMisdirected);
    m.put("forged-sender", droppedForgedSender);
    m.put("merge-budget", droppedMergeBudget);
    m.put("clock-skew", refusedClockSkew);
    return java.util.Collections.unmodifiableSortedMap(m);
  }

  /** Returns every message dropped on receipt or before sending, whatever the reason. */
  public long droppedMessages() {
    return droppedMalformed
        + droppedUnknownType
        + droppedOversized
        + droppedQueueFull
        + droppedBlocked
        + droppedUnauthenticated
        + droppedUnknownMember
        + droppedReplayed
        + droppedStale
        + droppedMisdirected
        + droppedForgedSender;
  }

  /** Returns the received frames refused by peer authentication, whatever the reason. */
  public long droppedByAuthentication() {
    return droppedUnauthenticated
        + droppedUnknownMember
        + droppedReplayed
        + droppedStale
        + droppedMisdirected
        + droppedForgedSender;
  }
}
