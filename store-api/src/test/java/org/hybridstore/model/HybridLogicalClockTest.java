package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.ClockSkewException;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {

  /** A physical clock the test moves by hand, forwards and backwards. */
  static final class ManualTime implements InstantSource {
    long millis;

    ManualTime(long millis) {
      this.millis = millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  @Property(tries = 1000)
  void readings_neverGoBackwards_underClockRegressionsAndRemoteStamps(@ForAll long seed) {
    Random random = new Random(seed);
    ManualTime time = new ManualTime(1_000_000);
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ofMillis(500));
    HybridTimestamp previous = HybridTimestamp.ZERO;
    for (int i = 0; i < 100; i++) {
      time.millis += random.nextInt(200) - 100; // regressions included
      HybridTimestamp next;
      if (random.nextBoolean()) {
        next = clock.now();
      } else {
        HybridTimestamp remote =
            new HybridTimestamp(time.millis + random.nextInt(1_000) - 500, random.nextInt(5));
        next = clock.observe(remote);
        assertThat(next).isGreaterThan(remote);
      }
      assertThat(next).isGreaterThan(previous);
      assertThat(next.wallMillis()).isGreaterThanOrEqualTo(time.millis);
      previous = next;
    }
  }

  @Test
  void observe_refusesStampTooFarAhead_andCountsIt() {
    ManualTime time = new ManualTime(10_000);
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ofMillis(500));
    HybridTimestamp before = clock.now();
    // When a peer's stamp is 501 ms ahead
    assertThatThrownBy(() -> clock.observe(new HybridTimestamp(10_501, 0)))
        .isInstanceOf(ClockSkewException.class)
        .hasMessageContaining("501 ms ahead");
    // Then it is counted and the clock did not move
    assertThat(clock.refusedStamps()).isEqualTo(1);
    assertThat(clock.last()).isEqualTo(before);
    // And a stamp exactly at the bound is accepted
    assertThat(clock.observe(new HybridTimestamp(10_500, 3)))
        .isEqualTo(new HybridTimestamp(10_500, 4));
  }

  @Test
  void now_countsLogicallyWhilePhysicalTimeStandsStill() {
    ManualTime time = new ManualTime(5);
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ZERO);
    assertThat(clock.now()).isEqualTo(new HybridTimestamp(5, 0));
    assertThat(clock.now()).isEqualTo(new HybridTimestamp(5, 1));
    time.millis = 3;
    assertThat(clock.now()).isEqualTo(new HybridTimestamp(5, 2));
    time.millis = 9;
    assertThat(clock.now()).isEqualTo(new HybridTimestamp(9, 0));
  }

  @Test
  void advanceTo_continuesAfterARestoredReading() {
    ManualTime time = new ManualTime(100);
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ZERO);
    clock.advanceTo(new HybridTimestamp(5_000, 7));
    assertThat(clock.now()).isEqualTo(new HybridTimestamp(5_000, 8));
  }
}
