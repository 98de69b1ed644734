package org.hybridstore.chaos.bench;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.hybridstore.ApConfig;
import org.hybridstore.ConsistencyMode;
import org.hybridstore.CpConfig;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.switchover.HybridOrderStore;
import org.jspecify.annotations.Nullable;

/**
 * Starts {@link HybridOrderStore}s the way {@code examples/order-service} does (the etcd backend,
 * the MapDB journal, the library's default switchover settings, the MXBean in the platform MBean
 * server), and waits for their conditions with a bound. Every wait polls; none is unbounded.
 */
final class BenchStores {
  /** How often a wait polls. */
  static final Duration POLL = Duration.ofMillis(10);

  private BenchStores() {}

  /**
   * What one store needs.
   *
   * @param name its name (JMX, thread names); unique in this JVM
   * @param node its node id; unique among its peers
   * @param etcd etcd's client URLs
   * @param keyPrefix the etcd key prefix of its orders
   * @param dataDir its journal directory
   * @param gossipPort its gossip port on 127.0.0.1
   * @param seeds its peers' {@code host:port}
   * @param groupCommitMaxBatch the journal's group-commit batch
   * @param members the node ids of the stores that replicate with this one, its own included
   */
  record Spec(
      String name,
      String node,
      List<URI> etcd,
      String keyPrefix,
      Path dataDir,
      int gossipPort,
      List<String> seeds,
      int groupCommitMaxBatch,
      List<String> members) {}

  // Peers authenticate as in production (HMAC on every frame), with a secret made for this run.
  private static final String SECRET = newSecret();

  private static String newSecret() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.Base64.getEncoder().encodeToString(b);
  }

  /**
   * Starts a store.
   *
   * @param s what it needs
   * @return the running store
   */
  static HybridOrderStore start(Spec s) {
    CpConfig cp = CpConfig.builder().endpoints(s.etcd()).keyPrefix(s.keyPrefix()).build();
    ApConfig ap =
        ApConfig.builder(s.dataDir())
            .bindHost("127.0.0.1")
            .gossipPort(s.gossipPort())
            .seeds(s.seeds())
            .groupCommitMaxBatch(s.groupCommitMaxBatch())
            .peerAuth(
                PeerAuthConfig.builder()
                    .members(s.members().stream().map(NodeId::of).toList())
                    .secrets(List.of(SECRET))
                    .build())
            .build();
    try {
      return HybridOrderStore.builder()
          .name(s.name())
          .nodeId(NodeId.of(s.node()))
          .strong(EtcdBackendFactory.of(cp))
          .local(MapDbBackendFactory.of(ap))
          .build();
    } catch (RuntimeException e) {
      throw new BenchmarkException("cannot start store " + s.name() + ": " + e, e);
    }
  }

  /**
   * Waits until every store is in a mode.
   *
   * @param stores the stores
   * @param mode the mode
   * @param bound how long to wait
   * @throws BenchmarkException with every store's mode if they are not there in time
   */
  static void awaitMode(List<HybridOrderStore> stores, ConsistencyMode mode, Duration bound) {
    until(
        "every store " + mode,
        bound,
        () -> stores.stream().allMatch(s -> s.mode() == mode),
        () -> modes(stores));
  }

  /**
   * Returns the stores' modes and backlogs, for messages.
   *
   * @param stores the stores
   * @return e.g. {@code [n1 STRONG backlog 0, n2 STRONG backlog 12]}
   */
  static String modes(List<HybridOrderStore> stores) {
    List<String> out = new ArrayList<>();
    for (HybridOrderStore s : stores) {
      out.add(s.name() + " " + s.mode() + " backlog " + s.backlogSize());
    }
    return out.toString();
  }

  /**
   * Returns the live peers a store's MXBean reports.
   *
   * @param store the store
   * @return the peers, {@code node=MODE@epoch}; empty if the MXBean is not registered
   */
  static String[] peers(HybridOrderStore store) {
    Object v = attribute(store, "Peers");
    return v instanceof String[] a ? a : new String[0];
  }

  /**
   * Returns the compare-and-swap races a store lost while folding records into etcd (MXBean).
   *
   * @param store the store
   * @return the count, or -1 if the MXBean is not registered
   */
  static long lostRaces(HybridOrderStore store) {
    Object v = attribute(store, "LostRacesTotal");
    return v instanceof Long l ? l : -1;
  }

  private static @Nullable Object attribute(HybridOrderStore store, String name) {
    ObjectName on = store.objectName().orElse(null);
    if (on == null) {
      return null;
    }
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      return server.getAttribute(on, name);
    } catch (JMException e) {
      return null;
    }
  }

  /**
   * Polls a condition until it holds.
   *
   * @param what the condition, for the message
   * @param bound how long to wait
   * @param condition the condition
   * @param state what to report if it never holds
   * @return milliseconds it took
   * @throws BenchmarkException if it does not hold in time
   */
  static long until(
      String what, Duration bound, BooleanSupplier condition, Supplier<String> state) {
    long start = System.nanoTime();
    long deadline = start + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new BenchmarkException(
            "not reached within "
                + bound.toSeconds()
                + " s: "
                + what
                + "; last seen: "
                + state.get());
      }
      LockSupport.parkNanos(POLL.toNanos());
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new BenchmarkException("interrupted while waiting for " + what);
      }
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /**
   * Closes stores, keeping on after a failure.
   *
   * @param stores the stores (nulls skipped)
   */
  static void closeAll(List<HybridOrderStore> stores) {
    for (HybridOrderStore s : stores) {
      if (s == null) {
        continue;
      }
      try {
        s.close();
      } catch (RuntimeException e) {
        System.err.println("bench: closing " + s.name() + " failed: " + e);
      }
    }
  }
}
