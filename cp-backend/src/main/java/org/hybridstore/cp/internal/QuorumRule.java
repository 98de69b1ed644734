package org.hybridstore.cp.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.hybridstore.cp.internal.EtcdErrors.Signal;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.MemberStatus.State;
import org.hybridstore.spi.QuorumStatus;
import org.jspecify.annotations.Nullable;

/**
 * Turns a probe's answers into a {@link QuorumStatus}: per member a {@link State} from its status
 * and its linearizable read, then the sample. Pure; thread-safe.
 *
 * <p><b>Quorum</b> is "at least one member served the linearizable read": etcd serves one only
 * after its leader confirmed its leadership with a majority (read index), so one success proves
 * that this node reaches a quorum, whichever member it went through; a partitioned old leader that
 * still claims leadership cannot serve one. The members' statuses do not decide quorum (on a loaded
 * machine a status call can miss its deadline while all is well, docs/decisions.md 12), but they
 * tell <em>why</em> there is none: a majority reporting "no leader" is etcd's own verdict, which a
 * mode policy may act on at once, while reads that merely timed out may be slowness.
 *
 * <p><b>Leader agreement</b>: the leader id a majority of the configured members name, with the
 * highest raft term among them; a partitioned old leader names itself for one to two election
 * timeouts, so one member's word is not enough.
 */
final class QuorumRule {
  private QuorumRule() {}

  /**
   * A member's answer to the status call.
   *
   * @param answered whether it answered
   * @param memberId its id
   * @param leaderId the leader it names (0: none)
   * @param raftTerm the term of its last applied entry
   * @param raftIndex its raft index
   * @param errors what it reports (e.g. {@code etcdserver: no leader}), or why the call failed
   */
  record StatusAnswer(
      boolean answered,
      long memberId,
      long leaderId,
      long raftTerm,
      long raftIndex,
      List<String> errors) {
    static StatusAnswer failed(String why) {
      return new StatusAnswer(false, 0, 0, 0, 0, List.of(why));
    }
  }

  /**
   * The outcome of the linearizable read through a member.
   *
   * @param ok whether it succeeded
   * @param latency how long it took (the deadline if it got no answer)
   * @param memberId the id in the response header (0 if it failed)
   * @param revision the revision in the response header (0 if it failed)
   * @param signal what the failure says about the member (null if it succeeded)
   * @param error the failure's message (null if it succeeded)
   */
  record ReadAnswer(
      boolean ok,
      Duration latency,
      long memberId,
      long revision,
      @Nullable Signal signal,
      @Nullable String error) {
    static ReadAnswer success(Duration latency, long memberId, long revision) {
      return new ReadAnswer(true, latency, memberId, revision, null, null);
    }

    static ReadAnswer failure(Duration latency, Signal signal, String error) {
      return new ReadAnswer(false, latency, 0, 0, signal, error);
    }
  }

  /**
   * Decides one member's state.
   *
   * @param endpoint its URL
   * @param status its status answer
   * @param read its read outcome
   * @return the member's status for the sample
   */
  static MemberStatus member(String endpoint, StatusAnswer status, ReadAnswer read) {
    boolean noLeader =
        (status.answered()
                && (status.leaderId() == 0
                    || status.errors().stream().anyMatch(e -> e.contains("no leader"))))
            || read.signal() == Signal.NO_LEADER;
    State state;
    if (read.ok()) {
      state = State.SERVING;
    } else if (noLeader) {
      state = State.NO_LEADER;
    } else if (read.signal() == Signal.CONFIG
        || read.signal() == Signal.REQUEST
        || read.signal() == Signal.OTHER
        || read.signal() == Signal.STALE_TOKEN) {
      state = State.FAILED;
    } else if (status.answered()) {
      state = State.STALLED;
    } else {
      state = State.UNREACHABLE;
    }
    boolean reachable =
        status.answered() || read.ok() || (read.signal() != null && read.signal().answered());
    List<String> errors = new ArrayList<>(status.errors());
    if (!read.ok() && read.error() != null) {
      errors.add("linearizable read: " + read.error());
    }
    long memberId = status.memberId() != 0 ? status.memberId() : read.memberId();
    return new MemberStatus(
        endpoint,
        reachable,
        memberId,
        status.answered() ? status.leaderId() : 0,
        status.raftTerm(),
        status.raftIndex(),
        errors,
        state,
        read.latency());
  }

