package org.hybridstore;

/** How durable an acknowledged write is. */
public enum Acceptance {
  /** Committed in etcd by its Raft majority. */
  STRONG,
  /**
   * Committed to the accepting node's local journal (fsync'd) and queued for etcd; it survives as
   * long as that node's disk does, and will be merged into etcd when quorum returns.
   */
  PROVISIONAL
}
