package org.hybridstore.chaos.cluster;

/** The outcome of a TCP connection attempt made by {@link Cluster#probe}. */
public enum Reachability {
  /** The connection was established: something listens and the path is open. */
  CONNECTED,
  /**
   * The attempt failed fast (connection refused or no route): the path is open but nothing listens,
   * or the destination answered with an error.
   */
  REFUSED,
  /** No answer within the timeout: packets are dropped on the way, or the listener is frozen. */
  TIMED_OUT
}