  /**
   * Whether the members that answered a probe so far show that a majority refused the connection
   * (unreachable before the deadline: killed, or refused by a firewall) while none served the read.
   * Then the probe need not wait long for the rest: if a remaining member reaches the quorum, it
   * serves the read within milliseconds.
   *
   * @param answered the members whose calls completed
   * @param configured how many members are configured
   * @return whether a majority is already known unreachable and none served
   */
  static boolean majorityRefused(List<MemberStatus> answered, int configured) {
    long refused = 0;
    for (MemberStatus m : answered) {
      if (m.serving()) {
        return false;
      }
      if (m.state() == State.UNREACHABLE) {
        refused++;
      }
    }
    return refused > configured / 2;
  }

  /**
   * Whether the answers so far make a good sample whatever the others say: a majority of the
   * configured members served the linearizable read and name the same leader.
   *
   * @param answered the statuses of the members that answered
   * @param configured how many members are configured
   */
  static boolean majorityServed(List<MemberStatus> answered, int configured) {
    Map<Long, Integer> votes = new TreeMap<>();
    for (MemberStatus m : answered) {
      if (m.serving()
          && m.leaderId() != 0
          && votes.merge(m.leaderId(), 1, Integer::sum) > configured / 2) {
        return true;
      }
    }
    return false;
  }

  /**
   * Builds the sample.
   *
   * @param members every configured member's status, in configuration order
   * @param deadline the probe's deadline (the latency reported when no read succeeded)
   * @param revision etcd's revision as the successful reads saw it (0 if none)
   * @return the sample
   */
  static QuorumStatus decide(List<MemberStatus> members, Duration deadline, long revision) {
    int majority = members.size() / 2 + 1;
    Map<Long, Integer> votes = new TreeMap<>();
    for (MemberStatus m : members) {
      if (m.leaderId() != 0) {
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
    long agreed = named >= majority ? leader : 0;
    long term = 0;
    for (MemberStatus m : members) {
      if (agreed != 0 && m.leaderId() == agreed) {
        term = Math.max(term, m.raftTerm());
      }
    }
    Duration fastest = null;
    int serving = 0;
    for (MemberStatus m : members) {
      if (m.serving()) {
        serving++;
        fastest =
            fastest == null || m.readLatency().compareTo(fastest) < 0 ? m.readLatency() : fastest;
      }
    }
    boolean quorum = serving > 0;
    List<String> why = new ArrayList<>();
    for (MemberStatus m : members) {
      if (!m.serving()) {
        why.add(
            m.endpoint()
                + " "
                + m.state().name().toLowerCase(java.util.Locale.ROOT)
                + (m.errors().isEmpty() ? "" : " " + m.errors()));
      }
    }
    String leaderText =
        agreed != 0
            ? "leader "
                + Long.toHexString(agreed)
                + " (term "
                + term
                + ") named by "
                + named
                + " of "
                + members.size()
            : votes.isEmpty()
                ? "no member names a leader"
                : "no leader named by a majority (best: "
                    + Long.toHexString(leader)
                    + " by "
                    + named
                    + " of "
                    + members.size()
                    + ", need "
                    + majority
                    + ")";
    String detail;
    if (quorum) {
      detail =
          serving
              + " of "
              + members.size()
              + " members serve linearizable reads (fastest "
              + Objects.requireNonNull(fastest).toMillis()
              + " ms); "
              + leaderText
              + (why.isEmpty() ? "" : "; " + String.join("; ", why));
    } else {
      long noLeader = members.stream().filter(m -> m.state() == State.NO_LEADER).count();
      detail =
          "no quorum: no member served a linearizable read within "
              + deadline.toMillis()
              + " ms"
              + (noLeader >= majority ? "; a majority reports no leader" : "")
              + "; "
              + leaderText
              + (why.isEmpty() ? "" : "; " + String.join("; ", why));
    }
    return new QuorumStatus(
        quorum,
        quorum ? Objects.requireNonNull(fastest) : deadline,
        members,
        detail,
        quorum ? revision : 0,
        agreed,
        term);
  }
}
