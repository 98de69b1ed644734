package org.hybridstore.chaos.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
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
            },
            CpuMeter.PROCESS_ONLY);

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
            },
            CpuMeter.PROCESS_ONLY);

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
            w -> new CompletableFuture<>(),
            CpuMeter.PROCESS_ONLY);

    // Then it returns, with the timeouts counted as errors
    assertThat(m.ok()).isZero();
    assertThat(m.errors()).isPositive();
    assertThat(m.firstError()).contains("Timeout");
  }

  @Test
  void run_readsTheCpuOfTheWindow_perOperation() throws Exception {
    // Given operations that each burn 1 ms of their thread's CPU time (not wall time: a loaded
    // machine only makes them slower), and a meter that reads this very process as if it were an
    // etcd member (its /proc/<pid>/stat)
    long self = ProcessHandle.current().pid();
    CpuMeter meter = new CpuMeter(() -> List.of(self));

    // When 2 workers run them for a 600 ms window
    Measurement m =
        ClosedLoop.run(
            "burn",
            2,
            Duration.ofMillis(50),
            Duration.ofMillis(600),
            Duration.ofSeconds(1),
            w -> CompletableFuture.supplyAsync(() -> burn(1_000_000L)),
            meter);

    // Then the CPU per operation is at least what an operation burns, read both ways (the loop,
    // the JIT and the collector add some; the bounds catch a unit off by a thousand), and the
    // JIT's time is known
    assertThat(m.ok()).isPositive();
    assertThat(m.cpuMicrosPerOp()).isBetween(500.0, 200_000.0);
    assertThat(m.etcdCpuMicrosPerOp()).isBetween(300.0, 200_000.0);
    assertThat(m.compileMillis()).isNotNegative();
  }

  private static boolean burn(long cpuNanos) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long end = threads.getCurrentThreadCpuTime() + cpuNanos;
    long x = 0;
    while (threads.getCurrentThreadCpuTime() < end) {
      x += x * 31 + 7;
    }
    return x != 42 || cpuNanos > 0;
  }

  @Test
  void percentile_isNearestRank() {
    long[] ms = {1_000_000, 2_000_000, 3_000_000, 4_000_000};
    assertThat(ClosedLoop.percentile(ms, 0.5)).isEqualTo(2.0);
    assertThat(ClosedLoop.percentile(ms, 0.99)).isEqualTo(4.0);
    assertThat(ClosedLoop.percentile(new long[0], 0.5)).isNaN();
  }
}
