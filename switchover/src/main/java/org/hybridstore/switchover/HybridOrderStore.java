package org.hybridstore.switchover;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.hybridstore.ChangeFeedOptions;
import org.hybridstore.Confirmation;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.InvalidInputException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.Order;
import org.hybridstore.OrderChange;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderStore;
import org.hybridstore.ReadConsistency;
import org.hybridstore.StoreClosedException;
import org.hybridstore.SwitchoverConfig;
import org.hybridstore.Versioned;
import org.hybridstore.WriteOptions;
import org.hybridstore.WriteResult;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.LocalBackendFactory;
import org.hybridstore.spi.StrongBackendFactory;
import org.hybridstore.switchover.internal.StoreRuntime;
import org.jspecify.annotations.Nullable;

/**
 * An order store that is strongly consistent in etcd while etcd has quorum and keeps taking writes
 * when it has not. Build one per service node:
 *
 * <pre>{@code
 * HybridOrderStore store =
 *     HybridOrderStore.builder()
 *         .nodeId(NodeId.of("node-1"))
 *         .strong(EtcdBackendFactory.of(cpConfig))
 *         .local(MapDbBackendFactory.of(apConfig))
 *         .build();
 * WriteResult r =
 *     store.sync().apply(OrderCommand.Create.of(id, OpId.random(), "customer-7", "EUR"));
 * }</pre>
 *
 * <p>Its mode ({@link #mode()}) is STRONG while etcd answers, DEGRADED while it does not (writes
 * are then acknowledged once durable in the node's local journal and replicated to peers). Once
 * etcd has quorum again, the provisional writes are folded into etcd in the background ({@link
 * HybridOrderStoreMXBean#getReconcileBacklog()} counts what is left; a node starts on its own
 * writes before its return to STRONG), and a write or etcd read of an order that still has some
 * folds it first. See docs/consistency-model.md for the guarantees of each mode.
 *
 * <p>The store starts a timer pool, one switchover thread and (unless {@link Builder#executor} is
 * given) a callback pool, all daemon threads named {@code hybridstore-<name>-*}; {@link #close()}
 * stops them. This class is thread-safe.
 */
public final class HybridOrderStore implements OrderStore {
  private final StoreRuntime runtime;
  private final String name;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HybridOrderStore(StoreRuntime runtime, String name) {
    this.runtime = runtime;
    this.name = name;
  }

  /** Returns a builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletionStage<WriteResult> apply(OrderCommand command, WriteOptions options) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new StoreClosedException(name));
    }
    return runtime.apply(command, options).toCompletableFuture().minimalCompletionStage();
  }

  @Override
  public CompletionStage<Optional<Versioned<Order>>> get(OrderId id, ReadConsistency consistency) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new StoreClosedException(name));
    }
    return runtime.get(id, consistency).toCompletableFuture().minimalCompletionStage();
  }

  /**
   * {@inheritDoc}
   *
   * <p>This store finds the order through its local journal's op id index, and waits for the
   * confirmation in memory; awaited confirmations fail with {@link StoreClosedException} when the
   * store closes.
   */
  @Override
  public CompletionStage<Confirmation> confirmation(OpId opId) {
    if (opId == null) {
      return CompletableFuture.failedFuture(new InvalidInputException("opId", "is required"));
    }
    if (closed.get()) {
      return CompletableFuture.failedFuture(new StoreClosedException(name));
    }
    return runtime.confirmation(opId);
  }

  /** {@inheritDoc} */
  @Override
  public Flow.Publisher<OrderChange> changes(long fromRevision, ChangeFeedOptions options) {
    if (fromRevision < 0) {
      throw new InvalidInputException("fromRevision", "must not be negative, was " + fromRevision);
    }
    if (options == null) {
      throw new InvalidInputException("options", "is required");
    }
    return runtime.changes(fromRevision, options);
  }

  /**
   * Returns the order whose record in this node's replica holds an op id (diagnostics: what {@link
   * #confirmation(OpId)} looks the op id up by).
   *
   * @param opId the op id
   * @return the order, or empty if no record in the replica holds it
   */
  public Optional<OrderId> orderOfOperation(OpId opId) {
    return runtime.orderOfOp(opId);
  }

  @Override
  public ConsistencyMode mode() {
    return runtime.mode().phase().mode();
  }

  /** Returns the current mode's epoch; it grows by one with every mode change. */
  public long epoch() {
    return runtime.mode().epoch();
  }

  /** Returns the orders this node has seen with a recorded status conflict, sorted by id. */
  public List<OrderId> conflicts() {
    return runtime.conflicts();
  }

  /** Returns how many records hold writes etcd may not have yet. */
  public int backlogSize() {
    return runtime.backlogSize();
  }

  /**
   * Returns how many etcd revisions the local replica is behind etcd, as of the last probe (0 when
   * it is current or etcd is unreachable).
   */
  public long mirrorLagRevisions() {
    return runtime.mirrorLag();
  }

  /**
   * Returns a digest of the local replica, {@code <count>:<xor>} (see {@link
   * LocalBackend#replicaDigest()}): equal digests on two nodes, or on a node and etcd, mean equal
   * records. Empty if the local backend offers none.
   */
  public String replicaDigest() {
    return runtime.replicaDigest();
  }

  /** Returns the etcd revision the local replica was last brought up to by the watch feed. */
  public long mirrorRevision() {
    return runtime.mirrorRevision();
  }

