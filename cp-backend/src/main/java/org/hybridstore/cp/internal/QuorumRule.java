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
 * Decides whether a probe saw a quorum: the linearizable read succeeded <em>and</em> a majority of
 * the configured members name the same non-zero leader. Requiring agreement, not one member's
 * word, matters because a partitioned old leader keeps claiming leadership for one to two election
 * timeouts (faults.md section 4). Pure; thread-safe.
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
   * @return the sample
   */
  static QuorumStatus decide(List<MemberStatus> members, @Nullable Duration readLatency, @Nullable String readError,
      Duration deadline) {
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
    if (!agreed) {
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
    boolean quorum = readOk && agreed;
    String detail = quorum
        ? "leader " + Long.toHexString(leader) + " named by " + named + " of " + members.size()
            + " members; quorum read took " + readLatency.toMillis() + " ms"
            + (why.isEmpty() ? "" : "; " + String.join("; ", why))
        : "no quorum: " + String.join("; ", why);
    return new QuorumStatus(quorum, readOk ? readLatency : deadline, members, detail);
  }
}
