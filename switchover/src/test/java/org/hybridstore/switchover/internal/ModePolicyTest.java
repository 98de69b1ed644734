package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hybridstore.switchover.internal.FakeStrongBackend.failingWithLeader;
import static org.hybridstore.switchover.internal.FakeStrongBackend.noLeader;
import static org.hybridstore.switchover.internal.FakeStrongBackend.ok;
import static org.hybridstore.switchover.internal.FakeStrongBackend.unreachable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hybridstore.SwitchoverConfig;
import org.hybridstore.spi.QuorumStatus;
import org.junit.jupiter.api.Test;

/** The switchover's decisions with made-up times; probes every 100 ms unless said otherwise. */
class ModePolicyTest {
  private final SwitchoverConfig config =
      SwitchoverConfig.builder()
          .failedProbesToDegrade(2)
          .electionGrace(Duration.ofMillis(1_500))
          .stableProbes(3)
          .stablePeriod(Duration.ofMillis(200))
          .build();
  private final ModePolicy policy = new ModePolicy(config);
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private Optional<ModePolicy.Decision> probe(Phase phase, QuorumStatus status) {
    now = now.plusMillis(100);
    return policy.onProbe(phase, status, now);
  }

  @Test
  void initial_followsTheFirstProbeAndTheBacklog() {
    assertThat(policy.initial(false, "no leader", 0).to()).isEqualTo(Phase.DEGRADED);
    assertThat(new ModePolicy(config).initial(true, "ok", 3))
        .satisfies(
            d -> {
              assertThat(d.to()).isEqualTo(Phase.STRONG);
              assertThat(d.reason()).contains("3 backlog records to fold");
            });
    assertThat(new ModePolicy(config).initial(true, "ok", 0).to()).isEqualTo(Phase.STRONG);
    assertThat(policy.initial(false, "no leader", 0).reason()).contains("no leader");
  }

  @Test
  void quorumLoss_everyReachableMemberWithoutALeader_degradesAfterTwoProbes() {
    assertThat(probe(Phase.STRONG, noLeader())).isEmpty();
    assertThat(probe(Phase.STRONG, noLeader()))
        .hasValueSatisfying(
            d -> {
              assertThat(d.to()).isEqualTo(Phase.DEGRADED);
              assertThat(d.reason()).contains("no reachable member with a leader");
            });
  }

  @Test
  void quorumLoss_aMajorityUnreachable_degradesAfterTwoProbes_beforeTheSurvivorSaysNoLeader() {
    // Given two of three members killed or frozen; the third still names the old leader
    assertThat(probe(Phase.STRONG, unreachable(2, 1))).isEmpty();
    assertThat(probe(Phase.STRONG, unreachable(2, 1)))
        .hasValueSatisfying(
            d -> {
              assertThat(d.to()).isEqualTo(Phase.DEGRADED);
              assertThat(d.reason()).contains("a majority unreachable");
            });
    // And the same with every member gone
    ModePolicy fresh = new ModePolicy(config);
    assertThat(fresh.onProbe(Phase.STRONG, unreachable(3, 0), now.plusMillis(100))).isEmpty();
    assertThat(fresh.onProbe(Phase.STRONG, unreachable(3, 0), now.plusMillis(200))).isPresent();
  }

  @Test
  void leaderUnreachable_aMinority_isAnElection_notAQuorumLoss() {
    // Given the leader's member killed: one of three unreachable, the others still name it
    for (int i = 0; i < 14; i++) {
      assertThat(probe(Phase.STRONG, unreachable(1, 1))).as("probe %d", i).isEmpty();
    }
    // When a new leader serves, Then nothing changed
    assertThat(probe(Phase.STRONG, ok(2))).isEmpty();
  }

  @Test
  void aMajorityUnreachableOneTimeInTwo_neverChangesTheMode() {
    for (Phase phase : new Phase[] {Phase.STRONG, Phase.DEGRADED}) {
      for (int i = 0; i < 600; i++) {
        assertThat(probe(phase, i % 2 == 0 ? ok(1) : unreachable(2, 1)))
            .as("%s probe %d", phase, i)
            .isEmpty();
      }
    }
  }

  @Test
  void leaderElection_membersStillNamingALeader_doesNotDegradeWithinTheGrace() {
    // Given probes failing for 1.4 s while the members name the (old) leader: an election
    for (int i = 0; i < 14; i++) {
      assertThat(probe(Phase.STRONG, failingWithLeader(1))).as("probe %d", i).isEmpty();
    }
    // When a new leader serves, Then nothing changed; the next failure run starts from zero
    assertThat(probe(Phase.STRONG, ok(2))).isEmpty();
    for (int i = 0; i < 14; i++) {
      assertThat(probe(Phase.STRONG, failingWithLeader(2))).isEmpty();
    }
  }

