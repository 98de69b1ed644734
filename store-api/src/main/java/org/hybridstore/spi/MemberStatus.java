package org.hybridstore.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one etcd member said about itself in the last probe, and whether it served a linearizable
 * read there.
 *
 * <p>A probe asks every configured member for its status (leader, raft term and index, errors) and
 * sends a linearizable read through it, both within the probe's deadline. Each member therefore
 * gets a {@link State}: {@link State#SERVING} when its read succeeded (a linearizable read in etcd
 * needs a leader that a majority still follows, so one such member proves quorum), otherwise why
 * not. A mode policy can tell "this node can reach a quorum" (at least one member serves) from "a
 * majority says there is no leader" ({@link QuorumStatus#majorityReportsNoLeader()}) from "slow or
 * cut off" ({@link State#STALLED}).
 *
 * @param endpoint the member's client URL, as configured
 * @param reachable whether it answered anything (status, read result or an error of its own) within
 *     the probe deadline
 * @param memberId its member id (0 if it did not answer)
 * @param leaderId the leader it follows according to its status; 0 if it has none or did not answer
 *     its status
 * @param raftTerm the raft term of its last applied entry (not the live term: an isolated member
 *     campaigning at higher terms keeps reporting the old one); a new leader's term shows here once
 *     its first entry is applied, within about a heartbeat
 * @param raftIndex its raft index
 * @param errors errors it reports, such as {@code etcdserver: no leader}, and why the probe's calls
 *     to it failed
 * @param state whether it served the probe's linearizable read, and if not, why
 * @param readLatency how long the linearizable read through it took (the probe deadline if it got
 *     no answer)
 */
public record MemberStatus(
    String endpoint,
    boolean reachable,
    long memberId,
    long leaderId,
    long raftTerm,
    long raftIndex,
    List<String> errors,
    State state,
    Duration readLatency) {

  /** Whether a member serves linearizable requests, as one probe saw it. */
  public enum State {
    /** The linearizable read through this member succeeded within the deadline. */
    SERVING,
    /**
     * The member answered and says it has no leader (status leader 0, or {@code etcdserver: no
     * leader}): positive evidence that it cannot reach a quorum.
     */
    NO_LEADER,
    /**
     * The member answered its status (so it is up and reachable) but its linearizable read did not
     * finish within the deadline or timed out: it is cut off from the leader, or everything is
     * slow. The two cannot be told apart until etcd's own election timeout makes it report no
     * leader.
     */
    STALLED,
    /** Nothing answered: connection refused, or no answer at all within the deadline. */
    UNREACHABLE,
    /**
     * The read failed for a reason that says nothing about quorum, such as TLS or authentication: a
     * configuration problem.
     */
    FAILED,
    /**
     * No linearizable read was sent through this member (a sample from a backend that does not).
     */
    UNKNOWN
  }

  /** Copies the error list and checks the new fields. */
  public MemberStatus {
    errors = List.copyOf(errors);
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(readLatency, "readLatency");
  }

  /**
   * A status without a linearizable read (the form of the first version): the state is {@link
   * State#UNREACHABLE} when it did not answer, {@link State#NO_LEADER} when it names no leader, and
   * {@link State#UNKNOWN} otherwise.
   *
   * @param endpoint the member's client URL
   * @param reachable whether it answered
   * @param memberId its member id
   * @param leaderId the leader it follows, 0 if none
   * @param raftTerm the raft term of its last applied entry
   * @param raftIndex its raft index
   * @param errors errors it reports
   */
  public MemberStatus(
      String endpoint,
      boolean reachable,
      long memberId,
      long leaderId,
      long raftTerm,
      long raftIndex,
      List<String> errors) {
    this(
        endpoint,
        reachable,
        memberId,
        leaderId,
        raftTerm,
        raftIndex,
        errors,
        !reachable ? State.UNREACHABLE : leaderId == 0 ? State.NO_LEADER : State.UNKNOWN,
        Duration.ZERO);
  }

  /** Returns whether this member served the probe's linearizable read. */
  public boolean serving() {
    return state == State.SERVING;
  }
}
