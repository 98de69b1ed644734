package org.hybridstore.chaos.nemesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Fault;

/**
 * Base of the network nemeses: {@link #apply} puts one or more {@link Fault}s in place through
 * {@link Cluster#network()}; stop removes exactly those faults, so other nemeses' faults stay.
 */
abstract class NetworkNemesis extends AbstractNemesis {

  private List<Fault> faults = List.of();

  NetworkNemesis(String name) {
    super(name);
  }

  @Override
  public boolean supported(Cluster cluster) {
    return cluster.network().supports();
  }

  /** Puts the faults in place, adding each to {@code out} as soon as it exists. */
  abstract Applied apply(Cluster cluster, Random random, List<Fault> out);

  @Override
  final Applied doStart(Cluster cluster, Random random) {
    List<Fault> out = new ArrayList<>();
    try {
      Applied applied = apply(cluster, random, out);
      faults = List.copyOf(out);
      return applied;
    } catch (RuntimeException e) {
      for (Fault f : out) {
        try {
          cluster.network().remove(f);
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  @Override
  final void doStop(Cluster cluster) {
    List<Fault> left = new ArrayList<>(faults);
    RuntimeException failure = null;
    for (Fault f : faults) {
      try {
        cluster.network().remove(f);
        left.remove(f);
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    faults = List.copyOf(left);
    if (failure != null) {
      throw failure;
    }
  }

  /** The faults this nemesis has in place. */
  final List<Fault> faults() {
    return faults;
  }
}
