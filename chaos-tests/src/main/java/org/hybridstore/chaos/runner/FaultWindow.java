package org.hybridstore.chaos.runner;

/**
 * One fault as it happened: when the nemesis started and healed it, and when the cluster had
 * converged afterwards (every node STRONG with an empty backlog).
 */
final class FaultWindow {
  final String nemesis;
  final String description;
  final long startNanos;
  volatile long endNanos = -1;
  volatile long convergedNanos = -1;

  FaultWindow(String nemesis, String description, long startNanos) {
    this.nemesis = nemesis;
    this.description = description;
    this.startNanos = startNanos;
  }

  /** Returns the convergence window in milliseconds, or -1 if it did not converge in time. */
  long convergenceMillis() {
    return endNanos < 0 || convergedNanos < 0 ? -1 : (convergedNanos - endNanos) / 1_000_000;
  }
}
