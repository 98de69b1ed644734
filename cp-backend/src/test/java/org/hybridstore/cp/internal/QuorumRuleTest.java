package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.hybridstore.cp.internal.EtcdErrors.Signal;
import org.hybridstore.cp.internal.QuorumRule.ReadAnswer;
import org.hybridstore.cp.internal.QuorumRule.StatusAnswer;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.MemberStatus.State;
import org.hybridstore.spi.QuorumStatus;
import org.junit.jupiter.api.Test;

/** Member states and the sample, from made-up answers. */
class QuorumRuleTest {
  private static final Duration DEADLINE = Duration.ofMillis(300);
  private static final ReadAnswer OK = ReadAnswer.success(Duration.ofMillis(4), 1, 42);

  private static StatusAnswer status(long member, long leader, long term, String... errors) {
    return new StatusAnswer(true, member, leader, term, 100, List.of(errors));
  }

  private static ReadAnswer failed(Signal signal) {
    return ReadAnswer.failure(
        signal == Signal.TIMEOUT ? DEADLINE : Duration.ofMillis(2), signal, signal.label());
  }

  private static MemberStatus member(String ep, StatusAnswer s, ReadAnswer r) {
    return QuorumRule.member(ep, s, r);
  }

  @Test
  void member_readOk_serving() {
    MemberStatus m = member("a", status(1, 7, 5), OK);
    assertThat(m.state()).isEqualTo(State.SERVING);
    assertThat(m.reachable()).isTrue();
    assertThat(m.leaderId()).isEqualTo(7);
    assertThat(m.readLatency()).isEqualTo(Duration.ofMillis(4));
  }

  @Test
  void member_statusWithoutLeader_noLeader() {
    assertThat(
            member("a", status(1, 0, 5, "etcdserver: no leader"), failed(Signal.TIMEOUT)).state())
        .isEqualTo(State.NO_LEADER);
    // the read alone may say it (hasleader header) while the status call failed
    MemberStatus m = member("a", StatusAnswer.failed("status: timeout"), failed(Signal.NO_LEADER));
    assertThat(m.state()).isEqualTo(State.NO_LEADER);
    assertThat(m.reachable()).isTrue();
  }

  @Test
  void majorityRefused_onlyWhenMoreThanHalfAreUnreachable_andNoneServed() {
    MemberStatus refused =
        member("a", StatusAnswer.failed("status: unreachable"), failed(Signal.UNREACHABLE));
    MemberStatus serving = member("b", status(2, 7, 5), OK);
    MemberStatus stalled = member("c", status(3, 7, 5), failed(Signal.TIMEOUT));
    assertThat(refused.state()).isEqualTo(State.UNREACHABLE);

    // two of three refused, the third still silent: stop waiting for it
    assertThat(QuorumRule.majorityRefused(List.of(refused, refused), 3)).isTrue();
    // one of three is not a majority; nor are two of five
    assertThat(QuorumRule.majorityRefused(List.of(refused), 3)).isFalse();
    assertThat(QuorumRule.majorityRefused(List.of(refused, refused), 5)).isFalse();
    // a member that served proves the quorum: wait for the rest as usual
    assertThat(QuorumRule.majorityRefused(List.of(refused, refused, serving), 3)).isFalse();
    // nor does a member that answers without serving count as refused
    assertThat(QuorumRule.majorityRefused(List.of(refused, stalled), 3)).isFalse();
    assertThat(QuorumRule.majorityRefused(List.of(), 3)).isFalse();
  }

  @Test
  void majorityServed_onlyWhenMoreThanHalfServedTheReadNamingOneLeader() {
    MemberStatus servingUnder7 = member("a", status(1, 7, 5), OK);
    MemberStatus servingUnder8 = member("b", status(2, 8, 6), OK);
    MemberStatus stalled = member("c", status(3, 7, 5), failed(Signal.TIMEOUT));

    // two of three served under one leader: the third cannot change the sample
    assertThat(QuorumRule.majorityServed(List.of(servingUnder7, servingUnder7), 3)).isTrue();
    // one of three, or two of five, is not a majority
    assertThat(QuorumRule.majorityServed(List.of(servingUnder7), 3)).isFalse();
    assertThat(QuorumRule.majorityServed(List.of(servingUnder7, servingUnder7), 5)).isFalse();
    // two that name different leaders do not agree
    assertThat(QuorumRule.majorityServed(List.of(servingUnder7, servingUnder8), 3)).isFalse();
    // a member that names the leader without serving the read does not count
    assertThat(QuorumRule.majorityServed(List.of(servingUnder7, stalled), 3)).isFalse();
    assertThat(QuorumRule.majorityServed(List.of(), 3)).isFalse();
  }

