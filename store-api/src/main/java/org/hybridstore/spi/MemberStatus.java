package org.hybridstore.spi;

import java.util.List;

/**
 * What one etcd member said about itself in the last probe.
 *
 * @param endpoint the member's client URL
 * @param reachable whether it answered within the probe deadline
 * @param memberId its member id (0 if unreachable)
 * @param leaderId the leader it follows; 0 if it has none
 * @param raftTerm the raft term of its last applied entry (not the live term)
 * @param raftIndex its raft index
 * @param errors errors it reports, such as {@code etcdserver: no leader}
 */
public record MemberStatus(String endpoint, boolean reachable, long memberId, long leaderId, long raftTerm,
    long raftIndex, List<String> errors) {
  /** Copies the error list. */
  public MemberStatus {
    errors = List.copyOf(errors);
  }
}
