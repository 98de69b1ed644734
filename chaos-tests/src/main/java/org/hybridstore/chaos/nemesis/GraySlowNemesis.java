package org.hybridstore.chaos.nemesis;

import java.util.List;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Fault;

/**
 * {@code gray-slow}: one random host's egress is limited by a tbf qdisc (a slow link; packets that
 * would wait more than 500 ms are dropped).
 */
final class GraySlowNemesis extends NetworkNemesis {

  /** The default rate: raft heartbeats pass, bulk traffic crawls. */
  static final String DEFAULT_RATE = "128kbit";

  private final String rate;

  GraySlowNemesis(String name, String rate) {
    super(name);
    this.rate = rate;
  }

  @Override
  Applied apply(Cluster cluster, Random random, List<Fault> out) {
    int h = random.nextInt(cluster.hosts().size());
    Fault f = cluster.network().rateLimit(h, rate);
    out.add(f);
    return new Applied(f.describe(), Set.of(h));
  }
}
