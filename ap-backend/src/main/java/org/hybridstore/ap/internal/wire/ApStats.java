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
 */
public record ApStats(long writes, long duplicates, long rejected, long batches, long batchedTasks,
    long peerRecordsMerged, long peerRecordsUnchanged, long refusedClockSkew, long droppedMalformed,
    long droppedUnknownType, long droppedOversized, long droppedQueueFull, long droppedBlocked, long sendFailures,
    long messagesSent, long messagesReceived, long antiEntropyRounds, long digestPages, long rotations) {
  /** Returns every message dropped on receipt or before sending, whatever the reason. */
  public long droppedMessages() {
    return droppedMalformed + droppedUnknownType + droppedOversized + droppedQueueFull + droppedBlocked;
  }
}
