package org.hybridstore.chaos.nemesis;

import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;

/**
 * A fault with a start and a stop (Jepsen's nemesis). {@code start} puts the fault in place and
 * returns once it has taken hold at the kernel or process level; {@code stop} reverses exactly what
 * {@code start} did, leaving other nemeses' faults alone. A nemesis is stateful: get a fresh one
 * from {@link Nemeses#byName(String)} per run. Implementations are thread-safe.
 */
public interface Nemesis {

  /**
   * The registry name, e.g. {@code partition-leader}.
   *
   * @return the name
   */
  String name();

  /**
   * Puts the fault in place.
   *
   * @param cluster the cluster
   * @param random the source of every random choice (which host, which split), for replays
   * @throws IllegalStateException if it is already active
   * @throws UnsupportedOperationException if {@link #supported} is false for this cluster
   * @throws org.hybridstore.chaos.cluster.ClusterException if the fault cannot be applied
   */
  void start(Cluster cluster, Random random);

  /**
   * Heals what {@link #start} did; does nothing if the nemesis is not active.
   *
   * @param cluster the cluster given to start
   * @throws org.hybridstore.chaos.cluster.ClusterException if the fault cannot be lifted
   */
  void stop(Cluster cluster);

  /**
   * The current fault for logs and the report, e.g. {@code partition-one: partition [h2] [h1 h3]},
   * or {@code partition-one: inactive}.
   *
   * @return the description
   */
  String describe();

  /**
   * Whether this nemesis can run on the cluster (network nemeses need NAMESPACES mode).
   *
   * @param cluster the cluster
   * @return true if supported
   */
  boolean supported(Cluster cluster);

  /**
   * Whether a fault is in place.
   *
   * @return true between start and stop
   */
  boolean isActive();

  /**
   * The hosts the current fault targets (killed or paused members, isolated or degraded hosts), for
   * per-node fault windows in the report; empty when inactive.
   *
   * @return host indexes
   */
  Set<Integer> affectedHosts();
}
