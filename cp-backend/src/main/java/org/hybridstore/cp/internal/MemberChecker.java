package org.hybridstore.cp.internal;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend's own timer, every {@code memberCheckInterval}: hedges calls stuck on stalled
 * members, probes the members the backend does not use (so that one that serves again is used again
 * within an interval or so, and a cut-off one is noticed even without traffic), refreshes every
 * member's status once a second when nobody probes, reports changes in who serves, and flushes the
 * failure summary. Costs nothing on the members while they all serve and the store probes.
 * Thread-safe.
 */
final class MemberChecker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MemberChecker.class);

  /** How often statuses are refreshed when nobody calls {@code probe}. */
  static final Duration STATUS_REFRESH = Duration.ofSeconds(1);

  private final MemberView view;
  private final Router router;
  private final Prober prober;
  private final FailureLog failures;
  private final ScheduledExecutorService scheduler;
  private final Duration interval;
  private final Duration checkTimeout;
  private final LongSupplier nanoTime;
  private final AtomicIntegerArray checking;
  private volatile long lastRefresh;
  private @Nullable ScheduledFuture<?> task;

  MemberChecker(
      MemberView view,
      Router router,
      Prober prober,
      FailureLog failures,
      ScheduledExecutorService scheduler,
      Duration interval,
      Duration checkTimeout,
      LongSupplier nanoTime) {
    this.view = view;
    this.router = router;
    this.prober = prober;
    this.failures = failures;
    this.scheduler = scheduler;
    this.interval = interval;
    this.checkTimeout = checkTimeout;
    this.nanoTime = nanoTime;
    this.checking = new AtomicIntegerArray(view.size());
  }

  void start() {
    try {
      task =
          scheduler.scheduleWithFixedDelay(this::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      LOG.warn(
          "scheduler rejected the etcd member checks; members that stop serving are noticed only by calls");
    }
  }

  /** One round; never throws (an exception would end the schedule). */
  void tick() {
    try {
      long now = nanoTime.getAsLong();
      router.hedgeStalled(now);
      boolean refresh = now - Math.max(lastRefresh, prober.lastProbe()) > STATUS_REFRESH.toNanos();
      if (refresh) {
        lastRefresh = now;
      }
      for (MemberConnection m : view.connections()) {
        if ((refresh || !view.serving(m, now)) && checking.compareAndSet(m.index, 0, 1)) {
          prober.member(m, checkTimeout).whenComplete((p, e) -> checking.set(m.index, 0));
        }
      }
      view.evaluate(now);
      failures.flushIfDue();
    } catch (RuntimeException e) {
      LOG.warn("etcd member check failed", e);
    }
  }

  @Override
  public void close() {
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }
}
