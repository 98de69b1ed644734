package org.hybridstore.ap.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.hybridstore.ApConfig;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.StoreClosedException;
import org.hybridstore.ap.internal.gossip.ScaleCubeNetwork;
import org.hybridstore.ap.internal.storage.JournalStore;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.ApStats;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.ap.internal.wire.NodeMeta;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.hybridstore.codec.EncodedRecord;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.hybridstore.model.VersionVector;
import org.hybridstore.spi.BackendContext;
import org.hybridstore.spi.BackendWrite;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.StoredRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The degraded backend: a {@link JournalStore} written only by a {@link GroupCommitWriter}, and a
 * {@link Replicator} over a {@link PeerNetwork} (ScaleCube unless a test supplies another).
 *
 * <p>Lifecycle: {@link #open} opens (or creates) the journal, decodes every record (a damaged file
 * fails here with {@code CorruptDataException} naming it), restores the clock, starts the writer
 * thread, joins the peers and schedules anti-entropy on the context's scheduler. {@link #close()}
 * stops anti-entropy, leaves the cluster, commits what is queued and closes the file.
 *
 * <p>Threads: one writer thread owned here ({@code hybridstore-journal-<node>}); completions run on
 * the context's executor; periodic work runs on the context's scheduler; message handlers run on
 * the transport's threads and only queue work. This class is thread-safe.
 */
public final class MapDbOrderBackend implements LocalBackend {
  private static final Logger LOG = LoggerFactory.getLogger(MapDbOrderBackend.class);

  private final BackendContext context;
  private final JournalStore store;
  private final GroupCommitWriter writer;
  private final Replicator replicator;
  private final PeerNetwork network;
  private final NetworkFaults faults;
  private final Counters counters;
  private final ReplicaIndex index;
  private final AtomicReference<NodeMeta> meta;
  private final ScheduledFuture<?> antiEntropy;
  private volatile boolean closed;

  private MapDbOrderBackend(
      BackendContext context,
      JournalStore store,
      GroupCommitWriter writer,
      Replicator replicator,
      PeerNetwork network,
      NetworkFaults faults,
      Counters counters,
      ReplicaIndex index,
      NodeMeta meta,
      ScheduledFuture<?> antiEntropy) {
    this.context = context;
    this.store = store;
    this.writer = writer;
    this.replicator = replicator;
    this.network = network;
    this.faults = faults;
    this.counters = counters;
    this.index = index;
    this.meta = new AtomicReference<>(meta);
    this.antiEntropy = antiEntropy;
  }

  /**
   * Opens the backend with the default file settings and ScaleCube.
   *
   * @param config the journal and replication settings
   * @param context the node's identity, clock and threads
   * @return the started backend
   */
  public static MapDbOrderBackend open(ApConfig config, BackendContext context) {
    NetworkFaults faults = new NetworkFaults();
    return open(
        config, context, StorageOptions.DEFAULTS, ScaleCubeNetwork.factory(config, faults), faults);
  }

