package org.hybridstore.cp.internal;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Keeps a degraded backend quiet: a change of state is logged once (by the caller, through {@link
 * #change}), and individual failures are only counted here, per cause, and reported as one summary
 * line per interval while there are any. A node that cannot reach etcd for an hour thus logs one
 * line when it lost etcd, one summary per interval, and one line when etcd is back, however many
 * requests and probes failed meanwhile. Thread-safe.
 */
final class FailureLog {
  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock
  private final Map<String, Long> counts = new TreeMap<>();
  private long windowStart;
  private boolean degraded;

  FailureLog(Logger log, long intervalNanos, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = intervalNanos;
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  /** Counts one failure. */
  void count(String cause) {
    lock.lock();
    try {
      counts.merge(cause, 1L, Long::sum);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Logs a change of the backend's state once: at WARN when it becomes degraded (no member serves),
   * at INFO otherwise. Repeating the same state logs nothing.
   *
   * @param nowDegraded whether no member serves any more
   * @param message what changed
   * @return whether the state changed (and was logged)
   */
  boolean change(boolean nowDegraded, String message) {
    lock.lock();
    try {
      if (nowDegraded == degraded) {
        return false;
      }
      degraded = nowDegraded;
    } finally {
      lock.unlock();
    }
    if (nowDegraded) {
      log.warn(message);
    } else {
      log.info(message);
    }
    return true;
  }

  /** Logs the summary if the interval is over and anything was counted; call it periodically. */
  void flushIfDue() {
    String line;
    boolean warn;
    lock.lock();
    try {
      long now = nanoTime.getAsLong();
      if (now - windowStart < intervalNanos) {
        return;
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(now - windowStart);
      windowStart = now;
      if (counts.isEmpty()) {
        return;
      }
      long total = counts.values().stream().mapToLong(Long::longValue).sum();
      line =
          "etcd: "
              + total
              + " failed calls in the last "
              + seconds
              + " s ("
              + describe(counts)
              + ")";
      warn = degraded;
      counts.clear();
    } finally {
      lock.unlock();
    }
    if (warn) {
      log.warn(line);
    } else {
      log.info(line);
    }
  }

  private static String describe(Map<String, Long> counts) {
    StringBuilder sb = new StringBuilder();
    counts.forEach(
        (cause, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(cause).append(' ').append(n));
    return sb.toString();
  }
}
