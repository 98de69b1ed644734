package org.hybridstore.chaos.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * A closed-loop load generator, the approach of cp-backend's {@code CasBenchmark} and ap-backend's
 * {@code JournalBenchmark}: each of N workers has exactly one request in flight and issues its next
 * request from the previous one's completion, so the offered load adapts to the system and the
 * figures compare like with like.
 *
 * <p>Design: the loop runs for warm-up plus the measured window without a pause between them; an
 * operation counts if it completes inside the window (its latency is its full duration). Workers
 * stop issuing at the window's end and the run waits, bounded, for their last requests. Every
 * operation gets a client-side timeout on top of the deadlines of the calls it makes, and a failed
 * operation is re-issued after a short pause, so a dead system cannot spin a worker hot. A worker's
 * counters are touched only by its own completion chain (one request at a time) and read after the
 * latch, so they need no locks.
 */
final class ClosedLoop {
  /** Pause before a worker re-issues after a failure. */
  static final Duration RETRY_PAUSE = Duration.ofMillis(20);

  private static final Executor RETRY =
      CompletableFuture.delayedExecutor(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS);

  private ClosedLoop() {}

  /**
   * Runs the loop and returns what it measured.
   *
   * @param name what is measured, for the result and error messages
   * @param workers requests in flight
   * @param warmup time before the window opens
   * @param window the measured window
   * @param opTimeout the bound on one operation
   * @param op issues worker {@code i}'s next operation; its stage completes with {@code true} when
   *     the operation did what the pair measures, {@code false} when it completed otherwise
   * @param meter read when the window opens and when it closes
   * @return the measurement
   * @throws BenchmarkException if workers are still waiting long after the window closed
   * @throws InterruptedException if interrupted while waiting
   */
  static Measurement run(
      String name,
      int workers,
      Duration warmup,
      Duration window,
      Duration opTimeout,
      IntFunction<? extends CompletionStage<Boolean>> op,
      CpuMeter meter)
      throws InterruptedException {
    long start = System.nanoTime();
    long windowStart = start + warmup.toNanos();
    long windowEnd = windowStart + window.toNanos();
    CountDownLatch done = new CountDownLatch(workers);
    Worker[] all = new Worker[workers];
    for (int i = 0; i < workers; i++) {
      all[i] = new Worker(i, op, opTimeout, windowStart, windowEnd, done);
    }
    for (Worker w : all) {
      w.issue();
    }
    // The caller's thread only reads the meter at the window's edges (a fixed instant, not a
    // condition) and then waits for the workers.
    parkUntil(windowStart);
    CpuMeter.Reading atStart = meter.read();
    parkUntil(windowEnd);
    CpuMeter.Reading atEnd = meter.read();
    Duration bound = warmup.plus(window).plus(opTimeout).plusSeconds(10);
    if (!done.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new BenchmarkException(
          name
              + ": "
              + done.getCount()
              + " of "
              + workers
              + " workers still had a request in flight "
              + bound.toSeconds()
              + " s after the start");
    }
    long ok = 0;
    long other = 0;
    long errors = 0;
    String firstError = null;
    long[] latencies = new long[0];
    for (Worker w : all) {
      ok += w.count;
      other += w.other;
      errors += w.errors;
      if (firstError == null) {
        firstError = w.firstError;
      }
      int from = latencies.length;
      latencies = Arrays.copyOf(latencies, from + w.count);
      System.arraycopy(w.latencies, 0, latencies, from, w.count);
    }
    Arrays.sort(latencies);
    double seconds = window.toNanos() / 1e9;
    CpuMeter.Usage usage = CpuMeter.between(atStart, atEnd, ok);
    return new Measurement(
        name,
        workers,
        ok / seconds,
        percentile(latencies, 0.50),
        percentile(latencies, 0.99),
        ok,
        other,
        errors,
        firstError,
        usage.processMicrosPerOp(),
        usage.etcdMicrosPerOp(),
        usage.compileMillis());
  }

  private static void parkUntil(long nanoTime) throws InterruptedException {
    for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for the window's edge");
      }
    }
  }

  /**
   * Nearest-rank percentile in milliseconds.
   *
   * @param sorted latencies in nanoseconds, ascending
   * @param q the quantile, 0..1
   * @return the percentile, or NaN for no samples
   */
  static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6;
  }

  /** One worker: one request in flight, the next issued from the completion. */
  private static final class Worker {
    private final int id;
    private final IntFunction<? extends CompletionStage<Boolean>> op;
    private final long opTimeoutNanos;
    private final long windowStart;
    private final long windowEnd;
    private final CountDownLatch done;
    private long[] latencies = new long[1024];
    private int count;
    private long other;
    private long errors;
    private @Nullable String firstError;

    Worker(
        int id,
        IntFunction<? extends CompletionStage<Boolean>> op,
        Duration opTimeout,
        long windowStart,
        long windowEnd,
        CountDownLatch done) {
      this.id = id;
      this.op = op;
      this.opTimeoutNanos = opTimeout.toNanos();
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
      this.done = done;
    }

    void issue() {
      long t0 = System.nanoTime();
      CompletableFuture<Boolean> f;
      try {
        f = op.apply(id).toCompletableFuture().orTimeout(opTimeoutNanos, TimeUnit.NANOSECONDS);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      if (f.isDone()) {
        // completed in the caller: continue on another thread, or a fast system would recurse
        // deeply
        var unused = f.whenCompleteAsync((r, e) -> completed(t0, r, e));
      } else {
        var unused = f.whenComplete((r, e) -> completed(t0, r, e));
      }
    }

    private void completed(long t0, @Nullable Boolean result, @Nullable Throwable error) {
      long now = System.nanoTime();
      if (now >= windowStart && now < windowEnd) {
        if (error != null) {
          errors++;
          if (firstError == null) {
            Throwable cause = error.getCause() != null ? error.getCause() : error;
            firstError = cause.toString();
          }
        } else if (Boolean.TRUE.equals(result)) {
          if (count == latencies.length) {
            latencies = Arrays.copyOf(latencies, count * 2);
          }
          latencies[count++] = now - t0;
        } else {
          other++;
        }
      }
      if (now >= windowEnd) {
        done.countDown();
      } else if (error != null) {
        RETRY.execute(this::issue);
      } else {
        issue();
      }
    }
  }
}