  /**
   * Opens the backend.
   *
   * @param config the journal and replication settings
   * @param context the node's identity, clock and threads
   * @param storage file settings
   * @param networkFactory joins the peers
   * @param faults the fault-injection seam the network consults
   * @return the started backend
   * @throws org.hybridstore.CorruptDataException naming the file if the journal is damaged
   */
  public static MapDbOrderBackend open(
      ApConfig config,
      BackendContext context,
      StorageOptions storage,
      PeerNetwork.Factory networkFactory,
      NetworkFaults faults) {
    Counters counters = new Counters();
    ReplicaIndex index = new ReplicaIndex();
    JournalStore store = JournalStore.open(config.dataDir(), storage);
    GroupCommitWriter writer;
    try {
      if (store.openReport().damaged()) {
        // Writes held only in the damaged part are gone: re-read every order from etcd (the watch
        // resumes from the mirror revision) and let anti-entropy bring the peers' copies.
        store.setMeta(GroupCommitWriter.MIRROR_REVISION, 0);
        store.commit();
      }
      writer =
          new GroupCommitWriter(
              store,
              context.node(),
              context.clock(),
              context.executor(),
              config.groupCommitMaxBatch(),
              config.peerQueueBytes(),
              counters,
              index);
      writer.load();
      writer.maybeRotate();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    Replicator replicator =
        new Replicator(
            context.node(), writer, index, context.clock(), counters, config, context.scheduler());
    writer.onLocalWrites(replicator::pushLocalWrites);
    writer.start();
    NodeMeta self = new NodeMeta(context.node(), ConsistencyMode.STRONG, 0);
    PeerNetwork network;
    try {
      network =
          networkFactory.start(
              self,
              new PeerNetwork.Listener() {
                @Override
                public void onMessage(PeerNetwork.Sender from, WireMessage message) {
                  replicator.onMessage(from, message);
                }

                @Override
                public void onPeerUp(PeerNetwork.Peer peer) {
                  replicator.onPeerUp(peer);
                }
              },
              counters);
    } catch (RuntimeException e) {
      writer.close();
      store.close();
      throw e;
    }
    replicator.attach(network);
    long period = config.antiEntropyInterval().toMillis();
    ScheduledFuture<?> antiEntropy =
        context
            .scheduler()
            .scheduleWithFixedDelay(
                () -> {
                  try {
                    replicator.antiEntropyTick();
                  } catch (RuntimeException e) {
                    LOG.warn("anti-entropy round failed", e);
                  }
                },
                period,
                period,
                TimeUnit.MILLISECONDS);
    LOG.info(
        "node {} opened journal {} ({} records, {} in backlog) on {}",
        context.node(),
        store.file(),
        index.size(),
        store.backlogSize(),
        network.localAddress());
    return new MapDbOrderBackend(
        context, store, writer, replicator, network, faults, counters, index, self, antiEntropy);
  }

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command) {
    if (closed) {
      return CompletableFuture.<BackendWrite>failedFuture(closedException())
          .minimalCompletionStage();
    }
    return writer.apply(command).minimalCompletionStage();
  }

  @Override
  public CompletionStage<BackendWrite> apply(OrderCommand command, Stamp stamp) {
    if (closed) {
      return CompletableFuture.<BackendWrite>failedFuture(closedException())
          .minimalCompletionStage();
    }
    return writer.apply(command, stamp).minimalCompletionStage();
  }

  @Override
  public Optional<OrderRecord> read(OrderId id) {
    checkOpen();
    return writer.read(id.value());
  }

  @Override
  public Optional<EncodedRecord> readEncoded(OrderId id) {
    checkOpen();
    return writer.readEncoded(id.value());
  }

  @Override
  public CompletionStage<Void> absorb(Collection<OrderRecord> records, long revision) {
    if (closed) {
      return CompletableFuture.<Void>failedFuture(closedException()).minimalCompletionStage();
    }
    return writer.absorb(records, revision).minimalCompletionStage();
  }

  @Override
  public CompletionStage<Void> absorbStored(List<StoredRecord> records, long revision) {
    if (closed) {
      return CompletableFuture.<Void>failedFuture(closedException()).minimalCompletionStage();
    }
    return writer.absorbStored(records, revision).minimalCompletionStage();
  }

  @Override
  public CompletionStage<Void> absorb(Collection<OrderRecord> records) {
    if (closed) {
      return CompletableFuture.<Void>failedFuture(closedException()).minimalCompletionStage();
    }
    return writer.absorb(records, GroupCommitWriter.KEEP_MIRROR_REVISION).minimalCompletionStage();
  }

  @Override
  public CompletionStage<Void> absorbEncoded(List<EncodedRecord> records) {
    if (closed) {
      return CompletableFuture.<Void>failedFuture(closedException()).minimalCompletionStage();
    }
    return writer
        .absorbEncoded(records, GroupCommitWriter.KEEP_MIRROR_REVISION)
        .minimalCompletionStage();
  }

  @Override
  public long mirrorRevision() {
    return writer.mirrorRevision();
  }

  @Override
  public List<OrderRecord> backlog(int max) {
    checkOpen();
    List<OrderRecord> out = new ArrayList<>();
    for (String id : store.backlogOldest(max)) {
      writer.read(id).ifPresent(out::add);
    }
    return out;
  }

  @Override
  public List<OrderId> backlogIds(int max) {
    checkOpen();
    return store.backlogOldest(max).stream().map(OrderId::of).toList();
  }

  /** Answers from the writer's in-memory hints (no read): see {@code GroupCommitWriter}. */
  @Override
  public Optional<VersionVector> backlogVersions(OrderId id) {
    checkOpen();
    return writer.backlogVersions(id.value());
  }

  @Override
  public int backlogSize() {
    checkOpen();
    return store.backlogSize();
  }

  @Override
  public VersionVector knownFolded(OrderId id) {
    checkOpen();
    return writer.knownFolded(id.value());
  }

