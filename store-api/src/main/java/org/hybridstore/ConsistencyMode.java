package org.hybridstore;

/** The consistency a store gives at a moment; every node publishes its own. */
public enum ConsistencyMode {
  /**
   * etcd has quorum: a write is acknowledged once etcd committed it by compare-and-swap, reads are
   * linearizable. Writes are {@link Acceptance#STRONG}. Provisional writes left from a degraded
   * spell are folded into etcd in the background meanwhile; a write or an etcd read of an order
   * that still has them folds that order's record into etcd first.
   */
  STRONG,
  /**
   * etcd cannot take writes: a write is acknowledged once it is durable in this node's local
   * journal and is replicated to peers. Writes are {@link Acceptance#PROVISIONAL}; reads come from
   * the node's replica (read-your-writes on the node).
   */
  DEGRADED
}
