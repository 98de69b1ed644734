package org.hybridstore.chaos.runner;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;
import org.hybridstore.chaos.checker.CheckResult;
import org.hybridstore.chaos.checker.Validity;
import org.hybridstore.chaos.client.NodeClient;

/**
 * What a peer sees during an outage: a provisional create acknowledged on one node must become
 * readable (a LOCAL read) on every other node within the replication bound, unless a fault keeps
 * the two apart meanwhile. One in {@value #SAMPLE_EVERY} provisional creates is followed: every
 * other node is polled every {@value #POLL_MILLIS} ms until it has the order (the lag is recorded),
 * a fault separates the pair (the check is excused), or the bound passes (a failure).
 */
final class ReplicationProbe implements AutoCloseable {
  static final int SAMPLE_EVERY = 3;
  static final long POLL_MILLIS = 200;
  private static final int LIST_LIMIT = 20;

  private final List<NodeClient> nodes;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanos;
  private final BiPredicate<String, String> reachable;
  private final Duration bound;
  private final AtomicInteger seen = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger watched = new AtomicInteger();
  private final AtomicInteger excused = new AtomicInteger();
  private final List<Double> lagsMillis = new CopyOnWriteArrayList<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  ReplicationProbe(
      List<NodeClient> nodes,
      ScheduledExecutorService scheduler,
      LongSupplier nanos,
      BiPredicate<String, String> reachable,
      Duration bound) {
    this.nodes = nodes;
    this.scheduler = scheduler;
    this.nanos = nanos;
    this.reachable = reachable;
    this.bound = bound;
  }

  /**
   * Follows a provisional create (one in {@value #SAMPLE_EVERY}).
   *
   * @param orderId the order created
   * @param acceptedBy the node that acknowledged it
   */
  void watch(String orderId, String acceptedBy) {
    if (closed || seen.incrementAndGet() % SAMPLE_EVERY != 0) {
      return;
    }
    watched.incrementAndGet();
    long start = nanos.getAsLong();
    for (NodeClient peer : nodes) {
      if (!peer.node().equals(acceptedBy)) {
        pending.incrementAndGet();
        poll(orderId, acceptedBy, peer, start);
      }
    }
  }

  private void poll(String orderId, String from, NodeClient peer, long start) {
    if (!reachable.test(from, peer.node())) {
      excused.incrementAndGet();
      pending.decrementAndGet();
      return;
    }
    var unused =
        peer.order(orderId, "local")
            .orTimeout(2, TimeUnit.SECONDS)
            .whenComplete(
                (r, e) -> {
                  long lagNanos = nanos.getAsLong() - start;
                  if (e == null && r.status() == 200) {
                    lagsMillis.add(lagNanos / 1e6);
                    noteSlow(lagNanos / 1_000_000, orderId + " " + from + "->" + peer.node());
                    pending.decrementAndGet();
                  } else if (lagNanos > bound.toNanos()) {
                    if (reachable.test(from, peer.node())) {
                      if (failures.size() < LIST_LIMIT) {
                        failures.add(
                            orderId
                                + " acknowledged PROVISIONAL by "
                                + from
                                + " not readable on "
                                + peer.node()
                                + " after "
                                + lagNanos / 1_000_000
                                + " ms");
                      } else {
                        failures.add("...");
                      }
                    } else {
                      excused.incrementAndGet();
                    }
                    pending.decrementAndGet();
                  } else {
                    try {
                      var unusedNext =
                          scheduler.schedule(
                              () -> poll(orderId, from, peer, start),
                              POLL_MILLIS,
                              TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException stopped) {
                      pending.decrementAndGet();
                    }
                  }
                });
  }

  private final java.util.TreeMap<Long, String> slowest = new java.util.TreeMap<>();

  private synchronized void noteSlow(long lagMillis, String what) {
    slowest.put(lagMillis, what);
    if (slowest.size() > 5) {
      slowest.pollFirstEntry();
    }
  }

  private synchronized Map<String, String> slowest() {
    Map<String, String> out = new LinkedHashMap<>();
    slowest.descendingMap().forEach((lag, what) -> out.put(what, lag + " ms"));
    return out;
  }

  /** Stops following new writes and waits, at most the bound, for the ones followed to finish. */
  @Override
  public void close() {
    closed = true;
    long deadline = System.nanoTime() + bound.toNanos() + TimeUnit.SECONDS.toNanos(3);
    while (pending.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The replication lag quantiles, ms. */
  Map<String, Object> lagQuantiles() {
    return Figures.quantiles(new ArrayList<>(lagsMillis));
  }

  /**
   * INVALID if a reachable peer did not see a followed write within the bound; UNKNOWN if no
   * provisional create was followed to a peer (nothing to judge); VALID otherwise.
   */
  CheckResult result() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("bound-seconds", bound.toSeconds());
    d.put("followed-writes", watched.get());
    d.put("peers-seen", lagsMillis.size());
    d.put("excused-by-a-fault", excused.get());
    d.put("still-pending", pending.get());
    d.put("lag-ms", lagQuantiles());
    d.put("slowest", slowest());
    d.put("not-seen", List.copyOf(failures));
    Validity v =
        !failures.isEmpty()
            ? Validity.INVALID
            : lagsMillis.isEmpty() ? Validity.UNKNOWN : Validity.VALID;
    if (v == Validity.UNKNOWN) {
      d.put("why-unknown", "no provisional create was followed to a peer");
    }
    return CheckResult.of(v, d);
  }
}
