package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.hybridstore.spi.MemberStatus;
import org.hybridstore.spi.QuorumStatus;
import org.junit.jupiter.api.Test;

class QuorumRuleTest {
  private static final Duration DEADLINE = Duration.ofMillis(300);

  private static MemberStatus up(String ep, long leader, String... errors) {
    return new MemberStatus(ep, true, ep.hashCode(), leader, 5, 100, List.of(errors));
  }

  private static MemberStatus down(String ep) {
    return new MemberStatus(ep, false, 0, 0, 0, 0, List.of("connection refused"));
  }

  @Test
  void allAgreeAndReadOk_quorum() {
    QuorumStatus s = QuorumRule.decide(List.of(up("a", 7), up("b", 7), up("c", 7)), Duration.ofMillis(4), null, DEADLINE, 42);
    assertThat(s.quorum()).isTrue();
    assertThat(s.readLatency()).isEqualTo(Duration.ofMillis(4));
    assertThat(s.detail()).contains("leader 7 named by 3 of 3");
  }

  @Test
  void majorityAgreesOneDown_quorum() {
    QuorumStatus s = QuorumRule.decide(List.of(up("a", 7), up("b", 7), down("c")), Duration.ofMillis(4), null, DEADLINE, 42);
    assertThat(s.quorum()).isTrue();
    assertThat(s.detail()).contains("c unreachable");
  }

  @Test
  void readFailed_noQuorumEvenIfLeadersAgree() {
    QuorumStatus s = QuorumRule.decide(List.of(up("a", 7), up("b", 7), up("c", 7)), null, "timed out", DEADLINE, 42);
    assertThat(s.quorum()).isFalse();
    assertThat(s.readLatency()).isEqualTo(DEADLINE);
    assertThat(s.detail()).contains("quorum read failed: timed out");
  }

  @Test
  void statusCallsTimedOutButReadOk_quorum_theReadAloneProvesIt() {
    // On a loaded machine status calls miss their deadline while the cluster is fine.
    QuorumStatus s = QuorumRule.decide(List.of(up("a", 7), down("b"), down("c")), Duration.ofMillis(4), null, DEADLINE, 42);
    assertThat(s.quorum()).isTrue();
    assertThat(s.revision()).isEqualTo(42);
    assertThat(s.detail()).contains("b unreachable");
  }

  @Test
  void partitionedOldLeaderStillNamesItself_butTheReadFails_noQuorum() {
    QuorumStatus s = QuorumRule.decide(List.of(up("a", 7), down("b"), down("c")), null, "deadline exceeded", DEADLINE, 42);
    assertThat(s.quorum()).isFalse();
    assertThat(s.revision()).isZero();
    assertThat(s.detail()).contains("only 1 of 3 members name leader 7 (need 2)");
  }

  @Test
  void survivorReportsNoLeader_noQuorum() {
    QuorumStatus s = QuorumRule.decide(List.of(up("a", 0, "etcdserver: no leader"), down("b"), down("c")), null,
        "etcdserver: no leader", DEADLINE, 42);
    assertThat(s.quorum()).isFalse();
    assertThat(s.detail()).contains("no reachable member names a leader").contains("[etcdserver: no leader]");
  }

  @Test
  void splitLeaders_withAFailedRead_noQuorum() {
    QuorumStatus s = QuorumRule.decide(List.of(up("a", 7), up("b", 8), down("c")), null, "timed out", DEADLINE, 42);
    assertThat(s.quorum()).isFalse();
  }
}
