package org.hybridstore.switchover.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.hybridstore.SwitchoverConfig;
import org.junit.jupiter.api.Test;

class ModePolicyTest {
  private final SwitchoverConfig config = SwitchoverConfig.builder().failedProbesToDegrade(3)
      .stablePeriod(Duration.ofMillis(1_000)).build();
  private final ModePolicy policy = new ModePolicy(config);
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");

  private Optional<ModePolicy.Decision> probe(Phase phase, boolean ok) {
    now = now.plusMillis(100);
    return policy.onProbe(phase, ok, now, ok ? "ok" : "no leader");
  }

  @Test
  void strong_degradesAfterTheConfiguredConsecutiveFailures() {
    assertThat(probe(Phase.STRONG, false)).isEmpty();
    assertThat(probe(Phase.STRONG, false)).isEmpty();
    assertThat(probe(Phase.STRONG, false)).hasValueSatisfying(d -> {
      assertThat(d.to()).isEqualTo(Phase.DEGRADED);
      assertThat(d.reason()).contains("3 consecutive probes failed").contains("no leader");
    });
  }

  @Test
  void strong_aSuccessResetsTheFailureCount() {
    probe(Phase.STRONG, false);
    probe(Phase.STRONG, false);
    probe(Phase.STRONG, true);
    assertThat(probe(Phase.STRONG, false)).isEmpty();
    assertThat(probe(Phase.STRONG, false)).isEmpty();
  }

  @Test
  void degraded_reconcilesOnlyAfterTheStablePeriod() {
    for (int i = 0; i < 9; i++) {
      assertThat(probe(Phase.DEGRADED, true)).as("probe %d", i).isEmpty();
    }
    // The 11th successful probe is 1,000 ms after the first one.
    assertThat(probe(Phase.DEGRADED, true)).isEmpty();
    assertThat(probe(Phase.DEGRADED, true)).hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.RECONCILING));
  }

  @Test
  void flappingProbe_neverChangesTheMode() {
    // Given a probe that fails one time in two, for a minute, in every phase
    for (Phase phase : new Phase[] {Phase.STRONG, Phase.DEGRADED, Phase.RECONCILING}) {
      for (int i = 0; i < 600; i++) {
        assertThat(probe(phase, i % 2 == 0)).as("%s probe %d", phase, i).isEmpty();
      }
    }
  }

  @Test
  void breaker_degradesAStrongStoreOnly() {
    assertThat(policy.onBreakerOpened(Phase.STRONG)).hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.DEGRADED));
    assertThat(policy.onBreakerOpened(Phase.DEGRADED)).isEmpty();
    assertThat(policy.onBreakerOpened(Phase.RECONCILING)).isEmpty();
  }

  @Test
  void reconcilingWithFailingProbes_goesBackToDegraded() {
    probe(Phase.RECONCILING, false);
    probe(Phase.RECONCILING, false);
    assertThat(probe(Phase.RECONCILING, false)).hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.DEGRADED));
  }

  @Test
  void reconciled_becomesStrongOnlyWithAnEmptyBacklog() {
    assertThat(policy.onReconciled(Phase.RECONCILING, 3)).isEmpty();
    assertThat(policy.onReconciled(Phase.RECONCILING, 0)).hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.STRONG));
    assertThat(policy.onReconciled(Phase.STRONG, 0)).isEmpty();
  }

  @Test
  void forcedDegrade_holdsUntilReconcileIsRequested() {
    assertThat(policy.onForceDegrade(Phase.STRONG, "etcd upgrade")).hasValueSatisfying(d -> {
      assertThat(d.to()).isEqualTo(Phase.DEGRADED);
      assertThat(d.reason()).contains("etcd upgrade");
    });
    for (int i = 0; i < 50; i++) {
      assertThat(probe(Phase.DEGRADED, true)).isEmpty();
    }
    assertThat(policy.onReconcileRequested(Phase.DEGRADED))
        .hasValueSatisfying(d -> assertThat(d.to()).isEqualTo(Phase.RECONCILING));
  }

  @Test
  void reconcileRequest_waitsForASuccessfulProbe() {
    probe(Phase.DEGRADED, false);
    assertThat(policy.onReconcileRequested(Phase.DEGRADED)).isEmpty();
    probe(Phase.DEGRADED, true);
    assertThat(policy.onReconcileRequested(Phase.DEGRADED)).isPresent();
  }
}
