package org.hybridstore.chaos.bench;

/**
 * The convergence of one backlog: three stores, two of three etcd members killed, {@code records}
 * provisional writes spread over the stores, the members restarted. Times are in milliseconds from
 * the moment the killed members were restarted, except {@code detectMs} and {@code writeMs}.
 *
 * @param records the backlog's size: new orders written while quorum was lost
 * @param again whether this is the second backlog of its size in the run: every size runs twice in
 *     a row, and the second finds more of the stores' code compiled. The benchmark's JVM is young
 *     when the backlogs run (they go first): its JIT compiler's threads took about a quarter of the
 *     process's CPU during the first 10,000-record run and still about a third during the second
 *     (docs/performance.md), which a node that has served for a while does not pay
 * @param acknowledged writes acknowledged PROVISIONAL (of {@code records})
 * @param detectMs kill to every store DEGRADED
 * @param writeMs time to write the backlog
 * @param etcdRecoveryMs restart to the first successful raw jetcd write
 * @param strongMs restart to every store STRONG with an empty backlog
 * @param equalMs restart to the etcd snapshot whose digest first equalled every replica's (the
 *     replicas' digests are read just before the snapshot; nothing writes meanwhile)
 * @param equalCheckMs how long that verification pass took (a full range read of etcd, hashed); the
 *     figure is known only this much later
 * @param lostRaces compare-and-swap races the stores lost while folding the backlog into etcd
 * @param cpuMs CPU time the benchmark's process used from the restart to every store STRONG with an
 *     empty backlog: the three stores' work of folding the backlog in (and the benchmark's own
 *     pollers); etcd's processes are not counted. Less noisy than {@code strongMs} on a shared
 *     machine, since time spent waiting for a core is not in it; -1 if the JVM cannot tell
 * @param digest the digest all replicas and etcd agreed on, {@code <count>:<xor>}
 */
public record BacklogResult(
    int records,
    boolean again,
    int acknowledged,
    long detectMs,
    long writeMs,
    long etcdRecoveryMs,
    long strongMs,
    long equalMs,
    long equalCheckMs,
    long lostRaces,
    long cpuMs,
    String digest) {

  /**
   * Returns the label of a backlog size in field names: {@code 1k} for 1,000, {@code 10k} for
   * 10,000, the plain number otherwise.
   *
   * @param records the size
   * @return the label
   */
  public static String label(int records) {
    return records % 1000 == 0 ? records / 1000 + "k" : Integer.toString(records);
  }

  /**
   * Returns what names this run in JSON fields: the size's {@link #label}, then {@code _again} for
   * the second run of the size ({@code backlog_10k_again_strong_ms}).
   *
   * @return the key
   */
  public String key() {
    return label(records) + (again ? "_again" : "");
  }
}
