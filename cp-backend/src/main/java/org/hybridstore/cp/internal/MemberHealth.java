package org.hybridstore.cp.internal;

import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.cp.internal.EtcdErrors.Signal;
import org.jspecify.annotations.Nullable;

/**
 * What this backend knows about one member from its own traffic: whether the member served the last
 * linearizable request it got, why not, and whether requests to it are waiting without any answer
 * ("stalled": a member cut off from the leader, or paused, keeps its connection open and answers
 * nothing). Fed by every call the router makes and every probe; read by the router to choose
 * members. Times are {@code System.nanoTime()} values passed in, so tests can make them up.
 *
 * <p>A member <em>serves</em> when its last success is not older than its last failure and it is
 * not stalled. It is <em>stalled</em> when requests are in flight and it has answered nothing for
 * longer than the stall limit. Lock-free; fields are updated independently, and a reader may see a
 * mix of two updates, which only shifts one routing decision. Thread-safe.
 */
final class MemberHealth {
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile long busySince;
  private volatile long lastAnswer;
  private volatile long lastSuccess;
  private volatile long lastFailure;
  private volatile @Nullable Signal lastSignal;
  private volatile String lastProblem = "never contacted";
  private volatile long memberId;
  private volatile long leaderId;
  private volatile long raftTerm;
  private volatile long statusAt;

  /** A request to this member starts. */
  void begin(long now) {
    if (inFlight.get() == 0) {
      busySince = now;
    }
    inFlight.incrementAndGet();
  }

  /** A request served (linearizable or not). */
  void succeeded(long now, long memberIdFromHeader) {
    inFlight.decrementAndGet();
    lastAnswer = now;
    lastSuccess = now;
    if (memberIdFromHeader != 0) {
      memberId = memberIdFromHeader;
    }
  }

  /** A request failed; what it says about the member is in {@code signal}. */
  void failed(long now, Signal signal, String problem) {
    inFlight.decrementAndGet();
    if (signal.answered()) {
      lastAnswer = now;
    }
    if (signal == Signal.REQUEST || signal == Signal.STALE_TOKEN) {
      return; // the member answered; the request was at fault
    }
    lastFailure = now;
    lastSignal = signal;
    lastProblem = problem;
  }

  /**
   * The member's status answered. This is no sign that it serves, and does not count against a
   * stall: a member cut off from the leader answers its status at once and nothing else.
   */
  void status(long now, long memberIdFromStatus, long leader, long term) {
    memberId = memberIdFromStatus;
    leaderId = leader;
    raftTerm = term;
    statusAt = now;
  }

  /**
   * Returns whether the member serves: its last success is not older than its last failure, and it
   * is not stalled.
   */
  boolean serving(long now, long stallNanos) {
    long ok = lastSuccess;
    return ok != 0 && ok >= lastFailure && !stalled(now, stallNanos);
  }

  /**
   * Returns whether requests are in flight and the member has answered nothing for longer than
   * {@code stallNanos}.
   */
  boolean stalled(long now, long stallNanos) {
    return inFlight.get() > 0 && now - Math.max(busySince, lastAnswer) > stallNanos;
  }

  /** Returns why the member does not serve (meaningful only when it does not). */
  String problem(long now, long stallNanos) {
    if (lastSuccess == 0 && lastFailure == 0) {
      return stalled(now, stallNanos) ? "no answer yet" : "never contacted";
    }
    if (stalled(now, stallNanos)) {
      return "no answer for " + (now - Math.max(busySince, lastAnswer)) / 1_000_000 + " ms";
    }
    return lastProblem;
  }

  /**
   * Returns whether the backend knows anything about this member: it served, failed, or stalled. A
   * member whose first request is still on its way is unknown, not "not serving".
   */
  boolean known(long now, long stallNanos) {
    return lastSuccess != 0 || lastFailure != 0 || stalled(now, stallNanos);
  }

  /** Returns whether the last thing this member did was to refuse or lose the connection. */
  boolean unreachable() {
    return lastSignal == Signal.UNREACHABLE && lastFailure > lastSuccess;
  }

  long lastSuccess() {
    return lastSuccess;
  }

  long lastAnswer() {
    return lastAnswer;
  }

  int inFlight() {
    return inFlight.get();
  }

  long memberId() {
    return memberId;
  }

  long leaderId() {
    return leaderId;
  }

  long raftTerm() {
    return raftTerm;
  }

  long statusAt() {
    return statusAt;
  }
}
