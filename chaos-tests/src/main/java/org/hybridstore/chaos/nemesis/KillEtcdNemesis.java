package org.hybridstore.chaos.nemesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Host;

/**
 * SIGKILLs one, a majority or all etcd members (chosen at random); stop restarts them on the same
 * data directory and ports. Recovery after the restart takes one election (faults.md §3c); the
 * caller waits for it with {@link Cluster#awaitHealthy}.
 */
final class KillEtcdNemesis extends AbstractNemesis {

  private final Targets targets;
  private List<Integer> killed = List.of();

  KillEtcdNemesis(String name, Targets targets) {
    super(name);
    this.targets = targets;
  }

  @Override
  Applied doStart(Cluster cluster, Random random) {
    Set<Integer> chosen = targets.pick(cluster.hosts().size(), random);
    List<Integer> done = new ArrayList<>();
    try {
      for (int h : chosen) {
        cluster.etcd(h).kill();
        done.add(h);
      }
    } catch (RuntimeException e) {
      done.forEach(h -> cluster.etcd(h).restart());
      throw e;
    }
    killed = List.copyOf(done);
    return new Applied("killed etcd on " + names(cluster, chosen), chosen);
  }

  @Override
  void doStop(Cluster cluster) {
    for (int h : killed) {
      if (!cluster.etcd(h).isRunning()) {
        cluster.etcd(h).restart();
      }
    }
    killed = List.of();
  }

  static String names(Cluster cluster, Set<Integer> hosts) {
    List<Host> all = cluster.hosts();
    return hosts.stream().map(h -> all.get(h).name()).toList().toString();
  }
}
