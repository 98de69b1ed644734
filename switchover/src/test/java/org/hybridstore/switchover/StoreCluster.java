package org.hybridstore.switchover;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanServer;
import org.hybridstore.ApConfig;
import org.hybridstore.CpConfig;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.SwitchoverConfig;
import org.hybridstore.ap.MapDbBackendFactory;
import org.hybridstore.cp.EtcdBackendFactory;
import org.hybridstore.cp.testing.EtcdClusterExtension;
import org.hybridstore.testkit.FreePorts;

/**
 * Three (or more) HybridOrderStores in one JVM, each with its own MapDB file and ScaleCube member
 * on a free port, all pointed at one real etcd cluster. Closes every store it started.
 */
final class StoreCluster implements AutoCloseable {
  static final SwitchoverConfig FAST =
      SwitchoverConfig.builder()
          .probeInterval(Duration.ofMillis(100))
          .probeTimeout(Duration.ofMillis(500))
          .failedProbesToDegrade(3)
          .stablePeriod(Duration.ofMillis(500))
          .strongWriteDeadline(Duration.ofMillis(1000))
          .build();

  /** The test cluster's secret (a deployment reads it from a file). */
  private static final String SECRET = "store-cluster-test-secret-0123456789abcdef";

  private final EtcdClusterExtension etcd;
  private final Path dir;
  private final String prefix;
  private final int[] gossipPorts;
  private final HybridOrderStore[] stores;
  private final MBeanServer mbeans;

  StoreCluster(EtcdClusterExtension etcd, Path dir, int size, MBeanServer mbeans) {
    this(etcd, dir, size, mbeans, "/it-" + Long.toHexString(System.nanoTime()) + "/");
  }

  /** A cluster whose stores gossip only with each other, writing under {@code prefix} in etcd. */
  StoreCluster(EtcdClusterExtension etcd, Path dir, int size, MBeanServer mbeans, String prefix) {
    this.prefix = prefix;
    this.etcd = etcd;
    this.dir = dir;
    this.mbeans = mbeans;
    gossipPorts = new int[size];
    for (int i = 0; i < size; i++) {
      gossipPorts[i] = FreePorts.one();
    }
    stores = new HybridOrderStore[size];
  }

  HybridOrderStore start(int i) {
    return start(i, etcd.clientEndpoints());
  }

  HybridOrderStore start(int i, List<URI> endpoints) {
    List<String> seeds = new ArrayList<>();
    for (int j = 0; j < gossipPorts.length; j++) {
      if (j != i) {
        seeds.add("127.0.0.1:" + gossipPorts[j]);
      }
    }
    List<NodeId> members = new ArrayList<>();
    for (int j = 0; j < gossipPorts.length; j++) {
      members.add(NodeId.of(dir.getFileName() + "-n" + j));
    }
    ApConfig ap =
        ApConfig.builder(dir.resolve("node-" + i))
            .gossipPort(gossipPorts[i])
            .seeds(seeds)
            .antiEntropyInterval(Duration.ofMillis(500))
            .peerAuth(PeerAuthConfig.builder().members(members).secrets(List.of(SECRET)).build())
            .build();
    CpConfig cp =
        etcd.cpConfig()
            .endpoints(endpoints)
            .requestTimeout(Duration.ofMillis(1000))
            .keyPrefix(prefix)
            .build();
    String name = prefix.replace("/", "") + "-" + dir.getFileName() + "-n" + i;
    stores[i] =
        HybridOrderStore.builder()
            .nodeId(NodeId.of(dir.getFileName() + "-n" + i))
            .name(name)
            .strong(EtcdBackendFactory.of(cp))
            .local(MapDbBackendFactory.of(ap))
            .config(FAST)
            .mbeanServer(mbeans)
            .build();
    return stores[i];
  }

  void startAll() {
    for (int i = 0; i < stores.length; i++) {
      start(i);
    }
  }

  /** Returns the etcd key prefix its stores write under. */
  String prefix() {
    return prefix;
  }

  HybridOrderStore get(int i) {
    return stores[i];
  }

  List<HybridOrderStore> all() {
    return List.of(stores);
  }

  void stop(int i) {
    if (stores[i] != null) {
      stores[i].close();
      stores[i] = null;
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < stores.length; i++) {
      try {
        stop(i);
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
  }
}
