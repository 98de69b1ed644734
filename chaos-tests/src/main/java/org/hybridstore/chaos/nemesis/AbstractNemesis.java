package org.hybridstore.chaos.nemesis;

import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.hybridstore.chaos.cluster.Cluster;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state handling every nemesis shares: one lock, active or not, a description and the affected
 * hosts. Subclasses implement {@link #doStart} (return what was done) and {@link #doStop}.
 */
abstract class AbstractNemesis implements Nemesis {

  private static final Logger LOG = LoggerFactory.getLogger(AbstractNemesis.class);

  /** What {@link #doStart} put in place. */
  record Applied(String description, Set<Integer> hosts) {
    Applied {
      Objects.requireNonNull(description, "description");
      hosts = Set.copyOf(hosts);
    }
  }

  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable Applied applied;

  AbstractNemesis(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final void start(Cluster cluster, Random random) {
    lock.lock();
    try {
      if (applied != null) {
        throw new IllegalStateException(name + " is already active: " + applied.description());
      }
      if (!supported(cluster)) {
        throw new UnsupportedOperationException(
            name
                + " needs network faults, which this cluster ("
                + cluster.mode()
                + ") does not support");
      }
      applied = doStart(cluster, random);
      LOG.info("nemesis {} started: {}", name, applied.description());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public final void stop(Cluster cluster) {
    lock.lock();
    try {
      if (applied == null) {
        return;
      }
      doStop(cluster);
      LOG.info("nemesis {} stopped: healed {}", name, applied.description());
      applied = null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public final String describe() {
    lock.lock();
    try {
      return name + ": " + (applied == null ? "inactive" : applied.description());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public final boolean isActive() {
    lock.lock();
    try {
      return applied != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public final Set<Integer> affectedHosts() {
    lock.lock();
    try {
      return applied == null ? Set.of() : applied.hosts();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean supported(Cluster cluster) {
    return true;
  }

  /** Puts the fault in place; called under the lock, at most once until {@link #doStop}. */
  abstract Applied doStart(Cluster cluster, Random random);

  /** Reverses {@link #doStart}; called under the lock. */
  abstract void doStop(Cluster cluster);

  @Override
  public String toString() {
    return describe();
  }
}
