package org.hybridstore.chaos.runner;

import org.jspecify.annotations.Nullable;

/**
 * One fault as it happened: when the nemesis started and healed it, whether any node left STRONG
 * because of it, and when the cluster had converged afterwards: the first poll, sent after the
 * heal, at which every node was STRONG with an empty backlog and a current mirror, and every node's
 * replica digest equalled etcd's.
 */
final class FaultWindow {
  final String nemesis;
  final String description;
  final long startNanos;
  volatile long endNanos = -1;
  volatile long convergedNanos = -1;

  /**
   * From the heal to the first linearizable read some etcd member served, asked by the suite itself
   * every 20 ms: etcd's own share of the convergence window; -1 if not measured or not within the
   * bound.
   */
  volatile long etcdServesMillis = -1;

  /** Whether some node was not STRONG between the start and the convergence (or the bound). */
  volatile boolean degraded;

  /** Why the window did not converge, or null. */
  volatile @Nullable String failure;

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
