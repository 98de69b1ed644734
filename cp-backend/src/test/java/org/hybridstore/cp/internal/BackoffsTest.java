package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.hybridstore.CpConfig;
import org.junit.jupiter.api.Test;

/** The waits come from CpConfig through Resilience4j's IntervalFunction. */
class BackoffsTest {
  private final Backoffs backoffs =
      Backoffs.of(CpConfig.builder().endpoints(List.of(URI.create("http://h:1"))).build());

  @Test
  void afterLostRace_noneAfterTheFirst_thenGrowingJitterUpTo128Ms() {
    assertThat(backoffs.afterLostRace(1)).isZero();
    for (int i = 0; i < 1_000; i++) {
      assertThat(backoffs.afterLostRace(2)).isBetween(0L, 2L);
      assertThat(backoffs.afterLostRace(4)).isBetween(0L, 8L);
      assertThat(backoffs.afterLostRace(16)).isBetween(0L, 128L);
    }
  }

  @Test
  void memberRound_defaultGrowsFrom10To100Ms() {
    for (int i = 0; i < 1_000; i++) {
      assertThat(backoffs.memberRound().apply(1)).isBetween(0L, 20L);
      assertThat(backoffs.memberRound().apply(10)).isBetween(0L, 100L);
    }
  }

  @Test
  void watchReopen_isDeterministicAndCapped() {
    assertThat(backoffs.watchReopen().apply(1)).isEqualTo(100);
    assertThat(backoffs.watchReopen().apply(2)).isEqualTo(200);
    assertThat(backoffs.watchReopen().apply(10)).isEqualTo(2000);
  }

  @Test
  void configuredValues_areUsed() {
    Backoffs custom =
        Backoffs.of(
            CpConfig.builder()
                .endpoints(List.of(URI.create("http://h:1")))
                .casBackoff(new CpConfig.Backoff(Duration.ofMillis(5), Duration.ofMillis(5)))
                .watchBackoff(new CpConfig.Backoff(Duration.ofMillis(7), Duration.ofMillis(7)))
                .build());
    for (int i = 0; i < 100; i++) {
      assertThat(custom.afterLostRace(5)).isBetween(0L, 5L);
    }
    assertThat(custom.watchReopen().apply(3)).isEqualTo(7);
  }
}
