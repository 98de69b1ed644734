package org.hybridstore.ap.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hybridstore.ApConfig;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.ap.internal.gossip.ScaleCubeNetwork;
import org.hybridstore.ap.internal.storage.StorageOptions;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.model.HybridLogicalClock;
import org.hybridstore.spi.BackendContext;

/** One node of a test: its backend and the threads its context owns. Close it in @AfterEach. */
public final class TestNode implements AutoCloseable {
  public final NodeId id;
  public final Path dataDir;
  public final HybridLogicalClock clock;
  public final MapDbOrderBackend backend;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;

  private TestNode(
      NodeId id,
      Path dataDir,
      HybridLogicalClock clock,
      MapDbOrderBackend backend,
      ExecutorService executor,
      ScheduledExecutorService scheduler) {
    this.id = id;
    this.dataDir = dataDir;
    this.clock = clock;
    this.backend = backend;
    this.executor = executor;
    this.scheduler = scheduler;
  }

  /** The test cluster's secret (a real deployment reads it from a file, never from code). */
  public static final String SECRET = "test-cluster-secret-0123456789abcdef";

  /** Peer authentication of the test cluster: nodes n1..n5, "bench" and "crash". */
  public static final PeerAuthConfig PEER_AUTH =
      PeerAuthConfig.builder()
          .members(
              List.of(
                  NodeId.of("n1"),
                  NodeId.of("n2"),
                  NodeId.of("n3"),
                  NodeId.of("n4"),
                  NodeId.of("n5"),
                  NodeId.of("bench"),
                  NodeId.of("crash"),
                  NodeId.of("cut")))
          .secrets(List.of(SECRET))
          .build();

  /** Config with fast anti-entropy and the test cluster's peer authentication. */
  public static ApConfig.Builder config(Path dataDir) {
    return ApConfig.builder(dataDir)
        .antiEntropyInterval(Duration.ofMillis(200))
        .peerAuth(PEER_AUTH);
  }

  /** Starts a node on ScaleCube (real sockets). */
  public static TestNode scaleCube(String node, ApConfig config) {
    NetworkFaults faults = new NetworkFaults();
    return start(
        node,
        config,
        StorageOptions.DEFAULTS,
        ScaleCubeNetwork.factory(config, faults),
        faults,
        InstantSource.system());
  }

  /** Starts a node on an in-memory network (no sockets). */
  public static TestNode inMemory(String node, ApConfig config, LocalHub hub) {
    NetworkFaults faults = new NetworkFaults();
    return start(
        node, config, StorageOptions.DEFAULTS, hub.factory(faults), faults, InstantSource.system());
  }

  /** Starts a node with everything given. */
  public static TestNode start(
      String node,
      ApConfig config,
      StorageOptions storage,
      PeerNetwork.Factory network,
      NetworkFaults faults,
      InstantSource time) {
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> daemon(r, node + "-exec"));
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, node + "-sched"));
    HybridLogicalClock clock = new HybridLogicalClock(time, Duration.ofSeconds(5));
    BackendContext ctx = new BackendContext(NodeId.of(node), clock, executor, scheduler);
    try {
      MapDbOrderBackend backend = MapDbOrderBackend.open(config, ctx, storage, network, faults);
      return new TestNode(NodeId.of(node), config.dataDir(), clock, backend, executor, scheduler);
    } catch (RuntimeException e) {
      executor.shutdownNow();
      scheduler.shutdownNow();
      throw e;
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  public String address() {
    return backend.gossipAddress();
  }

  /** Cuts the given nodes off from each other in both directions. */
  public static void partition(List<TestNode> sideA, List<TestNode> sideB) {
    for (TestNode a : sideA) {
      for (TestNode b : sideB) {
        a.backend.faults().isolateFrom(b.address());
        b.backend.faults().isolateFrom(a.address());
      }
    }
  }

  /** Lifts every block on the given nodes. */
  public static void heal(List<TestNode> nodes) {
    nodes.forEach(n -> n.backend.faults().heal());
  }

  @Override
  public void close() {
    try {
      backend.close();
    } finally {
      executor.shutdownNow();
      scheduler.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Closes every node, collecting failures. */
  public static void closeAll(List<TestNode> nodes) {
    RuntimeException failure = null;
    for (TestNode n : nodes) {
      try {
        n.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    nodes.clear();
    if (failure != null) {
      throw failure;
    }
  }
}
