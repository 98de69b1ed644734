package org.hybridstore.chaos.cluster;

import java.util.List;
import java.util.Objects;

/**
 * One member's answer to etcd's Status RPC (read over the JSON gateway, {@code POST
 * /v3/maintenance/status}). Member ids are etcd's unsigned 64-bit ids in decimal.
 *
 * @param memberId the answering member's id
 * @param leaderId the leader it believes in, {@code "0"} for none
 * @param raftTerm its raft term
 * @param raftIndex its raft index
 * @param errors the errors it reports, e.g. {@code etcdserver: no leader}
 */
public record EtcdStatus(
    String memberId, String leaderId, long raftTerm, long raftIndex, List<String> errors) {

  /** Copies the errors and checks for nulls. */
  public EtcdStatus {
    Objects.requireNonNull(memberId, "memberId");
    Objects.requireNonNull(leaderId, "leaderId");
    errors = List.copyOf(errors);
  }

  /**
   * Whether the member names a leader and reports no error (faults.md §4: {@code leader == 0} with
   * {@code etcdserver: no leader} is the reliable sign of lost quorum, after ET to 2*ET).
   *
   * @return true if the member has a leader
   */
  public boolean hasLeader() {
    return !"0".equals(leaderId) && errors.isEmpty();
  }

  /**
   * Whether this member is the leader it names.
   *
   * @return true if it reports itself as leader
   */
  public boolean isLeader() {
    return hasLeader() && leaderId.equals(memberId);
  }
}
