package org.hybridstore.chaos.nemesis;

import java.util.List;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Fault;

/**
 * {@code gray-loss}: one random host drops each packet on its interface, in and out, with a fixed
 * probability ({@code iptables -m statistic --mode random}; no netem on this kernel).
 */
final class GrayLossNemesis extends NetworkNemesis {

  /** The default loss probability. */
  static final double DEFAULT_PROBABILITY = 0.3;

  private final double probability;

  GrayLossNemesis(String name, double probability) {
    super(name);
    this.probability = probability;
  }

  @Override
  Applied apply(Cluster cluster, Random random, List<Fault> out) {
    int h = random.nextInt(cluster.hosts().size());
    Fault f = cluster.network().randomLoss(h, probability);
    out.add(f);
    return new Applied(f.describe(), Set.of(h));
  }
}
