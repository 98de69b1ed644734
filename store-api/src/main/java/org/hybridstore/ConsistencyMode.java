package org.hybridstore;

/** The consistency a store gives at a moment; every node publishes its own. */
public enum ConsistencyMode {
  /**
   * etcd has quorum: a write is acknowledged once etcd committed it by compare-and-swap, reads are
   * linearizable. Writes are {@link Acceptance#STRONG}.
   */
  STRONG,
  /**
   * etcd cannot take writes: a write is acknowledged once it is durable in this node's local
   * journal and is replicated to peers. Writes are {@link Acceptance#PROVISIONAL}; reads come from
   * the node's replica (read-your-writes on the node).
   */
  DEGRADED,
  /**
   * etcd is back and the node folds its provisional writes into etcd. Writes and reads behave as in
   * {@link #DEGRADED} until the backlog is empty, then the node returns to {@link #STRONG}.
   */
  RECONCILING
}
