package org.hybridstore;

/** What a read promises; a required argument of every read, never a hidden default. */
public enum ReadConsistency {
  /**
   * The read reflects every write acknowledged as {@link Acceptance#STRONG} before it started: etcd
   * confirms with a quorum round trip on every read. Fails with {@link
   * ConsistencyUnavailableException} when the store is not {@link ConsistencyMode#STRONG}.
   */
  LINEARIZABLE,
  /**
   * Served by one etcd member without a quorum round trip: may miss recent writes, never returns a
   * value that was not committed. A backend without etcd serves it from its local replica.
   */
  SERIALIZABLE,
  /**
   * Served from this node's local replica without any network call: includes this node's own writes
   * (read-your-writes) and whatever replication brought; available in every mode.
   */
  LOCAL
}