  @Test
  void member_statusAnsweredButReadHangs_stalled() {
    // cut off from the leader: answers its status (still naming the old leader), serves nothing
    MemberStatus m = member("a", status(1, 7, 5), failed(Signal.TIMEOUT));
    assertThat(m.state()).isEqualTo(State.STALLED);
    assertThat(m.errors()).anyMatch(e -> e.contains("linearizable read"));
  }

  @Test
  void member_nothingAnswers_unreachable() {
    MemberStatus m =
        member("a", StatusAnswer.failed("status: unreachable"), failed(Signal.UNREACHABLE));
    assertThat(m.state()).isEqualTo(State.UNREACHABLE);
    assertThat(m.reachable()).isFalse();
    assertThat(m.leaderId()).isZero();
  }

  @Test
  void member_tlsOrAuth_failed() {
    assertThat(member("a", StatusAnswer.failed("status: TLS"), failed(Signal.CONFIG)).state())
        .isEqualTo(State.FAILED);
  }

  @Test
  void decide_oneMemberServes_quorum_withLeaderAgreement() {
    QuorumStatus s =
        QuorumRule.decide(
            List.of(
                member("a", status(1, 7, 5), OK),
                member("b", status(2, 7, 5), failed(Signal.TIMEOUT)),
                member("c", status(3, 7, 4), failed(Signal.TIMEOUT))),
            DEADLINE,
            42);
    assertThat(s.quorum()).isTrue();
    assertThat(s.servingMembers()).isEqualTo(1);
    assertThat(s.readLatency()).isEqualTo(Duration.ofMillis(4));
    assertThat(s.revision()).isEqualTo(42);
    assertThat(s.leaderId()).isEqualTo(7);
    assertThat(s.raftTerm()).isEqualTo(5);
    assertThat(s.detail()).contains("1 of 3 members serve").contains("b stalled");
  }

  @Test
  void decide_partitionedOldLeaderNamesItself_majorityNamesTheNewOne() {
    QuorumStatus s =
        QuorumRule.decide(
            List.of(
                member("old", status(1, 1, 5), failed(Signal.TIMEOUT)),
                member("b", status(2, 2, 6), OK),
                member("c", status(3, 2, 6), OK)),
            DEADLINE,
            50);
    assertThat(s.quorum()).isTrue();
    assertThat(s.leaderId()).isEqualTo(2);
    assertThat(s.raftTerm()).isEqualTo(6);
    assertThat(s.members().get(0).state()).isEqualTo(State.STALLED);
  }

  @Test
  void decide_noReadServed_noQuorum_reportsTheDeadline() {
    QuorumStatus s =
        QuorumRule.decide(
            List.of(
                member("a", status(1, 7, 5), failed(Signal.TIMEOUT)),
                member("b", StatusAnswer.failed("x"), failed(Signal.UNREACHABLE)),
                member("c", StatusAnswer.failed("x"), failed(Signal.UNREACHABLE))),
            DEADLINE,
            0);
    assertThat(s.quorum()).isFalse();
    assertThat(s.readLatency()).isEqualTo(DEADLINE);
    assertThat(s.revision()).isZero();
    assertThat(s.leaderId()).isZero();
    assertThat(s.majorityReportsNoLeader()).isFalse();
    assertThat(s.detail()).startsWith("no quorum").contains("no leader named by a majority");
  }

  @Test
  void decide_majoritySaysNoLeader_isEtcdsOwnVerdict() {
    QuorumStatus s =
        QuorumRule.decide(
            List.of(
                member("a", status(1, 0, 5, "etcdserver: no leader"), failed(Signal.NO_LEADER)),
                member("b", status(2, 0, 5), failed(Signal.NO_LEADER)),
                member("c", StatusAnswer.failed("x"), failed(Signal.UNREACHABLE))),
            DEADLINE,
            0);
    assertThat(s.quorum()).isFalse();
    assertThat(s.majorityReportsNoLeader()).isTrue();
    assertThat(s.detail())
        .contains("a majority reports no leader")
        .contains("no member names a leader");
  }

  @Test
  void decide_splitLeaders_noAgreement() {
    QuorumStatus s =
        QuorumRule.decide(
            List.of(
                member("a", status(1, 7, 5), OK),
                member("b", status(2, 8, 6), OK),
                member("c", StatusAnswer.failed("x"), failed(Signal.UNREACHABLE))),
            DEADLINE,
            9);
    assertThat(s.quorum()).isTrue();
    assertThat(s.leaderId()).isZero();
    assertThat(s.raftTerm()).isZero();
  }
}
