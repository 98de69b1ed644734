package org.hybridstore.cp.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.QuorumStatus;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a probe saw a quorum: the linearizable read succeeded. A linearizable read in
 * etcd needs the leader to confirm its leadership with a majority (ReadIndex), so its success is
 * proof of quorum on its own; a partitioned old leader that still claims leadership cannot serve
 * one. The members' own statuses (which leader each names, "no leader" errors) are reported for
 * people and dashboards but do not decide: on a loaded machine a status call can miss its deadline
 * while the cluster is fine, and deciding on it made healthy stores flap. Pure; thread-safe.
 */
final class QuorumRule {
  private QuorumRule() {}

  /**
   * Builds the sample.
   *
   * @param members every configured member's status
   * @param readLatency how long the quorum read took, or null if it failed
   * @param readError why the quorum read failed, or null
   * @param deadline the probe's deadline (reported as the latency of a failed read)
   * @param revision etcd's revision as the read saw it (0 if the read failed)
   * @return the sample
   */
  static QuorumStatus decide(List<MemberStatus> members, @Nullable Duration readLatency, @Nullable String readError,
      Duration deadline, long revision) {
    int majority = members.size() / 2 + 1;
    Map<Long, Integer> votes = new TreeMap<>();
    for (MemberStatus m : members) {
      if (m.reachable() && m.leaderId() != 0) {
        votes.merge(m.leaderId(), 1, Integer::sum);
      }
    }
    long leader = 0;
    int named = 0;
    for (Map.Entry<Long, Integer> e : votes.entrySet()) {
      if (e.getValue() > named) {
        leader = e.getKey();
        named = e.getValue();
      }
    }
    boolean agreed = named >= majority;
    boolean readOk = readError == null && readLatency != null;
    List<String> why = new ArrayList<>();
    if (!readOk) {
      why.add("quorum read failed: " + readError);
    }
    if (!agreed && !readOk) {
      why.add(votes.isEmpty() ? "no reachable member names a leader"
          : "only " + named + " of " + members.size() + " members name leader " + Long.toHexString(leader)
              + " (need " + majority + ")");
    }
    for (MemberStatus m : members) {
      if (!m.reachable()) {
        why.add(m.endpoint() + " unreachable");
      } else if (!m.errors().isEmpty()) {
        why.add(m.endpoint() + " reports " + m.errors());
      }
    }
    boolean quorum = readOk;
    String detail = quorum
        ? "quorum read took " + readLatency.toMillis() + " ms; leader " + Long.toHexString(leader) + " named by "
            + named + " of " + members.size() + " members" + (why.isEmpty() ? "" : "; " + String.join("; ", why))
        : "no quorum: " + String.join("; ", why);
    return new QuorumStatus(quorum, readOk ? readLatency : deadline, members, detail, quorum ? revision : 0);
  }
}
