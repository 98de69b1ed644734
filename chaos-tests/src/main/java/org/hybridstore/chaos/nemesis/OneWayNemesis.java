package org.hybridstore.chaos.nemesis;

import java.util.List;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Fault;

/**
 * {@code one-way}: everything one random host sends to the other hosts is dropped (its traffic to
 * the root namespace is not). TCP needs both directions, so TCP between that host and the others
 * fails both ways; it differs from an isolation in that the host still receives datagrams and SYNs,
 * and so sees half-open connections.
 */
final class OneWayNemesis extends NetworkNemesis {

  OneWayNemesis(String name) {
    super(name);
  }

  @Override
  Applied apply(Cluster cluster, Random random, List<Fault> out) {
    int n = cluster.hosts().size();
    int h = random.nextInt(n);
    Fault f = cluster.network().oneWay(h, Targets.others(n, h));
    out.add(f);
    return new Applied(f.describe(), Set.of(h));
  }
}
