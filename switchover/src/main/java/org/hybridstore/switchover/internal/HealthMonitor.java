package org.hybridstore.switchover.internal;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.hybridstore.spi.QuorumStatus;
import org.hybridstore.spi.StrongBackend;
import org.jspecify.annotations.Nullable;

/**
 * Probes etcd at a fixed rate and reports every sample; it never changes the mode. A probe that
 * does not answer within twice its deadline counts as failed. Probes are started at a fixed rate
 * rather than one after another, so a hanging etcd is noticed after a few probe intervals, not a
 * few probe timeouts.
 */
final class HealthMonitor implements AutoCloseable {
  private final StrongBackend strong;
  private final ScheduledExecutorService scheduler;
  private final Duration interval;
  private final Duration timeout;
  private final InstantSource time;
  private final Consumer<HealthSample> sink;
  private volatile @Nullable HealthSample last;
  private @Nullable ScheduledFuture<?> task;

  HealthMonitor(
      StrongBackend strong,
      ScheduledExecutorService scheduler,
      Duration interval,
      Duration timeout,
      InstantSource time,
      Consumer<HealthSample> sink) {
    this.strong = strong;
    this.scheduler = scheduler;
    this.interval = interval;
    this.timeout = timeout;
    this.time = time;
    this.sink = sink;
  }

  /** Probes once and waits: used at start to pick the initial mode. */
  HealthSample probeNow() {
    try {
      return toSample(
          strong
              .probe(timeout)
              .toCompletableFuture()
              .get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS),
          null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return toSample(null, e);
    } catch (Exception e) {
      return toSample(null, e);
    }
  }

  void start() {
    task =
        scheduler.scheduleAtFixedRate(
            this::probe, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void probe() {
    strong
        .probe(timeout)
        .toCompletableFuture()
        .orTimeout(timeout.toMillis() * 2, TimeUnit.MILLISECONDS)
        .whenComplete((status, error) -> sink.accept(toSample(status, error)));
  }

  private HealthSample toSample(@Nullable QuorumStatus status, @Nullable Throwable error) {
    HealthSample sample =
        status != null
            ? new HealthSample(status.quorum(), time.instant(), status)
            : new HealthSample(
                false,
                time.instant(),
                new QuorumStatus(false, timeout, List.of(), "probe failed: " + error));
    last = sample;
    return sample;
  }

  @Nullable HealthSample last() {
    return last;
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
