package org.hybridstore.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {
  private static CompletableFuture<Boolean> after(long millis, boolean value) {
    return CompletableFuture.supplyAsync(
        () -> value, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
  }

  @Test
  void run_countsOnlyTheWindow_andOneRequestPerWorker() throws Exception {
    // Given operations that take 10 ms
    AtomicLong inFlight = new AtomicLong();
    AtomicLong maxInFlight = new AtomicLong();

    // When 4 workers run for 100 ms of warm-up and a 400 ms window
    Measurement m =
        ClosedLoop.run(
            "sleep",
            4,
            Duration.ofMillis(100),
            Duration.ofMillis(400),
            Duration.ofSeconds(1),
            w -> {
              maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              return after(10, true).whenComplete((r, e) -> inFlight.decrementAndGet());
            });

    // Then at most 4 were in flight, about 4 / 10 ms were counted, and the latency is about 10 ms
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(4);
    assertThat(m.ok()).isBetween(40L, 170L);
    assertThat(m.opsPerSecond()).isEqualTo(m.ok() / 0.4, org.assertj.core.data.Offset.offset(0.01));
    assertThat(m.p50Ms()).isBetween(9.0, 100.0);
    assertThat(m.errors()).isZero();
    assertThat(m.inFlight()).isEqualTo(4);
  }

  @Test
  void run_countsOtherOutcomesAndErrorsApart() throws Exception {
    // Given one worker whose operations alternate: expected, other, failed
    AtomicLong n = new AtomicLong();

    // When it runs
    Measurement m =
        ClosedLoop.run(
            "mixed",
            1,
            Duration.ZERO,
            // long enough for all three kinds on a loaded machine (at 300 ms a 5 ms operation
            // once took the whole window during a chaos run on the same two cores)
            Duration.ofSeconds(2),
            Duration.ofSeconds(1),
            w -> {
              long i = n.getAndIncrement();
              return i % 3 == 2
                  ? CompletableFuture.failedFuture(new IllegalStateException("boom"))
                  : after(5, i % 3 == 0);
            });

    // Then each kind is counted, failures pause the worker, and the first error is kept
    assertThat(m.ok()).isPositive();
    assertThat(m.other()).isPositive();
    assertThat(m.errors()).isPositive();
    assertThat(m.firstError()).contains("boom");
  }

  @Test
  void run_boundsAnOperationThatNeverCompletes() throws Exception {
    // Given an operation that never completes
    // When it runs with a 50 ms operation timeout
    Measurement m =
        ClosedLoop.run(
            "hang",
            2,
            Duration.ZERO,
            Duration.ofMillis(300),
            Duration.ofMillis(50),
            w -> new CompletableFuture<>());

    // Then it returns, with the timeouts counted as errors
    assertThat(m.ok()).isZero();
    assertThat(m.errors()).isPositive();
    assertThat(m.firstError()).contains("Timeout");
  }

  @Test
  void percentile_isNearestRank() {
    long[] ms = {1_000_000, 2_000_000, 3_000_000, 4_000_000};
    assertThat(ClosedLoop.percentile(ms, 0.5)).isEqualTo(2.0);
    assertThat(ClosedLoop.percentile(ms, 0.99)).isEqualTo(4.0);
    assertThat(ClosedLoop.percentile(new long[0], 0.5)).isNaN();
  }
}
