package org.hybridstore.chaos.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FiguresTest {
  private static ModeSampler.Sample at(long sentMillis, String mode) {
    return new ModeSampler.Sample(sentMillis, "n1", mode, 3, 0, sentMillis, 0, 0, "");
  }

  @Test
  void notStrongTime_countsEachIntervalOnce_whileTheNodeIsDown() {
    // DEGRADED at 1 s, killed: no answer from 2 s to 7 s (a sample every 100 ms), STRONG again at 8 s
    List<ModeSampler.Sample> samples = new java.util.ArrayList<>(List.of(at(0, "STRONG"), at(1_000, "DEGRADED")));
    for (long t = 2_000; t <= 7_000; t += 100) {
      samples.add(at(t, "DOWN"));
    }
    samples.add(at(8_000, "STRONG"));
    samples.add(at(9_000, "STRONG"));
    // from the degrade to the return: 7 s, however many DOWN samples lie in between
    assertThat(Figures.notStrongMillis(samples, 0, 10_000)).isEqualTo(7_000);
    // clipped to the window
    assertThat(Figures.notStrongMillis(samples, 3_000, 5_000)).isEqualTo(2_000);
    assertThat(Figures.notStrongMillis(samples, 8_000, 10_000)).isZero();
  }
}