  /** Answers from the journal's backlog index (one lookup, no scan). */
  @Override
  public boolean inBacklog(OrderId id) {
    checkOpen();
    return store.inBacklog(id.value());
  }

  /** Answers from the journal index's op id index (one lookup). */
  @Override
  public Optional<OrderId> orderOfOp(OpId opId) {
    checkOpen();
    String id = store.orderOfOp(opId.key());
    return id == null ? Optional.empty() : Optional.of(OrderId.of(id));
  }

  @Override
  public AutoCloseable listenProvisional(Consumer<List<OrderRecord>> listener) {
    return writer.addProvisionalListener(listener);
  }

  @Override
  public void publishMode(ConsistencyMode mode, long epoch) {
    checkOpen();
    NodeMeta next = meta.updateAndGet(m -> new NodeMeta(m.node(), mode, epoch));
    network.publish(next);
  }

  @Override
  public Map<NodeId, PeerState> peers() {
    Map<NodeId, PeerState> out = new TreeMap<>();
    for (PeerNetwork.Peer p : network.peers()) {
      NodeMeta m = p.meta();
      if (m != null) {
        out.put(m.node(), new PeerState(m.mode(), m.epoch()));
      }
    }
    return out;
  }

  /** Returns the counters. */
  public ApStats stats() {
    return counters.snapshot();
  }

  @Override
  public java.util.SortedMap<String, Long> peerDrops() {
    return counters.snapshot().dropsByReason();
  }

  /** Returns the fault-injection seam the transport consults (tests only). */
  public NetworkFaults faults() {
    return faults;
  }

  /** Returns this node's transport address ({@code host:port}), what peers list as seeds. */
  public String gossipAddress() {
    return network.localAddress();
  }

  @Override
  public JournalHealth journalHealth() {
    JournalStore.OpenReport r = store.openReport();
    long[] c = store.counters();
    String failure = store.failure();
    return new JournalHealth(
        store.writable(),
        failure == null ? "" : failure,
        String.join("; ", r.damage()),
        r.quarantined() == null ? "" : r.quarantined(),
        c[0],
        c[1],
        c[2]);
  }

  /** Returns the number of records and the XOR of their hashes: equal on converged replicas. */
  public String replicaSummary() {
    ReplicaIndex.Summary s = index.summary();
    return s.count() + ":" + Long.toHexString(s.xor());
  }

  @Override
  public String replicaDigest() {
    return replicaSummary();
  }

  @Override
  public java.util.SortedMap<String, Long> replicaHashes(String after, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, was " + limit);
    }
    java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
    for (Map.Entry<String, Long> e : index.hashes().tailMap(after, false).entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }

  @Override
  public List<OrderId> orderIds(String after, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, was " + limit);
    }
    List<OrderId> out = new ArrayList<>(Math.min(limit, 1024));
    for (String id : index.hashes().tailMap(after, false).keySet()) {
      if (out.size() >= limit) {
        break;
      }
      out.add(OrderId.of(id));
    }
    return out;
  }

  /** Returns the number of records in the replica. */
  public int replicaSize() {
    return index.size();
  }

  /** Returns the order ids in the replica, sorted. */
  public List<String> orderIds() {
    return new ArrayList<>(index.hashes().keySet());
  }

  /** Returns the outgoing messages queued for peers. */
  public int queuedMessages() {
    return replicator.queuedMessages();
  }

  /** Returns the estimated bytes of the outgoing messages queued for peers. */
  public long queuedBytes() {
    return replicator.queuedBytes();
  }

  /** Runs one anti-entropy round now (tests and benchmarks; the scheduler runs them anyway). */
  public void antiEntropyNow() {
    replicator.antiEntropyTick();
  }

  /**
   * Parks the writer until {@code release} completes, so that what is queued meanwhile commits as
   * one batch (tests of batch semantics only).
   *
   * @param release completes to let the writer go on
   */
  public void holdWriter(CompletableFuture<Void> release) {
    writer.hold(release);
  }

  /** Completes once every write queued before it is committed. */
  public CompletionStage<Void> flush() {
    return writer.barrier().minimalCompletionStage();
  }

  private void checkOpen() {
    if (closed) {
      throw closedException();
    }
  }

  private StoreClosedException closedException() {
    return new StoreClosedException("local backend of " + context.node());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    antiEntropy.cancel(false);
    try {
      network.close();
    } catch (RuntimeException e) {
      LOG.warn("leaving the cluster failed", e);
    }
    writer.close();
    store.close();
    LOG.info("node {} closed journal {}", context.node(), store.file());
  }
}
