package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hybridstore.switchover.internal.FakeStrongBackend.failingWithLeader;
import static org.hybridstore.switchover.internal.FakeStrongBackend.noLeader;
import static org.hybridstore.switchover.internal.FakeStrongBackend.ok;
import static org.hybridstore.switchover.internal.FakeStrongBackend.unreachable;

import java.time.Duration;
import java.time.Instant;
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
    assertThat(new ModePolicy(config).initial(true, "ok", 3).to()).isEqualTo(Phase.RECONCILING);
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
    assertThat(fresh.onProbe(Phase.RECONCILING, unreachable(3, 0), now.plusMillis(100))).isEmpty();
    assertThat(fresh.onProbe(Phase.RECONCILING, unreachable(3, 0), now.plusMillis(200)))
        .isPresent();
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
    for (Phase phase : new Phase[] {Phase.STRONG, Phase.RECONCILING}) {
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
      assertThat(probe(Phase.RECONCILING, failingWithLeader(1))).isEmpty();
    }
    assertThat(probe(Phase.RECONCILING, failingWithLeader(1)))
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
              assertThat(d.to()).isEqualTo(Phase.RECONCILING);
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
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.RECONCILING));
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
      for (Phase phase : new Phase[] {Phase.STRONG, Phase.DEGRADED, Phase.RECONCILING}) {
        for (int i = 0; i < 600; i++) {
          assertThat(probe(phase, i % 2 == 0 ? ok(1) : failure))
              .as("%s probe %d", phase, i)
              .isEmpty();
        }
      }
    }
  }

  /** Runs one probe through the policy as the controller would; returns the phase after it. */
  private Phase step(Phase phase, QuorumStatus status, java.util.List<Phase> transitions) {
    Phase next = probe(phase, status).map(ModePolicy.Decision::to).orElse(phase);
    if (next == Phase.RECONCILING) {
      transitions.add(next);
      next = policy.onReconciled(next, 0).map(ModePolicy.Decision::to).orElse(next);
    }
    if (next != phase) {
      transitions.add(next);
    }
    return next;
  }

  @Test
  void lossyLink_staysDegradedInsteadOfGoingRoundEverySecond() {
    // Given a link that loses two probes in a row every six (a majority unreachable), for 6.2 s
    java.util.List<Phase> transitions = new java.util.ArrayList<>();
    Phase phase = Phase.STRONG;
    for (int i = 0; i < 62; i++) { // ends with two losses
      phase = step(phase, i % 6 < 2 ? unreachable(2, 1) : ok(1), transitions);
    }
    // Then one round trip and one more degrade, then it waits (a round trip every 600 ms without)
    assertThat(transitions)
        .containsExactly(Phase.DEGRADED, Phase.RECONCILING, Phase.STRONG, Phase.DEGRADED);
    assertThat(policy.requiredStablePeriod()).isEqualTo(Duration.ofMillis(400));

    // When the link heals, Then it returns after the doubled stable period
    int probes = 0;
    while (phase == Phase.DEGRADED && probes < 50) {
      phase = step(phase, ok(1), transitions);
      probes++;
    }
    assertThat(phase).isEqualTo(Phase.STRONG);
    assertThat(probes).as("probes 100 ms apart spanning 400 ms").isEqualTo(5);
  }

  @Test
  void flapDamping_doublesUpToTheCap_andADegradeLongAfterTheReturnStartsAgain() {
    java.util.List<Phase> transitions = new java.util.ArrayList<>();
    Phase phase = Phase.STRONG;
    java.util.List<Long> required = new java.util.ArrayList<>();
    for (int round = 0; round < 7; round++) {
      // degrade, then heal until it returns
      phase = step(phase, noLeader(), transitions);
      phase = step(phase, noLeader(), transitions);
      assertThat(phase).isEqualTo(Phase.DEGRADED);
      required.add(policy.requiredStablePeriod().toMillis());
      while (phase == Phase.DEGRADED) {
        phase = step(phase, ok(1), transitions);
      }
    }
    assertThat(required).containsExactly(200L, 400L, 800L, 1_600L, 3_200L, 3_200L, 3_200L);

    // A degrade more than 3 s after the last return is a new fault, not a flap
    now = now.plus(ModePolicy.FLAP_WINDOW);
    phase = step(phase, noLeader(), transitions);
    phase = step(phase, noLeader(), transitions);
    assertThat(phase).isEqualTo(Phase.DEGRADED);
    assertThat(policy.requiredStablePeriod()).isEqualTo(Duration.ofMillis(200));
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
    assertThat(policy.onBreakerOpened(Phase.RECONCILING))
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.DEGRADED));
    assertThat(policy.onBreakerOpened(Phase.DEGRADED)).isEmpty();
  }

  @Test
  void reconciled_becomesStrongOnlyWithAnEmptyBacklog() {
    assertThat(policy.onReconciled(Phase.RECONCILING, 3)).isEmpty();
    assertThat(policy.onReconciled(Phase.RECONCILING, 0))
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.STRONG));
    assertThat(policy.onReconciled(Phase.STRONG, 0)).isEmpty();
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
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.RECONCILING));
  }

  @Test
  void operator_reconcileRequestWhileProbesFail_waits() {
    policy.onForceDegrade(Phase.STRONG, "x");
    probe(Phase.DEGRADED, noLeader());
    assertThat(policy.onReconcileRequested(Phase.DEGRADED)).isEmpty();
    assertThat(policy.operatorHold()).isFalse();
  }
}
