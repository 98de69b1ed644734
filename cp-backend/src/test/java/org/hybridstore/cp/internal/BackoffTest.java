package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void backoff_noneAfterTheFirstLostRace_thenGrowingJitterUpTo128Ms() {
    assertThat(EtcdOrderBackend.backoff(0)).isZero();
    for (int i = 0; i < 1_000; i++) {
      assertThat(EtcdOrderBackend.backoff(1)).isBetween(1L, 2L);
      assertThat(EtcdOrderBackend.backoff(3)).isBetween(1L, 8L);
      assertThat(EtcdOrderBackend.backoff(16)).isBetween(1L, 128L);
    }
  }
}
