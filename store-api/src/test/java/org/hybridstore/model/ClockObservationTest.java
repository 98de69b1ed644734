package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.hybridstore.ClockSkewException;
import org.hybridstore.model.HybridLogicalClockTest.ManualTime;
import org.junit.jupiter.api.Test;

/**
 * {@link HybridLogicalClock#tryObserve}: the non-throwing observe-or-refuse for every remote stamp.
 */
class ClockObservationTest {

  @Test
  void tryObserve_withinOffset_adoptsAndReturnsALaterReading() {
    // Given a clock at 10 s with a 500 ms maximum offset
    ManualTime time = new ManualTime(10_000);
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ofMillis(500));
    // When a stamp exactly 500 ms ahead arrives
    ClockObservation o = clock.tryObserve(new HybridTimestamp(10_500, 3));
    // Then it is adopted and the clock is past it
    assertThat(o.adopted()).isTrue();
    assertThat(o)
        .isInstanceOfSatisfying(
            ClockObservation.Adopted.class,
            a -> assertThat(a.reading()).isEqualTo(new HybridTimestamp(10_500, 4)));
    assertThat(clock.last()).isEqualTo(new HybridTimestamp(10_500, 4));
    assertThat(clock.refusedStamps()).isZero();
  }

  @Test
  void tryObserve_tooFarAhead_refusesCountsAndLeavesTheClock() {
    ManualTime time = new ManualTime(10_000);
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ofMillis(500));
    HybridTimestamp before = clock.now();
    // When a stamp 501 ms ahead arrives
    ClockObservation o = clock.tryObserve(new HybridTimestamp(10_501, 0));
    // Then it is refused, reported with how far ahead it was, counted, and the clock did not move
    assertThat(o).isEqualTo(new ClockObservation.Refused(new HybridTimestamp(10_501, 0), 501, 500));
    assertThat(o.adopted()).isFalse();
    assertThat(clock.refusedStamps()).isEqualTo(1);
    assertThat(clock.last()).isEqualTo(before);
    assertThat(((ClockObservation.Refused) o).toException())
        .isInstanceOf(ClockSkewException.class)
        .satisfies(e -> assertThat(e.aheadMillis()).isEqualTo(501));
  }

  @Test
  void withinOffset_neitherObservesNorCounts() {
    ManualTime time = new ManualTime(10_000);
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ofMillis(500));
    assertThat(clock.withinOffset(new HybridTimestamp(10_500, 0))).isTrue();
    assertThat(clock.withinOffset(new HybridTimestamp(10_501, 0))).isFalse();
    assertThat(clock.last()).isEqualTo(HybridTimestamp.ZERO);
    assertThat(clock.refusedStamps()).isZero();
  }

  /** tryObserve and observe agree on every stamp: same decision, same reading, same count. */
  @Property(tries = 500)
  void tryObserve_agreesWithObserve(
      @ForAll @LongRange(min = -5_000, max = 5_000) long aheadMillis,
      @ForAll @IntRange(min = 0, max = 10) int logical) {
    ManualTime t1 = new ManualTime(1_000_000);
    ManualTime t2 = new ManualTime(1_000_000);
    HybridLogicalClock a = new HybridLogicalClock(t1, Duration.ofMillis(1_000));
    HybridLogicalClock b = new HybridLogicalClock(t2, Duration.ofMillis(1_000));
    HybridTimestamp remote = new HybridTimestamp(1_000_000 + aheadMillis, logical);
    ClockObservation o = a.tryObserve(remote);
    HybridTimestamp thrownOrRead;
    try {
      thrownOrRead = b.observe(remote);
      assertThat(o).isEqualTo(new ClockObservation.Adopted(thrownOrRead));
      assertThat(thrownOrRead).isGreaterThan(remote);
    } catch (ClockSkewException e) {
      assertThat(o.adopted()).isFalse();
      assertThat(e.aheadMillis()).isEqualTo(aheadMillis);
    }
    assertThat(a.refusedStamps()).isEqualTo(b.refusedStamps());
    assertThat(a.last()).isEqualTo(b.last());
    assertThat(a.withinOffset(remote)).isEqualTo(o.adopted());
  }
}
