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
 */
public record QuorumStatus(boolean quorum, Duration readLatency, List<MemberStatus> members, String detail) {
  /** Copies the member list. */
  public QuorumStatus {
    members = List.copyOf(members);
  }
}
