package org.hybridstore.spi;

import java.time.Duration;
import java.util.List;

/**
 * One sample of the strong backend's health, as seen from this node.
 *
 * <p>How a mode policy can read it (the sample decides nothing itself):
 *
 * <ul>
 *   <li><b>This node can reach a quorum</b>: {@link #quorum()}, i.e. at least one member served a
 *       linearizable read within the deadline. etcd serves one only after its leader confirmed its
 *       leadership with a majority, so one success is proof; a member cut off from the leader, or a
 *       leader election, does not make it false as long as another member serves.
 *   <li><b>No quorum, for sure</b>: {@link #majorityReportsNoLeader()}: a majority of the
 *       configured members answered and say they have no leader. etcd reports that one to two
 *       election timeouts after losing quorum; before that a failed read may mean slowness.
 *   <li><b>Stable again</b>: {@link #leaderId()} and {@link #raftTerm()} name the leadership a
 *       majority of members agree on. A policy that requires several consecutive samples with
 *       {@code quorum} on the same non-zero leader and term, spanning a few heartbeat intervals,
 *       returns quickly after a heal without flapping during an election.
 * </ul>
 *
 * @param quorum whether at least one member served a linearizable read within the deadline
 * @param readLatency how long the fastest successful linearizable read took (the deadline if none
 *     succeeded)
 * @param members each configured member's status, in configuration order
 * @param detail a short explanation for people (why there is no quorum)
 * @param revision etcd's current revision as the linearizable reads saw it (0 if unknown); the
 *     mirror's lag is this minus the local mirror revision
 * @param leaderId the leader named by a majority of the configured members in their statuses, or 0
 *     if no leader has a majority
 * @param raftTerm the highest raft term (of the last applied entry) reported by the members that
 *     name {@code leaderId}; 0 if {@code leaderId} is 0
 */
public record QuorumStatus(
    boolean quorum,
    Duration readLatency,
    List<MemberStatus> members,
    String detail,
    long revision,
    long leaderId,
    long raftTerm) {
  /** Copies the member list. */
  public QuorumStatus {
    members = List.copyOf(members);
  }

  /**
   * A sample without leader agreement (the form of the first version).
   *
   * @param quorum whether there is quorum
   * @param readLatency how long the quorum read took
   * @param members each member's status
   * @param detail a short explanation
   * @param revision etcd's revision as the read saw it
   */
  public QuorumStatus(
      boolean quorum,
      Duration readLatency,
      List<MemberStatus> members,
      String detail,
      long revision) {
    this(quorum, readLatency, members, detail, revision, 0, 0);
  }

  /**
   * A sample without a known revision.
   *
   * @param quorum whether there is quorum
   * @param readLatency how long the quorum read took
   * @param members each member's status
   * @param detail a short explanation
   */
  public QuorumStatus(
      boolean quorum, Duration readLatency, List<MemberStatus> members, String detail) {
    this(quorum, readLatency, members, detail, 0);
  }

  /** Returns how many members served the linearizable read. */
  public int servingMembers() {
    return (int) members.stream().filter(MemberStatus::serving).count();
  }

  /** Returns how many members answered and said they have no leader. */
  public int membersReportingNoLeader() {
    return (int) members.stream().filter(m -> m.state() == MemberStatus.State.NO_LEADER).count();
  }

  /**
   * Returns the number of members that make a majority of the configured ones (1 if none are
   * listed).
   */
  public int majority() {
    return members.size() / 2 + 1;
  }

  /**
   * Returns whether a majority of the configured members answered that they have no leader: etcd's
   * own verdict that quorum is lost, as opposed to a read that was merely slow.
   */
  public boolean majorityReportsNoLeader() {
    return !members.isEmpty() && membersReportingNoLeader() >= majority();
  }
}
