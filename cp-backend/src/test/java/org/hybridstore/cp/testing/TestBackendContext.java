package org.hybridstore.cp.testing;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.NodeId;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.spi.BackendContext;

/**
 * A {@link BackendContext} with real time and its own small thread pools, for tests and the
 * benchmark; closing it shuts the pools down.
 */
public final class TestBackendContext implements AutoCloseable {
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final BackendContext context;

  /**
   * Creates the context.
   *
   * @param node the node id
   */
  public TestBackendContext(String node) {
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            4, r -> daemon(r, "callbacks-" + node + "-" + n.incrementAndGet()));
    this.scheduler = Executors.newScheduledThreadPool(1, r -> daemon(r, "timers-" + node));
    this.context =
        new BackendContext(
            NodeId.of(node),
            new HybridLogicalClock(InstantSource.system(), Duration.ofMillis(500)),
            executor,
            scheduler);
  }

  /** Returns the context. */
  public BackendContext context() {
    return context;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    executor.shutdown();
    scheduler.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
