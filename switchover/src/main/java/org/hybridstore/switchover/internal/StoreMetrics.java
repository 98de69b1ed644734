package org.hybridstore.switchover.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;
import org.hybridstore.Acceptance;

/**
 * The store's Micrometer meters, all tagged with {@code store} and {@code node}: {@code
 * hybridstore.writes} (timer, tag {@code acceptance}), {@code hybridstore.fallbacks}, {@code
 * hybridstore.reconcile.records}, {@code hybridstore.reconcile.lost.races}, and gauges {@code
 * hybridstore.mode} (0 STRONG, 1 DEGRADED), {@code hybridstore.backlog}, {@code
 * hybridstore.mirror.lag}, {@code hybridstore.journal.writable} (1 or 0). Confirmations: {@code
 * hybridstore.confirmations.pending} (gauge), {@code hybridstore.confirmation.latency} (timer with
 * a histogram: provisional acknowledgement to confirmation), {@code hybridstore.confirmations}
 * (counter) and {@code hybridstore.conflicts.resolved} (confirmations whose merge changed the
 * outcome). Peers: {@code hybridstore.peer.dropped} (tag {@code reason}).
 */
final class StoreMetrics {
  private final Timer strongWrites;
  private final Timer provisionalWrites;
  private final Counter fallbacks;
  private final Counter reconciled;
  private final Counter lostRaces;
  private final Timer confirmationLatency;
  private final Counter confirmations;
  private final Counter conflictsResolved;
  private volatile Supplier<Number> pendingConfirmations = () -> 0;

  StoreMetrics(
      MeterRegistry registry,
      String store,
      String node,
      Supplier<Number> mode,
      Supplier<Number> backlog,
      Supplier<Number> mirrorLag,
      Supplier<Number> journalWritable) {
    Tags tags = Tags.of("store", store, "node", node);
    strongWrites =
        Timer.builder("hybridstore.writes")
            .tags(tags)
            .tag("acceptance", "strong")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    provisionalWrites =
        Timer.builder("hybridstore.writes")
            .tags(tags)
            .tag("acceptance", "provisional")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    fallbacks =
        Counter.builder("hybridstore.fallbacks")
            .tags(tags)
            .description("writes that fell back from etcd to the local journal in the same call")
            .register(registry);
    reconciled = Counter.builder("hybridstore.reconcile.records").tags(tags).register(registry);
    lostRaces =
        Counter.builder("hybridstore.reconcile.lost.races")
            .tags(tags)
            .description(
                "compare-and-swap races lost (and retried) while folding records into etcd")
            .register(registry);
    confirmationLatency =
        Timer.builder("hybridstore.confirmation.latency")
            .tags(tags)
            .description("from a provisional acknowledgement to the write's confirmation in etcd")
            .publishPercentiles(0.5, 0.99)
            .publishPercentileHistogram()
            .minimumExpectedValue(java.time.Duration.ofMillis(1))
            .maximumExpectedValue(java.time.Duration.ofHours(1))
            .register(registry);
    confirmations =
        Counter.builder("hybridstore.confirmations")
            .tags(tags)
            .description(
                "writes confirmed in etcd (provisional, duplicates and lookups; not plain STRONG writes)")
            .register(registry);
    conflictsResolved =
        Counter.builder("hybridstore.conflicts.resolved")
            .tags(tags)
            .description(
                "confirmations whose merge into etcd changed the acknowledged outcome (a status conflict)")
            .register(registry);
    Gauge.builder("hybridstore.confirmations.pending", () -> pendingConfirmations.get())
        .tags(tags)
        .description("writes this node waits to see confirmed in etcd")
        .register(registry);
    Gauge.builder("hybridstore.mode", mode).tags(tags).register(registry);
    Gauge.builder("hybridstore.backlog", backlog).tags(tags).register(registry);
    Gauge.builder("hybridstore.mirror.lag", mirrorLag)
        .tags(tags)
        .baseUnit("revisions")
        .register(registry);
    Gauge.builder("hybridstore.journal.writable", journalWritable)
        .tags(tags)
        .description(
            "1 while the local journal acknowledges writes, 0 after a failed disk write until it recovers")
        .register(registry);
  }

  /**
   * Registers {@code hybridstore.peer.dropped} (a function counter per reason, tag {@code reason})
   * for the reasons the local backend lists.
   *
   * @param registry the registry
   * @param tags the store's tags
   * @param drops reads the local backend's running totals
   */
  static void peerDrops(
      MeterRegistry registry, Tags tags, Supplier<java.util.SortedMap<String, Long>> drops) {
    for (String reason : drops.get().keySet()) {
      io.micrometer.core.instrument.FunctionCounter.builder(
              "hybridstore.peer.dropped", drops, d -> d.get().getOrDefault(reason, 0L))
          .tags(tags)
          .tag("reason", reason)
          .description("peer messages dropped (never believed), by reason")
          .register(registry);
    }
  }

  void write(Acceptance acceptance, long nanos) {
    (acceptance == Acceptance.STRONG ? strongWrites : provisionalWrites)
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** Sets where the pending-confirmations gauge reads (the tracker exists after the metrics). */
  void pendingConfirmations(Supplier<Number> pending) {
    pendingConfirmations = pending;
  }

  /**
   * Counts a confirmation.
   *
   * @param sinceAckNanos time since the provisional acknowledgement, or a negative number if the
   *     write was not acknowledged provisionally by this node (not timed)
   * @param outcomeChanged whether the merge changed the outcome
   */
  void confirmed(long sinceAckNanos, boolean outcomeChanged) {
    confirmations.increment();
    if (sinceAckNanos >= 0) {
      confirmationLatency.record(sinceAckNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    if (outcomeChanged) {
      conflictsResolved.increment();
    }
  }

  long confirmations() {
    return (long) confirmations.count();
  }

  long conflictsResolved() {
    return (long) conflictsResolved.count();
  }

  /** Returns the 99th percentile of the confirmation latency in ms (0 before any). */
  double confirmationP99Millis() {
    for (io.micrometer.core.instrument.distribution.ValueAtPercentile v :
        confirmationLatency.takeSnapshot().percentileValues()) {
      if (v.percentile() == 0.99) {
        return v.value(java.util.concurrent.TimeUnit.MILLISECONDS);
      }
    }
    return 0;
  }

  void fallback() {
    fallbacks.increment();
  }

  void reconciled(int records, int races) {
    reconciled.increment(records);
    lostRaces.increment(races);
  }

  long lostRaces() {
    return (long) lostRaces.count();
  }

  long strongWrites() {
    return strongWrites.count();
  }

  long provisionalWrites() {
    return provisionalWrites.count();
  }

  long fallbacks() {
    return (long) fallbacks.count();
  }
}
