package org.hybridstore.ap.internal.wire;

import java.util.concurrent.atomic.LongAdder;

/**
 * The backend's counters, shared by the writer, the replicator and the transport. Incremented from
 * any thread; {@link #snapshot()} reads them all. Thread-safe.
 */
public final class Counters {
  final LongAdder writes = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder batches = new LongAdder();
  final LongAdder batchedTasks = new LongAdder();
  final LongAdder peerRecordsMerged = new LongAdder();
  final LongAdder peerRecordsUnchanged = new LongAdder();
  final LongAdder refusedClockSkew = new LongAdder();
  final LongAdder droppedMalformed = new LongAdder();
  final LongAdder droppedUnknownType = new LongAdder();
  final LongAdder droppedOversized = new LongAdder();
  final LongAdder droppedQueueFull = new LongAdder();
  final LongAdder droppedBlocked = new LongAdder();
  final LongAdder sendFailures = new LongAdder();
  final LongAdder messagesSent = new LongAdder();
  final LongAdder messagesReceived = new LongAdder();
  final LongAdder antiEntropyRounds = new LongAdder();
  final LongAdder digestPages = new LongAdder();
  final LongAdder rotations = new LongAdder();
  final LongAdder droppedUnauthenticated = new LongAdder();
  final LongAdder droppedUnknownMember = new LongAdder();
  final LongAdder droppedReplayed = new LongAdder();
  final LongAdder droppedStale = new LongAdder();
  final LongAdder droppedMisdirected = new LongAdder();
  final LongAdder droppedForgedSender = new LongAdder();
  final LongAdder droppedMergeBudget = new LongAdder();
  final LongAdder cappedRequests = new LongAdder();

  /** Counts a committed local write that changed a record. */
  public void write() {
    writes.increment();
  }

  /** Counts a command whose op id the record already held. */
  public void duplicate() {
    duplicates.increment();
  }

  /** Counts a command the model rejected. */
  public void rejected() {
    rejected.increment();
  }

  /**
   * Counts one committed transaction.
   *
   * @param tasks how many queued tasks it held
   */
  public void batch(int tasks) {
    batches.increment();
    batchedTasks.add(tasks);
  }

  /** Counts a record from a peer that changed the replica. */
  public void peerMerged() {
    peerRecordsMerged.increment();
  }

  /** Counts a record from a peer the replica already included. */
  public void peerUnchanged() {
    peerRecordsUnchanged.increment();
  }

  /** Counts a peer record refused because its clock stamp was too far ahead. */
  public void refusedClockSkew() {
    refusedClockSkew.increment();
  }

  /** Counts a received message that could not be decoded. */
  public void droppedMalformed() {
    droppedMalformed.increment();
  }

  /** Counts a received message of a type outside the allow-list. */
  public void droppedUnknownType() {
    droppedUnknownType.increment();
  }

  /** Counts a message over the size limit (received or about to be sent). */
  public void droppedOversized() {
    droppedOversized.increment();
  }

  /** Counts an outgoing message dropped because the peer's queue was full. */
  public void droppedQueueFull() {
    droppedQueueFull.increment();
  }

  /** Counts a message dropped by the fault-injection seam. */
  public void droppedBlocked() {
    droppedBlocked.increment();
  }

  /** Counts a send the transport failed. */
  public void sendFailure() {
    sendFailures.increment();
  }

  /** Counts a message handed to the transport. */
  public void sent() {
    messagesSent.increment();
  }

  /** Counts a decoded, allow-listed message received. */
  public void received() {
    messagesReceived.increment();
  }

  /** Counts an anti-entropy summary sent to a peer. */
  public void antiEntropyRound() {
    antiEntropyRounds.increment();
  }

  /** Counts a digest page sent. */
  public void digestPage() {
    digestPages.increment();
  }

  /** Counts a journal rotation. */
  public void rotation() {
    rotations.increment();
  }

  /** Counts a frame without a valid MAC (no envelope, unknown key, wrong MAC). */
  public void droppedUnauthenticated() {
    droppedUnauthenticated.increment();
  }

  /** Counts an authenticated frame whose sender is not a configured member. */
  public void droppedUnknownMember() {
    droppedUnknownMember.increment();
  }

  /** Counts an authenticated frame seen before (same session and sequence number). */
  public void droppedReplayed() {
    droppedReplayed.increment();
  }

  /** Counts an authenticated frame whose timestamp is outside the accepted window. */
  public void droppedStale() {
    droppedStale.increment();
  }

  /** Counts an authenticated frame addressed to another node. */
  public void droppedMisdirected() {
    droppedMisdirected.increment();
  }

  /** Counts a message whose payload names a sender other than the authenticated one. */
  public void droppedForgedSender() {
    droppedForgedSender.increment();
  }

  /**
   * Counts peer records dropped because the records waiting for the writer hold the byte budget.
   */
  public void droppedMergeBudget() {
    droppedMergeBudget.increment();
  }

  /**
   * Counts a peer request answered only in part (a pull over the id cap, a digest page over the
   * work cap).
   */
  public void cappedRequest() {
    cappedRequests.increment();
  }

  /** Returns the current values. */
  public ApStats snapshot() {
    return new ApStats(
        writes.sum(),
        duplicates.sum(),
        rejected.sum(),
        batches.sum(),
        batchedTasks.sum(),
        peerRecordsMerged.sum(),
        peerRecordsUnchanged.sum(),
        refusedClockSkew.sum(),
        droppedMalformed.sum(),
        droppedUnknownType.sum(),
        droppedOversized.sum(),
        droppedQueueFull.sum(),
        droppedBlocked.sum(),
        sendFailures.sum(),
        messagesSent.sum(),
        messagesReceived.sum(),
        antiEntropyRounds.sum(),
        digestPages.sum(),
        rotations.sum(),
        droppedUnauthenticated.sum(),
        droppedUnknownMember.sum(),
        droppedReplayed.sum(),
        droppedStale.sum(),
        droppedMisdirected.sum(),
        droppedForgedSender.sum(),
        droppedMergeBudget.sum(),
        cappedRequests.sum());
  }
}