  @Test
  void failuresLongerThanAnElection_degradeWhateverTheMembersSay() {
    // The first failure starts the clock; 15 more probes span 1.5 s
    for (int i = 0; i < 15; i++) {
      assertThat(probe(Phase.STRONG, failingWithLeader(1))).isEmpty();
    }
    assertThat(probe(Phase.STRONG, failingWithLeader(1)))
        .hasValueSatisfying(
            d -> {
              assertThat(d.to()).isEqualTo(Phase.DEGRADED);
              assertThat(d.reason()).contains("longer than an election");
            });
  }

  @Test
  void degraded_returnsAfterStableProbesOnOneLeader() {
    assertThat(probe(Phase.DEGRADED, ok(7))).isEmpty();
    assertThat(probe(Phase.DEGRADED, ok(7))).isEmpty();
    assertThat(probe(Phase.DEGRADED, ok(7)))
        .hasValueSatisfying(
            d -> {
              assertThat(d.to()).isEqualTo(Phase.STRONG);
              assertThat(d.reason()).contains("3 probes on leader 7").contains("200 ms");
            });
  }

  @Test
  void degraded_aLeaderChangeStartsTheCountAgain() {
    probe(Phase.DEGRADED, ok(7));
    probe(Phase.DEGRADED, ok(7));
    assertThat(probe(Phase.DEGRADED, ok(8))).isEmpty();
    assertThat(probe(Phase.DEGRADED, ok(8))).isEmpty();
    assertThat(probe(Phase.DEGRADED, ok(8)))
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.STRONG));
  }

  @Test
  void degraded_theStablePeriodCountsToo() {
    // Three probes 50 ms apart span only 100 ms
    now = now.plusMillis(50);
    assertThat(policy.onProbe(Phase.DEGRADED, ok(1), now)).isEmpty();
    now = now.plusMillis(50);
    assertThat(policy.onProbe(Phase.DEGRADED, ok(1), now)).isEmpty();
    now = now.plusMillis(50);
    assertThat(policy.onProbe(Phase.DEGRADED, ok(1), now)).isEmpty();
    now = now.plusMillis(60);
    assertThat(policy.onProbe(Phase.DEGRADED, ok(1), now)).as("160 ms").isEmpty();
    now = now.plusMillis(40);
    assertThat(policy.onProbe(Phase.DEGRADED, ok(1), now)).as("200 ms").isPresent();
  }

  @Test
  void flappingProbe_neverChangesTheMode() {
    // Given a probe that fails one time in two, for a minute, in every phase, however it fails
    for (QuorumStatus failure : new QuorumStatus[] {noLeader(), failingWithLeader(1)}) {
      for (Phase phase : new Phase[] {Phase.STRONG, Phase.DEGRADED}) {
        for (int i = 0; i < 600; i++) {
          assertThat(probe(phase, i % 2 == 0 ? ok(1) : failure))
              .as("%s probe %d", phase, i)
              .isEmpty();
        }
      }
    }
  }

  @Test
  void breaker_degradesOnlyWhileProbesFailToo() {
    // Given writes failing while the probe succeeds (slow or contended etcd)
    probe(Phase.STRONG, ok(1));
    assertThat(policy.onBreakerOpened(Phase.STRONG)).isEmpty();
    // Nor while probes fail one time in two
    probe(Phase.STRONG, failingWithLeader(1));
    assertThat(policy.onBreakerOpened(Phase.STRONG)).isEmpty();
    // When the probes fail as well, twice in a row
    probe(Phase.STRONG, failingWithLeader(1));
    assertThat(policy.onBreakerOpened(Phase.STRONG))
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.DEGRADED));
    assertThat(policy.onBreakerOpened(Phase.DEGRADED)).isEmpty();
  }

  @Test
  void quorumLostAndBack_isTwoTransitions() {
    // Given a STRONG store; When the quorum goes and comes back on a new leader, for a minute of
    // probes each, Then the policy decides exactly twice: STRONG -> DEGRADED -> STRONG
    Phase phase = Phase.STRONG;
    List<Phase> decided = new ArrayList<>();
    for (QuorumStatus status : new QuorumStatus[] {noLeader(), ok(2)}) {
      for (int i = 0; i < 600; i++) {
        Optional<ModePolicy.Decision> d = probe(phase, status);
        if (d.isPresent()) {
          phase = d.get().to();
          decided.add(phase);
        }
      }
    }
    assertThat(decided).containsExactly(Phase.DEGRADED, Phase.STRONG);
  }

  /** Two no-leader probes in STRONG: the policy degrades. */
  private void degradeNow() {
    probe(Phase.STRONG, noLeader());
    assertThat(probe(Phase.STRONG, noLeader())).isPresent();
  }

  /**
   * Stays DEGRADED for {@code stayProbes} probes, the last three good ones: the policy returns to
   * STRONG on the last.
   */
  private void stayAndReturn(int stayProbes) {
    for (int i = 0; i < stayProbes - 3; i++) {
      assertThat(probe(Phase.DEGRADED, noLeader())).isEmpty();
    }
    probe(Phase.DEGRADED, ok(1));
    probe(Phase.DEGRADED, ok(1));
    assertThat(probe(Phase.DEGRADED, ok(1)))
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.STRONG));
  }

  @Test
  void afterAShortStay_failureBurstsDoNotDegrade_unbrokenFailureStillDoes() {
    // Given a node that went round in 0.5 s (a lossy link's first burst)
    degradeNow();
    stayAndReturn(5);
    Phase phase = Phase.STRONG;
    // When bursts of 5 failed probes alternate with 5 good ones for a minute
    for (int i = 0; i < 600; i++) {
      assertThat(probe(phase, i % 10 < 5 ? unreachable(2, 1) : ok(1))).as("probe %d", i).isEmpty();
    }
    // And the breaker opens during a burst
    probe(phase, unreachable(2, 1));
    probe(phase, unreachable(2, 1));
    assertThat(policy.onBreakerOpened(phase)).isEmpty();
    // Then only failure for longer than an election degrades it
    Optional<ModePolicy.Decision> d = Optional.empty();
    int probes = 2;
    while (d.isEmpty()) {
      d = probe(phase, unreachable(2, 1));
      probes++;
    }
    assertThat(probes).isEqualTo(16);
    assertThat(d.get().reason()).contains("longer than an election");
  }

  @Test
  void afterAShortStay_theFastRuleReturnsOnceBurstsStop() {
    degradeNow();
    stayAndReturn(5);
    Phase phase = Phase.STRONG;
    // Given a burst during the hold, then 3.7 s of good probes
    probe(phase, noLeader());
    assertThat(probe(phase, noLeader())).isEmpty();
    for (int i = 0; i < 37; i++) {
      probe(phase, ok(1));
    }
    // When two no-leader probes come, the second 3.9 s after the burst: still held (and longer)
    probe(phase, noLeader());
    assertThat(probe(phase, noLeader())).isEmpty();
    for (int i = 0; i < 40; i++) {
      probe(phase, ok(1));
    }
    // When 4 s pass without a burst: two no-leader probes degrade at once again
    probe(phase, noLeader());
    assertThat(probe(phase, noLeader()))
        .hasValueSatisfying(
            d -> assertThat(d.reason()).contains("2 consecutive probes found no quorum"));
  }

  @Test
  void afterALongStay_theFastRulesStay() {
    // Given a quorum loss of 6 s (a fault window), then the return
    degradeNow();
    stayAndReturn(60);
    // Then the next quorum loss degrades after two probes
    degradeNow();
    // And after another 6 s stay and return, the breaker with two failed probes degrades too
    stayAndReturn(60);
    probe(Phase.STRONG, failingWithLeader(1));
    probe(Phase.STRONG, failingWithLeader(1));
    assertThat(policy.onBreakerOpened(Phase.STRONG)).isPresent();
  }

  @Test
  void operator_holdsDegradedUntilAReconcileRequest() {
    assertThat(policy.onForceDegrade(Phase.STRONG, "maintenance"))
        .hasValueSatisfying(
            d -> {
              assertThat(d.to()).isEqualTo(Phase.DEGRADED);
              assertThat(d.reason()).contains("maintenance");
            });
    for (int i = 0; i < 20; i++) {
      assertThat(probe(Phase.DEGRADED, ok(1))).isEmpty();
    }
    assertThat(policy.onReconcileRequested(Phase.DEGRADED))
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.STRONG));
  }

  @Test
  void operator_reconcileRequestWhileProbesFail_waits() {
    policy.onForceDegrade(Phase.STRONG, "x");
    probe(Phase.DEGRADED, noLeader());
    assertThat(policy.onReconcileRequested(Phase.DEGRADED)).isEmpty();
    assertThat(policy.operatorHold()).isFalse();
  }
}