  /**
   * Lists the content hashes of the orders in the local replica in id order, a page at a time
   * (diagnostics; see {@link LocalBackend#replicaHashes}).
   *
   * @param after the last id of the previous page, or {@code ""} for the first page
   * @param limit the most entries to return, 1 to 10,000
   * @return order id to hash
   * @throws InvalidInputException if the limit is out of range
   */
  public java.util.SortedMap<String, Long> replicaHashes(String after, int limit) {
    if (limit < 1 || limit > 10_000) {
      throw new InvalidInputException("limit", "must be 1..10000, was " + limit);
    }
    return runtime.replicaHashes(after, limit);
  }

  /**
   * Lists the orders in the local replica in id order, a page at a time (diagnostics).
   *
   * @param after the last id of the previous page, or {@code ""} for the first page
   * @param limit the most ids to return, 1 to 10,000
   * @return the ids
   * @throws InvalidInputException if the limit is out of range
   */
  public List<OrderId> replicaOrderIds(String after, int limit) {
    if (limit < 1 || limit > 10_000) {
      throw new InvalidInputException("limit", "must be 1..10000, was " + limit);
    }
    return runtime.replicaOrderIds(after, limit);
  }

  /**
   * Returns the condition of the local journal: whether it acknowledges provisional writes now
   * (after a failed disk write it refuses them until it has recovered), and what its last start
   * found damaged and quarantined.
   */
  public LocalBackend.JournalHealth journalHealth() {
    return runtime.journalHealth();
  }

  /**
   * Operator tool: degrade now and stay degraded until {@link #requestReconcile()}.
   *
   * @param reason recorded as the transition reason
   */
  public void forceDegrade(String reason) {
    runtime.forceDegrade(reason);
  }

  /** Operator tool: end a forced degrade and reconcile now if etcd answers. */
  public void requestReconcile() {
    runtime.requestReconcile();
  }

  /** Returns the JMX name of this store's MXBean, if it was registered. */
  public Optional<ObjectName> objectName() {
    return Optional.ofNullable(runtime.objectName());
  }

  /** Returns the store's name. */
  public String name() {
    return name;
  }

  /**
   * Stops probing, closes both backends (flushing the local journal) and stops the store's threads.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      runtime.close();
    }
  }

  /** Builds a {@link HybridOrderStore}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String name;
    private @Nullable NodeId nodeId;
    private @Nullable StrongBackendFactory strong;
    private @Nullable LocalBackendFactory local;
    private SwitchoverConfig config = SwitchoverConfig.ofDefaults();
    private InstantSource time = InstantSource.system();
    private @Nullable Executor executor;
    private @Nullable MeterRegistry registry;
    private @Nullable MBeanServer mbeanServer = StoreRuntime.platformMBeanServer();
    private final List<SwitchoverListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * @param v the store's name in JMX, metrics and thread names; default the node id @return this
     *     builder
     */
    public Builder name(String v) {
      name = v;
      return this;
    }

    /**
     * @param v this node's id, unique in the cluster and stable across restarts (required) @return
     *     this builder
     */
    public Builder nodeId(NodeId v) {
      nodeId = v;
      return this;
    }

    /**
     * @param v the strong backend, e.g. {@code EtcdBackendFactory.of(cpConfig)} (required) @return
     *     this builder
     */
    public Builder strong(StrongBackendFactory v) {
      strong = v;
      return this;
    }

    /**
     * @param v the local backend, e.g. {@code MapDbBackendFactory.of(apConfig)} (required) @return
     *     this builder
     */
    public Builder local(LocalBackendFactory v) {
      local = v;
      return this;
    }

    /**
     * @param v switchover thresholds; default {@link SwitchoverConfig#ofDefaults()} @return this
     *     builder
     */
    public Builder config(SwitchoverConfig v) {
      config = v;
      return this;
    }

    /**
     * @param v the physical clock behind the hybrid logical clock; default the system clock @return
     *     this builder
     */
    public Builder clock(InstantSource v) {
      time = v;
      return this;
    }

    /**
     * @param v where callers' stages complete; default a pool the store owns @return this builder
     */
    public Builder executor(Executor v) {
      executor = v;
      return this;
    }

    /**
     * @param v the Micrometer registry; default a private simple registry @return this builder
     */
    public Builder meterRegistry(MeterRegistry v) {
      registry = v;
      return this;
    }

    /**
     * @param v where to register the MXBean, or {@code null} for none; default the platform
     *     server @return this builder
     */
    public Builder mbeanServer(@Nullable MBeanServer v) {
      mbeanServer = v;
      return this;
    }

    /**
     * @param v a mode-change listener @return this builder
     */
    public Builder listener(SwitchoverListener v) {
      listeners.add(v);
      return this;
    }

    /**
     * Starts the store: opens the local journal, connects to etcd, probes once to pick the initial
     * mode, and registers the MXBean.
     *
     * @return the running store
     * @throws InvalidInputException if a required setting is missing
     */
    public HybridOrderStore build() {
      NodeId node = require(nodeId, "nodeId");
      StrongBackendFactory strongFactory = require(strong, "strong");
      LocalBackendFactory localFactory = require(local, "local");
      String n = name != null ? name : node.value();
      List<java.util.function.Consumer<org.hybridstore.event.ModeChangedEvent>> ls =
          new ArrayList<>();
      listeners.forEach(l -> ls.add(l::onModeChanged));
      StoreRuntime runtime =
          StoreRuntime.start(
              new StoreRuntime.Settings(
                  n,
                  node,
                  strongFactory,
                  localFactory,
                  config,
                  time,
                  executor,
                  registry != null ? registry : new SimpleMeterRegistry(),
                  mbeanServer,
                  List.copyOf(ls)));
      return new HybridOrderStore(runtime, n);
    }

    private static <T> T require(@Nullable T value, String field) {
      if (value == null) {
        throw new InvalidInputException(field, "is required");
      }
      return value;
    }
  }
}
