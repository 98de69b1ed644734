package org.hybridstore.chaos.bench;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSettingsTest {
  private static BenchSettings withBacklogs(List<Integer> backlogs) {
    BenchSettings d = BenchSettings.defaults();
    return new BenchSettings(
        d.seconds(),
        d.warmupSeconds(),
        d.rounds(),
        d.inFlight(),
        backlogs,
        d.heartbeatMs(),
        d.electionMs(),
        d.quick());
  }

  @Test
  void aBacklogSizeGivenTwice_isRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> withBacklogs(List.of(10_000, 1_000, 10_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("each backlog size may be given once: [10000, 1000, 10000]");
  }

  @Test
  void aBacklogOutsideItsBounds_isRefused() {
    assertThatThrownBy(() -> withBacklogs(List.of(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a backlog must be 1..100000 records: 0");
  }
}
