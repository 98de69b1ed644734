package org.hybridstore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.hybridstore.spi.MemberStatus.State;
import org.junit.jupiter.api.Test;

/** The health and merge records: derived values and the constructors of the first version. */
class SpiRecordsTest {
  private static MemberStatus member(String ep, State state, long leader) {
    return new MemberStatus(
        ep, state != State.UNREACHABLE, 1, leader, 2, 3, List.of(), state, Duration.ofMillis(5));
  }

  @Test
  void memberStatus_firstVersionConstructor_derivesTheState() {
    assertThat(new MemberStatus("a", false, 0, 0, 0, 0, List.of("refused")).state())
        .isEqualTo(State.UNREACHABLE);
    assertThat(new MemberStatus("a", true, 1, 0, 2, 3, List.of("etcdserver: no leader")).state())
        .isEqualTo(State.NO_LEADER);
    MemberStatus up = new MemberStatus("a", true, 1, 7, 2, 3, List.of());
    assertThat(up.state()).isEqualTo(State.UNKNOWN);
    assertThat(up.serving()).isFalse();
    assertThat(up.readLatency()).isEqualTo(Duration.ZERO);
  }

  @Test
  void quorumStatus_countsServingAndNoLeaderMembers() {
    QuorumStatus s =
        new QuorumStatus(
            true,
            Duration.ofMillis(3),
            List.of(
                member("a", State.SERVING, 7),
                member("b", State.STALLED, 7),
                member("c", State.NO_LEADER, 0)),
            "ok",
            42,
            7,
            5);
    assertThat(s.servingMembers()).isEqualTo(1);
    assertThat(s.membersReportingNoLeader()).isEqualTo(1);
    assertThat(s.majority()).isEqualTo(2);
    assertThat(s.majorityReportsNoLeader()).isFalse();
    assertThat(s.leaderId()).isEqualTo(7);
    assertThat(s.raftTerm()).isEqualTo(5);
  }

  @Test
  void quorumStatus_majoritySaysNoLeader() {
    QuorumStatus s =
        new QuorumStatus(
            false,
            Duration.ofMillis(300),
            List.of(
                member("a", State.NO_LEADER, 0),
                member("b", State.NO_LEADER, 0),
                member("c", State.UNREACHABLE, 0)),
            "no quorum",
            0,
            0,
            0);
    assertThat(s.majorityReportsNoLeader()).isTrue();
    // one no-leader answer out of three is not a verdict
    QuorumStatus one =
        new QuorumStatus(
            false,
            Duration.ofMillis(300),
            List.of(
                member("a", State.NO_LEADER, 0),
                member("b", State.UNREACHABLE, 0),
                member("c", State.UNREACHABLE, 0)),
            "no quorum",
            0,
            0,
            0);
    assertThat(one.majorityReportsNoLeader()).isFalse();
    assertThat(new QuorumStatus(false, Duration.ZERO, List.of(), "none").majorityReportsNoLeader())
        .isFalse();
  }

  @Test
  void quorumStatus_firstVersionConstructors_haveNoLeaderAgreement() {
    QuorumStatus s = new QuorumStatus(true, Duration.ofMillis(3), List.of(), "ok", 9);
    assertThat(s.revision()).isEqualTo(9);
    assertThat(s.leaderId()).isZero();
    assertThat(s.raftTerm()).isZero();
    assertThat(new QuorumStatus(false, Duration.ZERO, List.of(), "x").revision()).isZero();
  }

  @Test
  void mergeReport_firstVersionConstructor_countsNoTransactions() {
    MergeReport r = new MergeReport(List.of(), 2, 1);
    assertThat(r.transactions()).isZero();
    assertThat(r.retries()).isEqualTo(1);
  }

  @Test
  void strongBackend_countersDefaultToNone() {
    StrongBackend b =
        new StrongBackend() {
          @Override
          public java.util.concurrent.CompletionStage<BackendWrite> apply(
              org.hybridstore.OrderCommand command) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.util.concurrent.CompletionStage<
                  java.util.Optional<org.hybridstore.model.OrderRecord>>
              read(org.hybridstore.OrderId id, org.hybridstore.ReadConsistency consistency) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.util.concurrent.CompletionStage<MergeReport> mergeAll(
              java.util.Collection<org.hybridstore.model.OrderRecord> records) {
            throw new UnsupportedOperationException();
          }

          @Override
          public AutoCloseable watch(long fromRevision, ChangeListener listener) {
            throw new UnsupportedOperationException();
          }

          @Override
          public java.util.concurrent.CompletionStage<QuorumStatus> probe(Duration deadline) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void close() {}
        };
    assertThat(b.counters()).isEqualTo(StrongBackendCounters.NONE);
  }
}
