package org.hybridstore.switchover.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;
import org.hybridstore.Acceptance;

/**
 * The store's Micrometer meters, all tagged with {@code store} and {@code node}:
 * {@code hybridstore.writes} (timer, tag {@code acceptance}), {@code hybridstore.fallbacks},
 * {@code hybridstore.reconcile.records}, {@code hybridstore.reconcile.lost.races}, and gauges {@code hybridstore.mode} (0 STRONG, 1 DEGRADED,
 * 2 RECONCILING), {@code hybridstore.backlog}, {@code hybridstore.mirror.lag}, {@code
 * hybridstore.journal.writable} (1 or 0).
 */
final class StoreMetrics {
  private final Timer strongWrites;
  private final Timer provisionalWrites;
  private final Counter fallbacks;
  private final Counter reconciled;
  private final Counter lostRaces;

  StoreMetrics(MeterRegistry registry, String store, String node, Supplier<Number> mode, Supplier<Number> backlog,
      Supplier<Number> mirrorLag, Supplier<Number> journalWritable) {
    Tags tags = Tags.of("store", store, "node", node);
    strongWrites = Timer.builder("hybridstore.writes").tags(tags).tag("acceptance", "strong")
        .publishPercentiles(0.5, 0.99).register(registry);
    provisionalWrites = Timer.builder("hybridstore.writes").tags(tags).tag("acceptance", "provisional")
        .publishPercentiles(0.5, 0.99).register(registry);
    fallbacks = Counter.builder("hybridstore.fallbacks").tags(tags)
        .description("writes that fell back from etcd to the local journal in the same call").register(registry);
    reconciled = Counter.builder("hybridstore.reconcile.records").tags(tags).register(registry);
    lostRaces = Counter.builder("hybridstore.reconcile.lost.races").tags(tags)
        .description("compare-and-swap races lost (and retried) while folding records into etcd").register(registry);
    Gauge.builder("hybridstore.mode", mode).tags(tags).register(registry);
    Gauge.builder("hybridstore.backlog", backlog).tags(tags).register(registry);
    Gauge.builder("hybridstore.mirror.lag", mirrorLag).tags(tags).baseUnit("revisions").register(registry);
    Gauge.builder("hybridstore.journal.writable", journalWritable).tags(tags)
        .description("1 while the local journal acknowledges writes, 0 after a failed disk write until it recovers")
        .register(registry);
  }

  void write(Acceptance acceptance, long nanos) {
    (acceptance == Acceptance.STRONG ? strongWrites : provisionalWrites).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
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
