package org.hybridstore.spi;

import java.time.Duration;
import java.util.List;

/**
 * One sample of the strong backend's health.
 *
 * @param quorum whether a quorum read succeeded within the deadline and a majority of members
 *     agree on one leader
 * @param readLatency how long the quorum read took (the deadline if it failed)
 * @param members each member's status
 * @param detail a short explanation for people (why there is no quorum)
 * @param revision etcd's current revision as the quorum read saw it (0 if unknown); the mirror's
 *     lag is this minus the local mirror revision
 */
public record QuorumStatus(boolean quorum, Duration readLatency, List<MemberStatus> members, String detail,
    long revision) {
  /** Copies the member list. */
  public QuorumStatus {
    members = List.copyOf(members);
  }

  /**
   * A sample without a known revision.
   *
   * @param quorum whether there is quorum
   * @param readLatency how long the quorum read took
   * @param members each member's status
   * @param detail a short explanation
   */
  public QuorumStatus(boolean quorum, Duration readLatency, List<MemberStatus> members, String detail) {
    this(quorum, readLatency, members, detail, 0);
  }
}
