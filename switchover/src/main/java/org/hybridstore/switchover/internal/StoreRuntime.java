package org.hybridstore.switchover.internal;

import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.hybridstore.ChangeFeedOptions;
import org.hybridstore.Confirmation;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.Order;
import org.hybridstore.OrderChange;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.ReadConsistency;
import org.hybridstore.SwitchoverConfig;
import org.hybridstore.Versioned;
import org.hybridstore.WriteOptions;
import org.hybridstore.WriteResult;
import org.hybridstore.event.ModeChangedEvent;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StoredRecord;
import org.hybridstore.spi.StrongBackend;
import org.hybridstore.spi.StrongBackendFactory;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires one store together and owns its threads: a timer pool (probes, deadlines), the switchover
 * thread, and (unless the user supplies one) the executor that completes callers' stages. Closing
 * stops them in reverse order of start.
 */
public final class StoreRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreRuntime.class);

  /**
   * Everything the builder collected.
   *
   * @param name the store's name (JMX, metrics, thread names)
   * @param node this node
   * @param strongFactory creates the etcd backend
   * @param localFactory creates the local backend
   * @param config switchover thresholds
   * @param time the physical clock
   * @param executor completes callers' stages; {@code null} for one the store owns
   * @param registry Micrometer registry
   * @param mbeanServer where to register the MXBean; {@code null} for none
   * @param listeners mode-change listeners
   */
  public record Settings(
      String name,
      NodeId node,
      StrongBackendFactory strongFactory,
      LocalBackendFactory localFactory,
      SwitchoverConfig config,
      InstantSource time,
      @Nullable Executor executor,
      MeterRegistry registry,
      @Nullable MBeanServer mbeanServer,
      List<Consumer<ModeChangedEvent>> listeners) {}

  private final String name;
  private final NodeId node;
  private final ScheduledExecutorService timers;
  private final @Nullable ExecutorService ownedExecutor;
  private final HybridLogicalClock clock;
  private final LocalBackend local;
  private final StrongBackend strong;
  private final ConflictTracker conflicts = new ConflictTracker();
  private final WriteBreaker breaker;
  private final StoreMetrics metrics;
  private final HealthMonitor health;
  private final SwitchoverController controller;
  private final RequestRouter router;
  private final AutoCloseable mirror;
  private final ConfirmationTracker confirmations;
  private final ChangeFeeds feeds;
  private final AutoCloseable provisionalFeed;
  private final java.util.concurrent.ScheduledFuture<?> sweep;
  private final @Nullable MBeanServer mbeanServer;
  private final @Nullable ObjectName objectName;

  // Wiring only: each component gets what it needs; ModePolicy decides, the controller owns the
  // mode, everything else reports to it.
  private StoreRuntime(Settings s) {
    name = s.name();
    node = s.node();
    timers = Executors.newScheduledThreadPool(2, named("hybridstore-" + name + "-timer"));
    Executor given = s.executor();
    Executor executor;
    if (given != null) {
      ownedExecutor = null;
      executor = given;
    } else {
      ExecutorService owned =
          Executors.newCachedThreadPool(named("hybridstore-" + name + "-callback"));
      ownedExecutor = owned;
      executor = owned;
    }
    clock = new HybridLogicalClock(s.time(), s.config().maxClockOffset());
    BackendContext context = new BackendContext(node, clock, executor, timers);
    local = s.localFactory().create(context);
    StrongBackend created;
    try {
      created = s.strongFactory().create(context);
    } catch (RuntimeException e) {
      local.close();
      timers.shutdownNow();
      throw e;
    }
    strong = created;

    SwitchoverConfig c = s.config();
    metrics =
        new StoreMetrics(
            s.registry(),
            name,
            node.value(),
            this::modeOrdinal,
            local::backlogSize,
            this::mirrorLag,
            () -> local.journalHealth().writable() ? 1 : 0);
    StoreMetrics.peerDrops(
        s.registry(),
        io.micrometer.core.instrument.Tags.of("store", name, "node", node.value()),
        local::peerDrops);
    // The breaker exists before the controller it reports to: it reports through this indirection.
    ControllerRef ref = new ControllerRef();
    breaker = new WriteBreaker("hybridstore-" + name, c, ref::breakerOpened);
    health =
        new HealthMonitor(
            strong, timers, c.probeInterval(), c.probeTimeout(), s.time(), ref::sample);
    Reconciler reconciler =
        new Reconciler(
            strong,
            local,
            c.reconcileBatchSize(),
            conflicts,
            metrics,
            node,
            c.ownerGrace(),
            s.time());
    controller =
        new SwitchoverController(
            name,
            node,
            new ModePolicy(c),
            reconciler,
            local,
            s.time(),
            breaker::reset,
            health.probeNow());
    ref.controller = controller;
    confirmations =
        new ConfirmationTracker(
            name,
            strong,
            local,
            () -> controller.mode().phase(),
            executor,
            metrics,
            System::nanoTime);
    metrics.pendingConfirmations(confirmations::pendingCount);
    feeds = new ChangeFeeds(name, strong, executor);
    router =
        new RequestRouter(
            strong,
            local,
            controller::mode,
            breaker,
            reconciler,
            c.strongWriteDeadline(),
            metrics,
            conflicts,
            confirmations,
            clock,
            node);
    RequestRouter r = router;
    controller.addListener(
        e -> {
          if (controller.mode().phase() == Phase.DEGRADED) {
            r.degraded();
          }
        });
    s.listeners().forEach(controller::addListener);
    mirror = strong.watch(local.mirrorRevision(), new MirrorListener());
    provisionalFeed = local.listenProvisional(feeds::provisional);
    sweep =
        timers.scheduleWithFixedDelay(
            () -> {
              try {
                confirmations.sweep();
              } catch (RuntimeException e) {
                LOG.warn("{}: confirmation sweep failed", name, e);
              }
            },
            1,
            1,
            TimeUnit.SECONDS);
    health.start();

    mbeanServer = s.mbeanServer();
    objectName = mbeanServer == null ? null : registerMBean(mbeanServer);
  }

  /**
   * The local mirror: every etcd version goes to the confirmation tracker (which looks for the op
   * ids it waits for); the last version per order is merged into the local replica, with the bytes
   * etcd holds where the feed has them (the replica compares them with its own instead of encoding
   * etcd's record).
   */
  private final class MirrorListener implements StrongBackend.ChangeListener {
    @Override
    public void onChanges(List<org.hybridstore.model.OrderRecord> records, long revision) {
      conflicts.observe(records);
      local.absorb(records, revision);
    }

    @Override
    public void onEvents(List<StoredRecord> events, long revision) {
      confirmations.committed(events, revision);
      absorb(StrongBackend.ChangeListener.lastVersions(events), revision);
    }

    @Override
    public void onResync(List<StoredRecord> page, long revision, boolean last) {
      confirmations.committed(page, last ? revision : 0); // the re-read is whole at its last page
      if (!page.isEmpty()) {
        absorb(page, revision); // one version per order, in key order
      }
    }

    private void absorb(List<StoredRecord> last, long revision) {
      for (StoredRecord r : last) {
        conflicts.observe(r.record());
      }
      local.absorbStored(last, revision);
    }
  }

  /** Forwards reports to the controller once it exists (reports before that are dropped). */
  private static final class ControllerRef {
    volatile @Nullable SwitchoverController controller;

    void breakerOpened() {
      SwitchoverController c = controller;
      if (c != null) {
        c.onBreakerOpened();
      }
    }

    void sample(HealthSample sample) {
      SwitchoverController c = controller;
      if (c != null) {
        c.onSample(sample);
      }
    }
  }

  private @Nullable ObjectName registerMBean(MBeanServer server) {
    StoreMBean bean =
        new StoreMBean(this::snapshot, controller::forceDegrade, controller::requestReconcile);
    controller.addListener(bean::modeChanged);
    ObjectName on = null;
    try {
      on =
          ObjectName.getInstance(
              "org.hybridstore:type=HybridOrderStore,name=" + ObjectName.quote(name));
      server.registerMBean(new DescribedMXBean(bean, bean), on);
      bean.setSource(on);
      return on;
    } catch (JMException e) {
      LOG.warn("{}: could not register the MXBean {}: {}", name, on, e.toString());
      return null;
    }
  }

  /** Returns a snapshot of the store for JMX and diagnostics. */
  StoreSnapshot snapshot() {
    return new StoreSnapshot(
        name,
        node,
        controller.mode(),
        controller.transitions(),
        health.last(),
        breaker.state(),
        local.backlogSize(),
        controller.lastReconcileMillis(),
        controller.lastConvergenceMillis(),
        mirrorLag(),
        conflicts.count(),
        metrics.provisionalWrites(),
        metrics.strongWrites(),
        metrics.fallbacks(),
        metrics.lostRaces(),
        clock.refusedStamps(),
        local.peerDrops(),
        local.peers(),
        local.journalHealth(),
        confirmations.pendingCount(),
        metrics.confirmations(),
        metrics.conflictsResolved(),
        metrics.confirmationP99Millis());
  }

  /**
   * Starts a store.
   *
   * @param settings what the builder collected
   * @return the running store
   */
  public static StoreRuntime start(Settings settings) {
    return new StoreRuntime(settings);
  }

  /** Returns the platform MBean server, the default place for the MXBean. */
  public static MBeanServer platformMBeanServer() {
    return ManagementFactory.getPlatformMBeanServer();
  }

  private int modeOrdinal() {
    return controller == null ? 0 : controller.mode().phase().mode().ordinal();
  }

  /** Returns how many etcd revisions the local mirror is behind the last probe's revision. */
  public long mirrorLag() {
    HealthSample s = health.last();
    if (s == null || s.status().revision() <= 0) {
      return 0;
    }
    return Math.max(0, s.status().revision() - local.mirrorRevision());
  }

  /**
   * Applies a command; see {@link org.hybridstore.OrderStore#apply(OrderCommand, WriteOptions)}.
   *
   * @param command the command
   * @param options options
   * @return the result
   */
  public CompletionStage<WriteResult> apply(OrderCommand command, WriteOptions options) {
    return router.apply(command, options);
  }

  /**
   * Reads an order; see {@link org.hybridstore.OrderStore#get(OrderId, ReadConsistency)}.
   *
   * @param id the order
   * @param consistency the consistency
   * @return the order
   */
  public CompletionStage<Optional<Versioned<Order>>> get(OrderId id, ReadConsistency consistency) {
    return router.get(id, consistency);
  }

  /** Returns the current mode snapshot. */
  public StoreMode mode() {
    return controller.mode();
  }

  /**
   * Returns a write's confirmation; see {@link org.hybridstore.OrderStore#confirmation(OpId)}.
   *
   * @param opId the op id
   * @return the confirmation
   */
  public CompletionStage<Confirmation> confirmation(OpId opId) {
    return confirmations.lookup(opId);
  }

  /**
   * Returns the change feed; see {@link org.hybridstore.OrderStore#changes(long,
   * ChangeFeedOptions)}.
   *
   * @param fromRevision the last revision the caller has
   * @param options the options
   * @return the publisher
   */
  public Flow.Publisher<OrderChange> changes(long fromRevision, ChangeFeedOptions options) {
    return feeds.publisher(fromRevision, options);
  }

  /**
   * Returns the order whose record in the local replica holds an op id.
   *
   * @param opId the op id
   * @return the order, or empty
   */
  public Optional<OrderId> orderOfOp(OpId opId) {
    return local.orderOfOp(opId);
  }

  /** Returns the orders this node has seen with a recorded status conflict. */
  public List<OrderId> conflicts() {
    return conflicts.orders();
  }

  /**
   * Operator tool; see {@link org.hybridstore.switchover.HybridOrderStoreMXBean#forceDegrade}.
   *
   * @param reason the reason
   */
  public void forceDegrade(String reason) {
    controller.forceDegrade(reason);
  }

  /**
   * Operator tool; see {@link org.hybridstore.switchover.HybridOrderStoreMXBean#requestReconcile}.
   */
  public void requestReconcile() {
    controller.requestReconcile();
  }

  /** Returns the JMX name the MXBean is registered under, or {@code null}. */
  public @Nullable ObjectName objectName() {
    return objectName;
  }

  /** Returns the local backend's backlog size. */
  public int backlogSize() {
    return local.backlogSize();
  }

  /** Returns the local replica's digest (see {@link LocalBackend#replicaDigest()}). */
  public String replicaDigest() {
    return local.replicaDigest();
  }

  /**
   * Returns a page of the local replica's content hashes (see {@link LocalBackend#replicaHashes}).
   */
  public java.util.SortedMap<String, Long> replicaHashes(String after, int limit) {
    return local.replicaHashes(after, limit);
  }

  /** Returns the etcd revision the local replica was last brought up to. */
  public long mirrorRevision() {
    return local.mirrorRevision();
  }

  /** Returns a page of the local replica's order ids (see {@link LocalBackend#orderIds}). */
  public List<OrderId> replicaOrderIds(String after, int limit) {
    return local.orderIds(after, limit);
  }

  /** Returns the condition of the local journal. */
  public LocalBackend.JournalHealth journalHealth() {
    return local.journalHealth();
  }

  @Override
  public void close() {
    List<Exception> failures = new ArrayList<>();
    health.close();
    sweep.cancel(false);
    closeQuietly(mirror, failures);
    closeQuietly(provisionalFeed, failures);
    feeds.close();
    confirmations.close();
    controller.close();
    if (mbeanServer != null && objectName != null) {
      try {
        mbeanServer.unregisterMBean(objectName);
      } catch (JMException e) {
        failures.add(e);
      }
    }
    closeQuietly(strong, failures);
    closeQuietly(local, failures);
    timers.shutdownNow();
    if (ownedExecutor != null) {
      ownedExecutor.shutdown();
      try {
        ownedExecutor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    failures.forEach(e -> LOG.warn("{}: error while closing", name, e));
  }

  private static void closeQuietly(AutoCloseable c, List<Exception> failures) {
    try {
      c.close();
    } catch (Exception e) {
      failures.add(e);
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
